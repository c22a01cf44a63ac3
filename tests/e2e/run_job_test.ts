/**
 * `deno task run-job` end to end: the example jobs run through the runner
 * (a separate process, which spawns the plugin as Nomad would) against the
 * private Podman, with offline image overrides, and leave nothing behind.
 */
import assert from "node:assert/strict";
import {
  IN_CI,
  NEEDS_PODMAN,
  PODMAN_SOCKET,
  REPO_ROOT,
  ROOTLESS_SOCKET,
} from "../support/harness/mod.ts";
import { Logger } from "../../src/plugin_log/mod.ts";
import { PodmanClient } from "../../src/podman/client.ts";
import { RunJob as RunJobProcess } from "../../scripts/run_job/child.ts";
import {
  assertNothingLeft,
  httpGet,
  OFFLINE_IMAGES,
  redisPing,
  RunJob,
  withTempJob,
} from "./_run_job.ts";

const opts = { ignore: NEEDS_PODMAN, sanitizeResources: false, sanitizeOps: false };
const job = (name: string) => `${REPO_ROOT}/examples/jobs/${name}`;

/** Runs a job until `check` is done, then stops it with `signal` and checks the cleanup. */
async function runService(
  file: string,
  check: (r: RunJob) => Promise<void>,
  signal: Deno.Signal = "SIGINT",
): Promise<RunJob> {
  const r = new RunJob([file, ...OFFLINE_IMAGES]);
  try {
    await r.line(/\] all tasks running$/);
    await check(r);
  } finally {
    const st = await r.stop(signal);
    assert.equal(st.code, 0, `run-job exit code after ${signal}\n${r.output()}`);
  }
  const netns = r.stdout.flatMap((l) => l.match(/network namespace (\S+) /)?.[1] ?? []);
  await assertNothingLeft(r.allocIds(), netns);
  assert.ok(r.stdout.some((l) => l.endsWith("stopped; everything removed")), r.output());
  return r;
}

Deno.test({
  ...opts,
  name: "run-job: redis.nomad answers PING with PONG on the published port; SIGTERM stops it",
  fn: async () => {
    const r = await runService(job("redis.nomad"), async (r) => {
      const port = await r.port("cache.db", 6379);
      assert.equal(await redisPing(port), "+PONG");
      // Task logs are streamed, prefixed by the task name.
      await r.line(/^redis \| .*Ready to accept connections/);
    }, "SIGTERM");
    assert.ok(r.stdout.some((l) => /task cache\/redis: pending/.test(l)));
    assert.ok(r.stdout.some((l) => /task cache\/redis: running/.test(l)));
    assert.ok(
      r.stdout.some((l) => /task cache\/redis: stopping \(SIGTERM, kill_timeout 5s\)/.test(l)),
    );
    assert.ok(r.stdout.some((l) => /task cache\/redis: exited \(code 0\)/.test(l)), r.output());
  },
});

Deno.test({
  ...opts,
  name: "run-job: redis_portmap.nomad publishes the legacy port_map port",
  fn: async () => {
    await runService(job("redis_portmap.nomad"), async (r) => {
      const port = await r.port("cache.db", 6379);
      assert.equal(await redisPing(port), "+PONG");
    });
  },
});

Deno.test({
  ...opts,
  name:
    "run-job: nats_simple_pod.nomad: the exporter reads the server over localhost (task:server)",
  fn: async () => {
    await runService(job("nats_simple_pod.nomad"), async (r) => {
      await r.port("nats.client", 4222);
      const metrics = await httpGet(await r.port("nats.metrics", 7777), "/metrics");
      assert.match(metrics, /^gnatsd_varz_up 1$/m);
      assert.match(metrics, /^gnatsd_varz_info\{server_id="N[A-Z0-9]+"\} 1$/m);
    });
  },
});

Deno.test({
  ...opts,
  name: "run-job: nats_pod.nomad: pause task first, server and exporter share its namespace",
  fn: async () => {
    const r = await runService(job("nats_pod.nomad"), async (r) => {
      const metrics = await httpGet(await r.port("nats.metrics", 7777), "/metrics");
      assert.match(metrics, /^gnatsd_varz_up 1$/m);
      // The template was rendered with the task env into local/nats-server.conf.
      await r.line(/^server \| .*Name: +server-0$/, 20_000, true);
    });
    const order = r.stdout.flatMap((l) => l.match(/task nats\/(\w+): running/)?.[1] ?? []);
    assert.deepEqual(order, ["pod", "server", "exporter"], r.output());
  },
});

