/**
 * ExecTask and ExecTaskStreaming end to end: a real plugin, a real container.
 */
import assert from "node:assert/strict";
import type * as grpc from "@grpc/grpc-js";
import { Harness, NEEDS_PODMAN, TEST_IMAGE } from "../support/harness/mod.ts";
import type { ProtoMessage } from "../../src/grpc/proto_root.ts";

const SLEEPER = `image = "${TEST_IMAGE}"\ncommand = "sleep"\nargs = ["300"]`;
const dec = new TextDecoder();
const enc = new TextEncoder();

async function withSleeper(fn: (h: Harness, taskId: string) => Promise<void>): Promise<void> {
  const h = await Harness.start();
  try {
    const t = await h.task({ config: SLEEPER });
    await h.start(t);
    await fn(h, t.id);
  } finally {
    await h.close();
  }
}

/** Collects an exec stream until it ends. */
function collect(call: grpc.ClientDuplexStream<ProtoMessage, ProtoMessage>) {
  let stdout = "";
  let stderr = "";
  let result: ProtoMessage | undefined;
  const waiters: Array<() => void> = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  const ended = new Promise<void>((resolve, reject) => {
    call.on("data", (m: ProtoMessage) => {
      const out = m.stdout as ProtoMessage | undefined;
      const err = m.stderr as ProtoMessage | undefined;
      if (out?.data instanceof Uint8Array) stdout += dec.decode(out.data);
      if (err?.data instanceof Uint8Array) stderr += dec.decode(err.data);
      if (m.exited === true) result = m.result as ProtoMessage;
      wake();
    });
    call.on("end", () => resolve());
    call.on("error", reject);
  });
  return {
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    get result() {
      return result;
    },
    ended,
    async until(pred: () => boolean, ms: number): Promise<void> {
      const deadline = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > deadline) {
          throw new Error(`timed out; stdout so far: ${JSON.stringify(stdout)}`);
        }
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
    },
  };
}

Deno.test({
  name: "exec: ExecTask captures stdout and stderr separately and the exit code",
  ignore: NEEDS_PODMAN,
  fn: () =>
    withSleeper(async (h, id) => {
      const r = await h.client.execTask(id, ["sh", "-c", "echo out; echo err >&2; exit 3"], 10_000);
      assert.equal(dec.decode(r.stdout as Uint8Array), "out\n");
      assert.equal(dec.decode(r.stderr as Uint8Array), "err\n");
      assert.equal((r.result as ProtoMessage).exit_code, 3);
      // Large output is capped, not lost in a hang.
      const big = await h.client.execTask(id, [
        "sh",
        "-c",
        "head -c 6000000 /dev/zero; echo done >&2",
      ], 20_000);
      assert.equal((big.stdout as Uint8Array).length, 4 * 1024 * 1024);
      assert.equal(dec.decode(big.stderr as Uint8Array), "done\n");
      assert.equal((big.result as ProtoMessage).exit_code ?? 0, 0);
    }),
});

Deno.test({
  name: "exec: ExecTask with a 1 s timeout on sleep 10 returns in about 1 s",
  ignore: NEEDS_PODMAN,
  fn: () =>
    withSleeper(async (h, id) => {
      const t0 = Date.now();
      await assert.rejects(h.client.execTask(id, ["sleep", "10"], 1000), /timeout/);
      const took = Date.now() - t0;
      assert.ok(took >= 900 && took < 2500, `took ${took} ms`);
      // The plugin still serves exec afterwards.
      const r = await h.client.execTask(id, ["echo", "again"], 5000);
      assert.equal(dec.decode(r.stdout as Uint8Array), "again\n");
    }),
});

Deno.test({
  name: "exec: ExecTaskStreaming runs an interactive sh without tty: stdin, stdout, exit code",
  ignore: NEEDS_PODMAN,
  fn: () =>
    withSleeper(async (h, id) => {
      const call = h.client.bidi("ExecTaskStreaming");
      const c = collect(call);
      call.write({ setup: { task_id: id, command: ["sh"], tty: false } });
      call.write({ stdin: { data: enc.encode("echo hi\necho oops >&2\nexit 5\n") } });
      await c.ended;
      assert.equal(c.stdout, "hi\n");
      assert.equal(c.stderr, "oops\n");
      assert.equal(c.result?.exit_code, 5);
    }),
});

Deno.test({
  name: "exec: ExecTaskStreaming with tty sees a resize in stty size",
  ignore: NEEDS_PODMAN,
  fn: () =>
    withSleeper(async (h, id) => {
      const call = h.client.bidi("ExecTaskStreaming");
      const c = collect(call);
      call.write({ setup: { task_id: id, command: ["sh"], tty: true } });
      call.write({ tty_size: { height: 40, width: 100 } });
      call.write({ stdin: { data: enc.encode("stty size\n") } });
      await c.until(() => /40 100/.test(c.stdout), 10_000);
      call.write({ tty_size: { height: 30, width: 90 } });
      call.write({ stdin: { data: enc.encode("stty size; exit 7\n") } });
      await c.ended;
      assert.match(c.stdout, /30 90/);
      assert.equal(c.result?.exit_code, 7);
    }),
});

Deno.test({
  name: "exec: ExecTaskStreaming passes a stdin close through (cat ends with exit 0)",
  ignore: NEEDS_PODMAN,
  fn: () =>
    withSleeper(async (h, id) => {
      const call = h.client.bidi("ExecTaskStreaming");
      const c = collect(call);
      call.write({ setup: { task_id: id, command: ["cat"], tty: false } });
      call.write({ stdin: { data: enc.encode("abc\n") } });
      call.write({ stdin: { close: true } });
      await c.ended;
      assert.equal(c.stdout, "abc\n");
      assert.equal(c.result?.exit_code ?? 0, 0);
    }),
});
