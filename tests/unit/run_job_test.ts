/** Pure parts of run-job: arguments, job parsing, ports, env, templates, task order. */
import assert from "node:assert/strict";
import { imageName, overrideImage, parseArgs, UsageError } from "../../scripts/run_job/args.ts";
import { JobSpecError, parseDurationMs, parseJob } from "../../scripts/run_job/jobspec.ts";
import { allocatePorts, PortError } from "../../scripts/run_job/ports.ts";
import { interpolate, taskEnv } from "../../scripts/run_job/task_env.ts";
import { renderTemplate, TemplateError, templatePath } from "../../scripts/run_job/templates.ts";
import { InvalidTaskError, orderTasks, type PlannedTask } from "../../scripts/run_job/plan.ts";

Deno.test("run-job args: images, vars, socket, exclusive options", () => {
  const a = parseArgs([
    "job.nomad",
    "--image",
    "redis=localhost/ndp/redis:latest",
    "--var=x=1=2",
    "--socket",
    "unix:///tmp/p.sock",
    "--stats",
  ]);
  assert.equal(a.file, "job.nomad");
  assert.equal(a.images.get("redis"), "localhost/ndp/redis:latest");
  assert.deepEqual(a.vars, { x: "1=2" });
  assert.equal(a.socket, "unix:///tmp/p.sock");
  assert.equal(a.stats, true);
  assert.throws(() => parseArgs([]), UsageError);
  assert.throws(() => parseArgs(["a", "b"]), /exactly one job file/);
  assert.throws(() => parseArgs(["a", "--image", "redis"]), /NAME=VALUE/);
  assert.throws(() => parseArgs(["a", "--socket", "s", "--plugin-config", "f"]), /exclude/);
  assert.throws(() => parseArgs(["a", "--nope"]), /unknown option --nope/);
});

Deno.test("run-job args: image names match without registry, tag, digest or transport", () => {
  assert.equal(imageName("docker://docker.io/library/redis:7"), "redis");
  assert.equal(imageName("natsio/prometheus-nats-exporter:0.15.0"), "prometheus-nats-exporter");
  assert.equal(imageName("registry.k8s.io/pause@sha256:abc"), "pause");
  assert.equal(imageName("localhost:5000/x/busybox"), "busybox");
  const m = new Map([["redis", "localhost/ndp/redis:latest"]]);
  assert.equal(overrideImage("docker.io/library/redis:7", m), "localhost/ndp/redis:latest");
  assert.equal(overrideImage("docker.io/library/redisx:7", m), "docker.io/library/redisx:7");
});

Deno.test("run-job jobspec: variables, lifecycle, ports, templates, durations", async () => {
  const job = await parseJob(
    "t.nomad",
    `
variable "img" { default = "busybox:1" }
variable "n" {}
job "j" {
  type = "batch"
  group "g" {
    network {
      mode = "bridge"
      port "http" { to = 80 }
      port "fixed" { static = 8081 }
    }
    task "t" {
      driver       = "podman"
      kill_timeout = "1m30s"
      kill_signal  = "SIGINT"
      lifecycle {
        hook    = "prestart"
        sidecar = true
      }
      env { A = "\${var.n}-\${NOMAD_TASK_NAME}" }
      config { image = "\${var.img}" }
      template {
        destination = "local/x"
        data        = "x"
      }
      artifact { source = "https://example.com/x" }
      resources {
        cpu    = 250
        memory = 64
        memory_max = 128
      }
    }
  }
}`,
    { n: "7" },
  );
  const g = job.groups[0]!;
  assert.equal(job.type, "batch");
  assert.equal(g.networkMode, "bridge");
  assert.deepEqual(g.ports.sort((a, b) => a.label.localeCompare(b.label)), [
    { label: "fixed", static: 8081, to: 0 },
    { label: "http", static: 0, to: 80 },
  ]);
  const t = g.tasks[0]!;
  assert.deepEqual(t.lifecycle, { hook: "prestart", sidecar: true });
  assert.equal(t.killTimeoutMs, 90_000);
  assert.equal(t.killSignal, "SIGINT");
  assert.equal(t.env.A, "7-${NOMAD_TASK_NAME}");
  assert.equal(t.config.image, "busybox:1");
  assert.equal(t.artifacts, 1);
  assert.equal(t.templates[0]!.destination, "local/x");
  assert.equal(t.memoryMaxMb, 128);
  await assert.rejects(
    () => parseJob("t.nomad", `variable "n" {}\njob "j" { group "g" {} }`),
    JobSpecError,
  );
  assert.equal(parseDurationMs("250ms"), 250);
  assert.equal(parseDurationMs("2h"), 7_200_000);
  assert.equal(parseDurationMs("soon"), undefined);
});

