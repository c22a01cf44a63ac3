import assert from "node:assert/strict";
import { sleep, sleepOrAbort } from "./sleep.ts";
import { errorMessage } from "./error_message.ts";

Deno.test("sleep: resolves after the time, or at once when aborted, never rejects", async () => {
  const t0 = performance.now();
  await sleep(20);
  assert.ok(performance.now() - t0 >= 15);
  const ctl = new AbortController();
  const p = sleep(10_000, ctl.signal);
  ctl.abort(new Error("stop"));
  await p; // resolves
  await sleep(10_000, AbortSignal.abort()); // already aborted: at once
});

Deno.test("sleepOrAbort: rejects with the signal's reason", async () => {
  const ctl = new AbortController();
  const p = sleepOrAbort(10_000, ctl.signal);
  ctl.abort(new Error("stop"));
  await assert.rejects(p, /stop/);
  await assert.rejects(sleepOrAbort(5, AbortSignal.abort(new Error("early"))), /early/);
  await sleepOrAbort(5);
});

Deno.test("errorMessage: Error message or String()", () => {
  assert.equal(errorMessage(new TypeError("bad")), "bad");
  assert.equal(errorMessage(42), "42");
  assert.equal(errorMessage(undefined), "undefined");
});
