/** Task lifecycle through the plugin protocol: start, wait, stop, destroy, inspect, signal. */
import assert from "node:assert/strict";
import { NEEDS_PODMAN } from "../harness/mod.ts";
import {
  assertGrpcError,
  containerExists,
  inspectRaw,
  nameOf,
  podman,
  shTask,
  waitStdout,
  waitTask,
  withHarness,
} from "./_lifecycle.ts";

const opts = { ignore: NEEDS_PODMAN, sanitizeResources: false, sanitizeOps: false };

Deno.test({
  ...opts,
  name: "lifecycle: exit 3 → WaitTask code 3 within 1 s; stdout in the fifo; destroy removes",
  fn: () =>
    withHarness(async (h) => {
      const t = await h.task({ config: shTask("echo hello; sleep 1; exit 3") });
      await h.start(t);
      const name = nameOf(t);
      assert.ok(await containerExists(name));
      const exit = await waitTask(h, t.id);
      const waitedAt = Date.now();
      assert.equal(exit.exitCode, 3);
      assert.equal(exit.signal, 0);
      assert.equal(exit.oomKilled, false);
      const raw = await inspectRaw(name);
      const finished = Date.parse(String((raw?.State as Record<string, unknown>).FinishedAt));
      assert.ok(waitedAt - finished < 1000, `WaitTask answered ${waitedAt - finished} ms after the exit`);
      await waitStdout(t, /^hello$/);
      await h.client.destroyTask(t.id, false);
      assert.equal(await containerExists(name), false);
    }),
});