Deno.test("run-job ports: dynamic from the free range, static as given, conflicts named", () => {
  const taken = new Set<number>();
  const ports = allocatePorts(
    [{ label: "a", static: 0, to: 80 }, {
      label: "b",
      static: 24000,
      to: 0,
    }],
    taken,
    () => true,
  );
  assert.ok(ports[0]!.value >= 20000 && ports[0]!.value < 32000);
  assert.equal(ports[0]!.hostIp, "127.0.0.1");
  assert.equal(ports[1]!.value, 24000);
  assert.throws(
    () => allocatePorts([{ label: "c", static: 24000, to: 0 }], taken, () => true),
    PortError,
  );
});

Deno.test("run-job env: NOMAD_* and port variables; env block interpolated", () => {
  const env = taskEnv({
    jobName: "j",
    groupName: "g",
    taskName: "t",
    allocId: "0123456789abcdef",
    datacenter: "dc1",
    cpu: 100,
    memoryMb: 64,
    memoryMaxMb: 0,
    cores: 0,
    ports: [{ label: "my-db", value: 23456, to: 6379, hostIp: "127.0.0.1" }],
    env: { URL: "redis://${NOMAD_ADDR_my_db}/${NOMAD_TASK_NAME}", KEEP: "${unknown.x}" },
  });
  assert.equal(env.NOMAD_PORT_my_db, "6379");
  assert.equal(env.NOMAD_HOST_PORT_my_db, "23456");
  assert.equal(env.NOMAD_ADDR_my_db, "127.0.0.1:6379");
  assert.equal(env.NOMAD_HOST_ADDR_my_db, "127.0.0.1:23456");
  assert.equal(env.NOMAD_ALLOC_NAME, "j.g[0]");
  assert.equal(env.NOMAD_SHORT_ALLOC_ID, "01234567");
  assert.equal(env.URL, "redis://127.0.0.1:6379/t");
  assert.equal(env.KEEP, "${unknown.x}");
  assert.equal(interpolate("${ A }", { A: "1" }), "1");
});

Deno.test("run-job templates: literal text and env; other actions refused; no escaping", () => {
  const t = {
    data: 'a={{ env "A" }} {{- " b" }}\n{{/* c */}}',
    leftDelimiter: "{{",
    rightDelimiter: "}}",
    destination: "local/x",
  };
  assert.equal(renderTemplate(t, { A: "1" }, "task"), "a=1 b\n");
  assert.throws(
    () => renderTemplate({ ...t, data: '{{ key "x" }}' }, {}, "task"),
    /task "task": template "local\/x": unsupported template action \{\{ key "x" \}\}/,
  );
  assert.throws(() => renderTemplate({ ...t, data: "{{ env" }, {}, "task"), TemplateError);
  assert.equal(templatePath("/a/t", "local/../local/x.conf", "task"), "/a/t/local/x.conf");
  assert.throws(() => templatePath("/a/t", "../../etc/passwd", "task"), /escapes/);
});

function planned(name: string, phase: PlannedTask["phase"], deps: string[] = [], sidecar = true) {
  return { decl: { name }, phase, sidecar, dependsOn: deps } as unknown as PlannedTask;
}

Deno.test("run-job order: phases, then task:NAME references first; bad references named", () => {
  const order = orderTasks("g", [
    planned("exporter", "poststart", ["pod"]),
    planned("server", "main", ["pod"]),
    planned("web", "main", ["server"]),
    planned("pod", "prestart"),
  ]).map((t) => t.decl.name);
  assert.deepEqual(order, ["pod", "server", "web", "exporter"]);
  const inMain = orderTasks("g", [planned("b", "main", ["a"]), planned("a", "main")]);
  assert.deepEqual(inMain.map((t) => t.decl.name), ["a", "b"]);
  assert.throws(() => orderTasks("g", [planned("a", "main", ["x"])]), InvalidTaskError);
  assert.throws(
    () => orderTasks("g", [planned("a", "prestart", ["b"]), planned("b", "main")]),
    /starts after it/,
  );
  assert.throws(
    () => orderTasks("g", [planned("a", "main", ["b"]), planned("b", "main", ["a"])]),
    /cycle/,
  );
  assert.throws(
    () => orderTasks("g", [planned("a", "main", ["p"]), planned("p", "prestart", [], false)]),
    /not a sidecar/,
  );
});
