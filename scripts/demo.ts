/**
 * The demo: runs the task of examples/jobs/demo.nomad.hcl through the plugin
 * (started as a separate process, exactly as a Nomad client would) against
 * the local private Podman service, and prints what Nomad would show.
 *
 * Usage: deno run -P=test scripts/demo.ts [job.nomad.hcl]
 */
import { parse } from "@cdktf/hcl2json";
import { defaultPluginConfig, Harness, REPO_ROOT } from "../tests/harness/mod.ts";

type Json = Record<string, unknown>;

function out(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));
}

/** Finds the first task with driver "podman" in an hcl2json'd job file. */
function findPodmanTask(job: Json): { name: string; config: Json } {
  for (const jobBody of Object.values((job.job ?? {}) as Record<string, Json[]>)) {
    for (const groups of jobBody.map((j) => (j.group ?? {}) as Record<string, Json[]>)) {
      for (const group of Object.values(groups).flat()) {
        for (const [name, bodies] of Object.entries((group.task ?? {}) as Record<string, Json[]>)) {
          const body = bodies[0] ?? {};
          if (body.driver === "podman") {
            return { name, config: ((body.config as Json[] | undefined)?.[0] ?? {}) as Json };
          }
        }
      }
    }
  }
  throw new Error('no task with driver = "podman" in the job file');
}

const jobFile = Deno.args[0] ?? `${REPO_ROOT}/examples/jobs/demo.nomad.hcl`;
const job = await parse(jobFile, Deno.readTextFileSync(jobFile)) as Json;
const { name, config } = findPodmanTask(job);

const h = await Harness.start({ pluginConfig: defaultPluginConfig() });
try {
  const info = await h.client.pluginInfo();
  out(
    `plugin: ${info.name} ${info.plugin_version} (API ${
      (info.plugin_api_versions as string[]).join(",")
    })`,
  );
  const fp = h.client.fingerprint();
  const first = await fp.waitFor(() => true, 10_000);
  fp.cancel();
  const attrs = first.attributes as Record<string, Record<string, unknown>>;
  out(
    `fingerprint: health=${["undetected", "unhealthy", "healthy"][Number(first.health)]} ` +
      `podman=${attrs["driver.podman.version"]?.string_val ?? "?"} ` +
      `rootless=${attrs["driver.podman.rootless"]?.bool_val ?? "?"} (${first.health_description})`,
  );

  const t = await h.task({ name, configJson: config, cpu: 200, memoryMb: 64 });
  const events = h.client.taskEvents();
  const started = Date.now();
  const resp = await h.start(t);
  out(`task ${name} started (${t.id}), handle version ${(resp.handle as Json).version}`);
  const wait = await h.client.waitTask(t.id);
  const result = wait.result as Json;
  out(
    `task ${name} exited: code ${result.exit_code}, signal ${result.signal}, ` +
      `oom ${result.oom_killed} after ${Date.now() - started} ms`,
  );
  events.cancel();
  for (const e of events.messages) out(`event: ${e.message}`);
  await new Promise((r) => setTimeout(r, 300));
  out("--- nomad alloc logs (stdout fifo) ---");
  out(t.alloc.stdout?.text().trimEnd() ?? "(no log collection)");
  await h.client.destroyTask(t.id, true);
  out("task destroyed; container removed");
  if (Number(result.exit_code) !== 0) Deno.exitCode = 1;
} finally {
  await h.close();
}
