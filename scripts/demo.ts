/**
 * The demo (`bash scripts/demo.sh`): runs examples/jobs/redis.nomad through
 * `run-job` (which starts the plugin as a separate process, as a Nomad client
 * does) against the local private Podman with an offline redis image, sends
 * PING through the published port, shows the task's stats once, stops the
 * job with Ctrl-C's signal and checks that no container is left.
 *
 * Usage: deno run -P=test scripts/demo.ts   (scripts/demo.sh prepares the machine first)
 */
import { Logger } from "../src/plugin_log/mod.ts";
import { PodmanClient } from "../src/podman/client.ts";
import { PODMAN_SOCKET, REPO_ROOT } from "../tests/support/harness/env.ts";
import { RunJob } from "./run_job/child.ts";

const encoder = new TextEncoder();
function say(line: string): void {
  Deno.stdout.writeSync(encoder.encode(`demo: ${line}\n`));
}

const REDIS_IMAGE = Deno.env.get("NDP_DEMO_REDIS_IMAGE") ?? "localhost/ndp/redis:latest";
const args = [
  `${REPO_ROOT}/examples/jobs/redis.nomad`,
  "--image",
  `redis=${REDIS_IMAGE}`,
  "--socket",
  `unix://${PODMAN_SOCKET}`,
  "--stats",
];
say(`deno task run-job ${args.map((a) => a.replace(`${REPO_ROOT}/`, "")).join(" ")}`);
const run = new RunJob(args, (line, stderr) => {
  if (line.includes("Permissions in the config file is an experimental feature")) return;
  (stderr ? Deno.stderr : Deno.stdout).writeSync(encoder.encode(`  ${line}\n`));
});

async function ping(port: number): Promise<string> {
  const deadline = Date.now() + 20_000;
  let last = "no answer";
  while (Date.now() < deadline) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      try {
        await conn.write(encoder.encode("PING\r\n"));
        const buf = new Uint8Array(64);
        const n = await conn.read(buf);
        const reply = new TextDecoder().decode(buf.subarray(0, n ?? 0)).trim();
        if (reply !== "") return reply;
      } finally {
        conn.close();
      }
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return last;
}

let ok = false;
let allocId = "";
try {
  const m = await run.line(/\] port cache\.db 127\.0\.0\.1:(\d+) -> 6379$/, 120_000);
  allocId = run.allocIds()[0] ?? "";
  const port = Number(m[1]);
  const reply = await ping(port);
  say(`PING 127.0.0.1:${port} -> ${reply.replace(/^\+/, "")}`);
  ok = reply === "+PONG";
  await run.line(/\] stats cache\/redis: /, 30_000);
} catch (e) {
  say(`failed: ${(e as Error).message.split("\n")[0]}`);
} finally {
  say("stopping the job (SIGINT, as Ctrl-C)");
  const status = await run.stop("SIGINT");
  say(`run-job exited with code ${status.code}`);
  if (status.code !== 0) ok = false;
}

const podman = new PodmanClient({
  socketPath: `unix://${PODMAN_SOCKET}`,
  logger: new Logger("demo", { sink: { write: () => {} }, level: "error" }),
});
try {
  const all = await podman.containers.list({ all: true });
  const left = allocId === "" ? [] : all.filter((c) => c.names.some((n) => n.includes(allocId)));
  if (left.length > 0) {
    ok = false;
    say(`containers left behind: ${left.flatMap((c) => c.names).join(", ")}`);
  } else {
    say(`no container of alloc ${allocId || "?"} left`);
  }
} finally {
  podman.close();
}
say(ok ? "ok: PONG through the published port, everything cleaned up" : "FAILED");
Deno.exit(ok ? 0 : 1);
