/**
 * Rootless Podman end to end, against the rootless test user's own Podman
 * service (scripts/test_env.sh: user ndp-rootless, /run/user/<uid>/podman/podman.sock):
 *
 * - a root plugin with a rootful default socket and a rootless `socket` block
 *   (fifos handed to the socket owner, reference #510): logs, a published
 *   port, TaskStats, ExecTask, StopTask's exit code, RecoverTask after SIGKILL,
 *   and one task on each socket;
 * - the plugin itself run as the unprivileged user against its own (default) socket;
 * - cgroups v1: limits refused by default naming `rootless_without_limits`,
 *   the fingerprint's `resourceLimits = false`.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { ProtoMessage } from "../../src/grpc/proto_root.ts";
import {
  type BuiltTask,
  Harness,
  IN_CI,
  makeAllocDir,
  PLUGIN_LAUNCHER,
  PODMAN_SOCKET,
  ROOTLESS_SOCKET,
  ROOTLESS_USER,
  TEST_PROFILE,
} from "../support/harness/mod.ts";
import { assertGrpcError, eventually, shTask, waitStdout, waitTask } from "./_lifecycle.ts";

function rootlessAvailable(): boolean {
  try {
    return Deno.statSync(ROOTLESS_SOCKET).isSocket === true;
  } catch {
    return false;
  }
}
const opts = {
  ignore: !IN_CI && !rootlessAvailable(),
  sanitizeOps: false,
  sanitizeResources: false,
};

const MULTI = `
socket {
  name        = "default"
  socket_path = "unix://${PODMAN_SOCKET}"
}
socket {
  name        = "rootless"
  socket_path = "unix://${ROOTLESS_SOCKET}"
}
`;

/** Prints to both streams, serves HTTP on 8080, exits 42 on SIGTERM. */
const SERVER = [
  "trap 'echo got-term; exit 42' TERM",
  "mkdir -p /tmp/www && echo rootless-ok > /tmp/www/index.html",
  "httpd -p 8080 -h /tmp/www",
  "echo out-line; echo err-line >&2",
  "while :; do sleep 0.2; done",
].join("; ");

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

function uidOfPid(pid: number): number {
  const out = new Deno.Command("ps", { args: ["-o", "uid=", "-p", String(pid)], stdout: "piped" })
    .outputSync();
  return Number(new TextDecoder().decode(out.stdout).trim() || -1);
}