Deno.test({
  ...opts,
  name: "run-job: nats_group.nomad: a group bridge namespace publishes the group's ports",
  fn: async () => {
    const r = await runService(job("nats_group.nomad"), async (r) => {
      const metrics = await httpGet(await r.port("nats.metrics", 7777), "/metrics");
      assert.match(metrics, /^gnatsd_varz_up 1$/m);
      // The client port reaches nats-server: it greets with INFO.
      const conn = await Deno.connect({
        hostname: "127.0.0.1",
        port: await r.port("nats.client", 4222),
      });
      try {
        const buf = new Uint8Array(512);
        const n = await conn.read(buf);
        assert.match(new TextDecoder().decode(buf.subarray(0, n ?? 0)), /^INFO \{/);
      } finally {
        conn.close();
      }
    });
    assert.ok(
      r.stdout.some((l) => /group nats: network namespace \/\S+ \(held by container/.test(l)),
    );
  },
});

Deno.test({
  ...opts,
  name: "run-job: a batch job ends with its main task's exit code; prestart runs first",
  fn: async () => {
    const r = await withTempJob(
      `
job "batch" {
  type = "batch"
  group "g" {
    task "prep" {
      driver = "podman"
      lifecycle {
        hook = "prestart"
      }
      config {
        image   = "docker.io/library/busybox:1.36"
        command = "sh"
        args    = ["-c", "echo prepared > \${NOMAD_ALLOC_DIR}/prep.txt"]
      }
    }
    task "main" {
      driver = "podman"
      env {
        GREETING = "hi from \${NOMAD_TASK_NAME}"
      }
      config {
        image   = "docker.io/library/busybox:1.36"
        command = "sh"
        args    = ["-c", "cat /alloc/prep.txt; echo \\"$GREETING\\"; cat /local/t.txt; exit 3"]
      }
      template {
        destination = "local/t.txt"
        data        = "job {{ env \\"NOMAD_JOB_NAME\\" }}"
      }
    }
  }
}`,
      async (file) => {
        const r = new RunJob([file, ...OFFLINE_IMAGES]);
        await r.status;
        return r;
      },
    );
    const st = await r.status;
    assert.equal(st.code, 3, r.output());
    const logs = r.stdout.filter((l) => l.startsWith("main | "));
    assert.deepEqual(
      logs,
      ["main | prepared", "main | hi from main", "main | job batch"],
      r.output(),
    );
    const order = r.stdout.flatMap((l) =>
      l.match(/task g\/(\w+): (running|exited)/)?.slice(1, 3).join(" ") ?? []
    );
    assert.deepEqual(order, ["prep running", "prep exited", "main running", "main exited"]);
    await assertNothingLeft(r.allocIds());
  },
});

Deno.test({
  ...opts,
  name:
    "run-job: an invalid task config fails before anything starts, naming task, option and value",
  fn: async () => {
    const r = await withTempJob(
      `
job "bad" {
  group "g" {
    task "ok" {
      driver = "podman"
      config {
        image = "docker.io/library/busybox:1.36"
      }
    }
    task "broken" {
      driver = "podman"
      config {
        image              = "docker.io/library/busybox:1.36"
        memory_reservation = "lots"
      }
    }
  }
}`,
      async (file) => {
        const r = new RunJob([file, ...OFFLINE_IMAGES]);
        await r.status;
        return r;
      },
    );
    const st = await r.status;
    assert.equal(st.code, 1, r.output());
    const err = r.stderr.join("\n");
    assert.match(err, /task "g\/broken"/);
    assert.match(err, /memory_reservation/);
    assert.match(err, /lots/);
    assert.ok(!r.stdout.some((l) => /: running/.test(l)), r.output());
    assert.deepEqual(r.allocIds(), [], "failed before any alloc was announced");
  },
});

Deno.test({
  ...opts,
  name:
    "run-job: the batch feature examples (hello, journald, storage, resources, security) exit 0",
  fn: async () => {
    const expect: Record<string, RegExp> = {
      "hello.nomad": /^hello \| hello from demo-hello as root, task dir \/local$/,
      "logging_journald.nomad": /^chatty \| line 3 of chatty$/,
      "storage.nomad": /^probe \| greeting = "hello from [0-9a-f-]{36}"$/,
      "resources.nomad": /^pinned \| 0$/,
      "security.nomad": /^locked-down \| CapEff:\s+0000000000000400$/,
    };
    for (const [file, line] of Object.entries(expect)) {
      const r = new RunJob([job(file), ...OFFLINE_IMAGES]);
      const st = await r.status;
      assert.equal(st.code, 0, `${file}\n${r.output()}`);
      assert.ok(r.stdout.some((l) => line.test(l)), `${file}: no line ${line}\n${r.output()}`);
      await assertNothingLeft(r.allocIds());
    }
  },
});

Deno.test({
  ...opts,
  ignore: NEEDS_PODMAN || (!IN_CI && !isSocket(ROOTLESS_SOCKET)),
  name: "run-job: rootless.nomad runs on the rootless user's socket and serves its page",
  fn: async () => {
    const conf = await Deno.makeTempFile({ prefix: "ndp-rootless-conf-", suffix: ".hcl" });
    await Deno.writeTextFile(
      conf,
      `socket {\n  name = "default"\n  socket_path = "unix://${PODMAN_SOCKET}"\n}\n` +
        `socket {\n  name = "rootless"\n  socket_path = "unix://${ROOTLESS_SOCKET}"\n}\n` +
        // cgroups v1: rootless Podman cannot apply the job's memory limit.
        `rootless_without_limits = true\n`,
    );
    const r = new RunJobProcess([
      job("rootless.nomad"),
      ...OFFLINE_IMAGES,
      "--plugin-config",
      conf,
    ]);
    try {
      await r.line(/\] all tasks running$/);
      const body = await httpGet(await r.port("web.http", 8080), "/index.html");
      assert.equal(body.trim(), "hello from httpd on a rootless Podman");
    } finally {
      const st = await r.stop("SIGINT");
      await Deno.remove(conf);
      assert.equal(st.code, 0, `run-job exit code after SIGINT\n${r.output()}`);
    }
    const rootless = new PodmanClient({
      socketPath: `unix://${ROOTLESS_SOCKET}`,
      logger: new Logger("test", { sink: { write: () => {} }, level: "error" }),
    });
    const left = (await rootless.containers.list({ all: true }))
      .filter((c) => r.allocIds().some((a) => c.names.some((n) => n.includes(a))));
    assert.deepEqual(left.map((c) => c.names), [], "rootless containers left behind");
    assert.ok(r.allocIds().length > 0, r.output());
  },
});

function isSocket(path: string): boolean {
  try {
    return Deno.statSync(path).isSocket === true;
  } catch {
    return false;
  }
}
