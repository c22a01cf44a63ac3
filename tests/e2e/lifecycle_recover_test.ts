/** RecoverTask after the plugin died: adopt a running container, and the recover_stopped branches. */
import assert from "node:assert/strict";
import { defaultPluginConfig, FifoReader, Harness, NEEDS_PODMAN } from "../support/harness/mod.ts";
import type { ProtoMessage } from "../../src/grpc/proto_root.ts";
import { assertGrpcError, eventually, nameOf, podman, shTask, waitTask } from "./_lifecycle.ts";

const opts = { ignore: NEEDS_PODMAN, sanitizeResources: false, sanitizeOps: false };

/** Counts its runs in /alloc/runs, then waits for /alloc/stop and exits 7. */
const SCRIPT = `n=$(cat /alloc/runs 2>/dev/null || echo 0); echo $((n+1)) > /alloc/runs; ` +
  `while [ ! -f /alloc/stop ]; do sleep 0.1; done; exit 7`;

/**
 * Starts the task on a first plugin, kills that plugin with SIGKILL, runs
 * `between`, starts a second plugin with `pluginExtra`, and hands both over.
 */
async function withCrashedPlugin(
  pluginExtra: string,
  between: (allocDir: string, name: string) => Promise<void>,
  fn: (h2: Harness, taskId: string, handle: ProtoMessage, allocDir: string) => Promise<void>,
): Promise<void> {
  const h1 = await Harness.start({ pluginConfig: defaultPluginConfig(pluginExtra) });
  let h2: Harness | undefined;
  const t = await h1.task({ config: shTask(SCRIPT) });
  const name = nameOf(t);
  try {
    const resp = await h1.start(t);
    const handle = resp.handle as ProtoMessage;
    await eventually(
      () => {
        try {
          return Deno.readTextFileSync(`${t.alloc.allocDir}/alloc/runs`).trim() === "1";
        } catch {
          return false;
        }
      },
      10_000,
      "first run",
    );
    h1.plugin.kill("SIGKILL");
    assert.ok(await h1.plugin.waitExit(5000), "plugin survived SIGKILL");
    await between(t.alloc.allocDir, name);
    h2 = await Harness.start({ pluginConfig: defaultPluginConfig(pluginExtra) });
    await fn(h2, t.id, handle, t.alloc.allocDir);
  } finally {
    if (h2) {
      await h2.client.destroyTask(t.id, true).catch(() => {});
      await h2.close();
    }
    await podman.containers.remove(name, { force: true, volumes: true }).catch(() => {});
    await h1.close();
  }
}

Deno.test({
  ...opts,
  name: "recover: a running container is adopted; WaitTask gets its later exit code",
  fn: () =>
    withCrashedPlugin("", async () => {}, async (h2, id, handle, allocDir) => {
      await h2.client.recoverTask(handle);
      const wait = waitTask(h2, id);
      Deno.writeTextFileSync(`${allocDir}/alloc/stop`, "");
      const exit = await wait;
      assert.equal(exit.exitCode, 7);
      assert.equal(
        Deno.readTextFileSync(`${allocDir}/alloc/runs`).trim(),
        "1",
        "container restarted",
      );
    }),
});

async function exitWhileDown(allocDir: string, name: string): Promise<void> {
  Deno.writeTextFileSync(`${allocDir}/alloc/stop`, "");
  await eventually(
    async () => !(await podman.containers.inspect(name)).state.running,
    10_000,
    "exit",
  );
}

Deno.test({
  ...opts,
  name: "recover: exited while the plugin was down, recover_stopped = false → reports the exit",
  fn: () =>
    withCrashedPlugin(
      "recover_stopped = false",
      exitWhileDown,
      async (h2, id, handle, allocDir) => {
        await h2.client.recoverTask(handle);
        const exit = await waitTask(h2, id, 5000);
        assert.equal(exit.exitCode, 7);
        assert.equal(Deno.readTextFileSync(`${allocDir}/alloc/runs`).trim(), "1");
      },
    ),
});

Deno.test({
  ...opts,
  name: "recover: exited while the plugin was down, recover_stopped = true → restarted",
  fn: () =>
    withCrashedPlugin("recover_stopped = true", exitWhileDown, async (h2, id, handle, allocDir) => {
      // The first run's exit gave the log reader an EOF; a log collector that
      // reads again (as Nomad's logmon after a restore) must be there, or the
      // driver refuses to restart (next test).
      const collector = new FifoReader(`${allocDir}/alloc/logs/.task.stdout.fifo`);
      try {
        await h2.client.recoverTask(handle);
        // The restarted run finds /alloc/stop and exits 7 again.
        const exit = await waitTask(h2, id, 10_000);
        assert.equal(exit.exitCode, 7);
        assert.equal(Deno.readTextFileSync(`${allocDir}/alloc/runs`).trim(), "2", "not restarted");
      } finally {
        await collector.close();
      }
    }),
});

Deno.test({
  ...opts,
  name:
    "recover: recover_stopped = true without a log reader reports the exit instead of wedging Podman",
  fn: () =>
    withCrashedPlugin("recover_stopped = true", exitWhileDown, async (h2, id, handle, allocDir) => {
      await h2.client.recoverTask(handle);
      const exit = await waitTask(h2, id, 10_000);
      assert.equal(exit.exitCode, 7);
      assert.equal(Deno.readTextFileSync(`${allocDir}/alloc/runs`).trim(), "1", "restarted");
      // Podman still answers.
      assert.ok((await podman.info()).cpus > 0);
    }),
});

Deno.test({
  ...opts,
  name: "recover: a container removed while the plugin was down is an error",
  fn: () =>
    withCrashedPlugin(
      "",
      async (_dir, name) => void await podman.containers.remove(name, { force: true }),
      async (h2, _id, handle) => {
        await assertGrpcError(h2.client.recoverTask(handle), /gone/);
      },
    ),
});