async function rootlessInspect(name: string): Promise<Record<string, unknown>> {
  const out = await new Deno.Command("curl", {
    args: [
      "-fsS",
      "--unix-socket",
      ROOTLESS_SOCKET,
      `http://d/v4.0.0/libpod/containers/${name}/json`,
    ],
    stdout: "piped",
  }).output();
  assert.ok(out.success, `inspect ${name} on the rootless socket`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

function rootlessUid(): number {
  return Deno.statSync(ROOTLESS_SOCKET).uid ?? -1;
}

/** The whole lifecycle of one server task on `socketName` (plugin `h`). */
async function serverLifecycle(h: Harness, socket: string, t?: BuiltTask): Promise<BuiltTask> {
  t ??= await h.task({
    config: shTask(SERVER, `socket = "${socket}"\nports = ["http"]`),
    ports: [{ label: "http", value: freePort(), to: 8080 }],
  });
  const res = t.config.resources as { ports: Array<{ value: number }> };
  const port = res.ports[0]!.value;
  await h.start(t);
  await waitStdout(t, /^out-line$/);
  await waitStdout(t, /^err-line$/);
  // The published port answers.
  let body = "";
  await eventually(
    async () => {
      try {
        body = await (await fetch(`http://127.0.0.1:${port}/`)).text();
        return true;
      } catch {
        return false;
      }
    },
    10_000,
    "the published port answers",
  );
  assert.equal(body.trim(), "rootless-ok");
  // ExecTask.
  const r = await h.client.execTask(t.id, ["sh", "-c", "echo exec-out; exit 3"], 10_000);
  assert.equal(new TextDecoder().decode(r.stdout as Uint8Array), "exec-out\n");
  assert.equal((r.result as ProtoMessage).exit_code, 3);
  // TaskStats: rootless Podman on cgroups v1 has no per-container cgroup (Podman 4.3 answers
  // 409 "container stats resource only available for cgroup v2"): the driver sums the
  // container's processes (top hpid + /proc/<pid>/stat) instead.
  const stats = h.client.taskStats(t.id, 500);
  try {
    const m = await stats.waitFor(() => true, 10_000);
    const agg = (m.stats as ProtoMessage).agg_resource_usage as ProtoMessage;
    const mem = agg.memory as ProtoMessage;
    assert.ok(Number(mem.usage ?? 0) > 0, `memory usage sampled: ${JSON.stringify(mem)}`);
  } finally {
    stats.cancel();
  }
  return t;
}

async function stopWithTerm(h: Harness, t: BuiltTask): Promise<void> {
  const wait = waitTask(h, t.id);
  await h.client.stopTask(t.id, 10_000, "SIGTERM");
  const exit = await wait;
  assert.equal(exit.exitCode, 42, `exit: ${JSON.stringify(exit)}`);
}

Deno.test({
  ...opts,
  name: "rootless: root plugin + rootless socket: logs, port, exec, stats, stop exit code",
  fn: async () => {
    const h = await Harness.start({ pluginConfig: `${MULTI}\nrootless_without_limits = true` });
    try {
      const t = await serverLifecycle(h, "rootless");
      const name = `${String(t.config.name)}-${t.alloc.allocId}`;
      const raw = await rootlessInspect(name);
      const pid = Number((raw.State as Record<string, unknown>).Pid);
      assert.equal(uidOfPid(pid), rootlessUid(), "the container runs as the rootless user");
      // The fifo was handed to the socket's owner.
      assert.equal(Deno.statSync(t.alloc.stdoutPath).uid, rootlessUid());
      await stopWithTerm(h, t);
    } finally {
      await h.close();
    }
  },
});

Deno.test({
  ...opts,
  name: "rootless: multi-socket: one task on the rootful and one on the rootless socket",
  fn: async () => {
    const h = await Harness.start({ pluginConfig: `${MULTI}\nrootless_without_limits = true` });
    try {
      const a = await h.task({ name: "rootful", config: shTask("id -u; echo on-rootful") });
      const b = await h.task({
        name: "rootless",
        config: shTask("echo on-rootless", `socket = "rootless"`),
      });
      await h.start(a);
      await h.start(b);
      await waitStdout(a, /^on-rootful$/);
      await waitStdout(b, /^on-rootless$/);
      assert.equal((await waitTask(h, a.id)).exitCode, 0);
      assert.equal((await waitTask(h, b.id)).exitCode, 0);
      const fp = h.client.fingerprint();
      const m = await fp.waitFor((x) => x.health === 2, 10_000);
      fp.cancel();
      const attrs = m.attributes as Record<string, Record<string, unknown>>;
      assert.equal(attrs["driver.podman.rootless.rootless"]?.bool_val, true);
      assert.equal(attrs["driver.podman.rootless.resourceLimits"]?.bool_val, false);
      assert.equal(attrs["driver.podman.resourceLimits"]?.bool_val, true);
    } finally {
      await h.close();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "rootless: cgroups v1 limits are refused naming rootless_without_limits; opted in, an event says so",
  fn: async () => {
    const h = await Harness.start({ pluginConfig: MULTI });
    try {
      const t = await h.task({ config: shTask("echo x", `socket = "rootless"`) });
      await assertGrpcError(
        h.start(t),
        /rootless Podman on a cgroups v1 host/,
        /rootless_without_limits = true/,
      );
    } finally {
      await h.close();
    }
    const h2 = await Harness.start({ pluginConfig: `${MULTI}\nrootless_without_limits = true` });
    try {
      const events = h2.client.taskEvents();
      const t = await h2.task({ config: shTask("echo fine", `socket = "rootless"`) });
      await h2.start(t);
      assert.equal((await waitTask(h2, t.id)).exitCode, 0);
      const e = await events.waitFor(
        (m) => /Running without resource limits/.test(String(m.message ?? "")),
        10_000,
      );
      assert.match(String(e.message), /rootless_without_limits = true/);
      events.cancel();
    } finally {
      await h2.close();
    }
  },
});

Deno.test({
  ...opts,
  name: "rootless: RecoverTask after a plugin SIGKILL adopts the rootless task",
  fn: async () => {
    const config = `${MULTI}\nrootless_without_limits = true`;
    const h1 = await Harness.start({ pluginConfig: config });
    let h2: Harness | undefined;
    try {
      const t = await h1.task({ config: shTask(SERVER, `socket = "rootless"`) });
      const resp = await h1.start(t);
      await waitStdout(t, /^out-line$/);
      h1.plugin.kill("SIGKILL");
      assert.ok(await h1.plugin.waitExit(5000), "plugin survived SIGKILL");
      h2 = await Harness.start({ pluginConfig: config });
      await h2.client.recoverTask(resp.handle as ProtoMessage);
      await stopWithTerm(h2, t);
      await h2.client.destroyTask(t.id, true);
    } finally {
      await h2?.close();
      await h1.close();
    }
  },
});

/** A DENO_DIR the unprivileged user owns, with the project's npm packages. */
function userDenoDir(uid: number, gid: number): string {
  const dir = "/var/tmp/ndp-rootless-deno";
  const src = `${Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME") ?? "/root"}/.cache/deno`}/npm`;
  try {
    Deno.statSync(`${dir}/npm`);
  } catch {
    Deno.mkdirSync(dir, { recursive: true });
    const cp = new Deno.Command("cp", { args: ["-a", src, `${dir}/npm`] }).outputSync();
    assert.ok(cp.success, `copy ${src}`);
  }
  new Deno.Command("chown", { args: ["-R", `${uid}:${gid}`, dir] }).outputSync();
  return dir;
}

Deno.test({
  ...opts,
  name: "rootless: the plugin run as the unprivileged user against its own default socket",
  fn: async () => {
    const uid = rootlessUid();
    const gid = Deno.statSync(ROOTLESS_SOCKET).gid ?? uid;
    const denoDir = userDenoDir(uid, gid);
    const h = await Harness.start({
      // No socket_path: the default socket of uid `uid` (/run/user/<uid>/podman/podman.sock).
      pluginConfig: `rootless_without_limits = true`,
      command: [
        "runuser",
        "-u",
        ROOTLESS_USER,
        "--",
        "env",
        `HOME=/var/tmp`,
        `DENO_DIR=${denoDir}`,
        `NOMAD_DRIVER_PODMAN_PROFILE=${TEST_PROFILE}`,
        PLUGIN_LAUNCHER,
      ],
    });
    try {
      const pluginUid = uidOfPid(h.plugin.pid);
      assert.ok(pluginUid === 0 || pluginUid === uid); // runuser itself; the plugin is its child
      // Nomad running as that user owns the alloc dir and fifos.
      const alloc = await makeAllocDir("task");
      new Deno.Command("chown", { args: ["-R", `${uid}:${gid}`, alloc.allocDir] }).outputSync();
      const t = await h.task({
        alloc,
        config: shTask(SERVER, `ports = ["http"]`),
        ports: [{ label: "http", value: freePort(), to: 8080 }],
      });
      await serverLifecycle(h, "default", t);
      await stopWithTerm(h, t);
    } finally {
      await h.close();
    }
  },
});

Deno.test({
  ...opts,
  name: "rootless: an alloc dir the socket owner cannot traverse is a clear StartTask error",
  fn: async () => {
    const h = await Harness.start({ pluginConfig: `${MULTI}\nrootless_without_limits = true` });
    try {
      const alloc = await makeAllocDir("task");
      Deno.chmodSync(alloc.allocDir, 0o700);
      const t = await h.task({ alloc, config: shTask("echo x", `socket = "rootless"`) });
      await assertGrpcError(
        h.start(t),
        new RegExp(`${alloc.allocDir} has mode 0700`),
        /must be traversable/,
      );
      assert.equal(await h.client.health(), 1);
    } finally {
      await h.close();
    }
  },
});
