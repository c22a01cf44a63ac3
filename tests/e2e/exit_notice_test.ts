/**
 * Exit notice from Podman's exits directory (issue 11): WaitTask answers
 * within a generous bound of the container's exit, well before Podman's
 * `died` event (~0.4 s after the exit on Podman 4.3), which stays the fallback.
 */
import assert from "node:assert/strict";
import { NEEDS_PODMAN } from "../support/harness/mod.ts";
import { inspectRaw, nameOf, shTask, waitTask, withHarness } from "./_lifecycle.ts";

const opts = { ignore: NEEDS_PODMAN, sanitizeResources: false, sanitizeOps: false };

/** FinishedAt with its sub-millisecond digits dropped, epoch ms. */
function finishedMs(raw: Record<string, unknown> | undefined): number {
  const s = String((raw?.State as Record<string, unknown>).FinishedAt);
  const m = /^(.*T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(s);
  return m ? Date.parse(`${m[1]}${m[3]}`) + (m[2] ? Number(`0${m[2]}`) * 1000 : 0) : Date.parse(s);
}

Deno.test({
  ...opts,
  name:
    "exit notice: WaitTask answers within 250 ms of the exit (median of 3), before the died event",
  fn: () =>
    withHarness(async (h) => {
      const lags: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t = await h.task({ name: `exitn${i}`, config: shTask("sleep 1; exit 7") });
        await h.start(t);
        const exit = await waitTask(h, t.id);
        const at = Date.now();
        assert.equal(exit.exitCode, 7);
        lags.push(at - finishedMs(await inspectRaw(nameOf(t))));
        await h.client.destroyTask(t.id, true);
      }
      lags.sort((a, b) => a - b);
      // The died event alone gives ~400 ms here; the exits directory ~20 ms.
      assert.ok(lags[1]! < 250, `WaitTask lag after the exit, ms: ${lags.join(", ")}`);
    }),
});
