import assert from "node:assert/strict";
import {
  checkFifoPath,
  FifoClosedError,
  FifoNoReaderError,
  FifoPathError,
  FifoWriter,
  NullSink,
  openLogSink,
  openLogSinkWhenRead,
} from "./fifo.ts";

function mkfifo(path: string): void {
  const out = new Deno.Command("mkfifo", { args: ["-m", "600", path] }).outputSync();
  assert.ok(out.success);
}

/** A reader holding the fifo open (like logmon) in a child process. */
function reader(path: string): Deno.ChildProcess {
  return new Deno.Command("sh", {
    // `exec`: one process, so killing it really drops the read end.
    args: ["-c", `exec cat "$1"`, "sh", path],
    stdout: "piped",
    stderr: "null",
  }).spawn();
}

async function waitOpen(path: string): Promise<FifoWriter> {
  for (let i = 0; i < 100; i++) {
    try {
      return FifoWriter.open(path, "stdout_path");
    } catch (err) {
      if (!(err instanceof FifoNoReaderError)) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error("no reader appeared");
}

Deno.test("fifo: a symlink, a regular file or a missing path is refused", () => {
  const dir = Deno.makeTempDirSync();
  try {
    mkfifo(`${dir}/real.fifo`);
    Deno.symlinkSync(`${dir}/real.fifo`, `${dir}/link.fifo`);
    Deno.writeTextFileSync(`${dir}/file`, "");
    assert.throws(() => checkFifoPath(`${dir}/link.fifo`, "stdout_path"), /symlink/);
    assert.throws(() => FifoWriter.open(`${dir}/link.fifo`, "stdout_path"), FifoPathError);
    assert.throws(() => FifoWriter.open(`${dir}/file`, "stderr_path"), /stderr_path.*regular file/);
    assert.throws(() => FifoWriter.open(`${dir}/missing`, "stdout_path"), FifoPathError);
    checkFifoPath(`${dir}/real.fifo`, "stdout_path");
    assert.ok(openLogSink("/dev/null", "stdout_path") instanceof NullSink);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("fifo: open without a reader fails at once (ENXIO), never blocks", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    mkfifo(`${dir}/f`);
    assert.throws(() => FifoWriter.open(`${dir}/f`, "stdout_path"), FifoNoReaderError);
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 100);
    const t0 = Date.now();
    assert.equal(
      await openLogSinkWhenRead(`${dir}/f`, "stdout_path", { signal: ctl.signal, retryMs: 20 }),
      undefined,
    );
    assert.ok(Date.now() - t0 < 1000);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("fifo: writes arrive whole through a full pipe; EPIPE is a typed error", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    mkfifo(`${dir}/f`);
    const r = reader(`${dir}/f`);
    const w = await waitOpen(`${dir}/f`);
    const big = new Uint8Array(1024 * 1024).fill(0x61); // 16 pipe buffers
    const out = new Response(r.stdout).arrayBuffer();
    await w.write(big);
    w.close();
    assert.equal((await out).byteLength, big.length);
    await r.status;
    // The reader is gone: the next open has no reader; a writer whose reader left gets EPIPE.
    const r2 = reader(`${dir}/f`);
    const w2 = await waitOpen(`${dir}/f`);
    r2.kill("SIGKILL");
    await r2.status;
    await r2.stdout.cancel();
    await assert.rejects(w2.write(new Uint8Array(10)), FifoClosedError);
    assert.equal(w2.isOpen, false);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
