import assert from "node:assert/strict";
import { FifoPathError } from "./fifo.ts";
import { holdFifoForConmon, openFifoWriterWithin } from "./fifo_wait.ts";

function mkfifo(path: string): void {
  const out = new Deno.Command("mkfifo", { args: ["-m", "600", path] }).outputSync();
  assert.ok(out.success);
}

Deno.test("fifo wait: a reader that opens a moment after StartTask is waited for", async () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/task.stdout.fifo`;
  mkfifo(path);
  let reader: Deno.ChildProcess | undefined;
  const late = setTimeout(() => {
    reader = new Deno.Command("sh", {
      args: ["-c", `exec cat "$1"`, "sh", path],
      stdout: "piped",
      stderr: "null",
    }).spawn();
  }, 300);
  try {
    const w = await openFifoWriterWithin(path, "stdout_path", 5000, 20);
    assert.ok(w, "no writer although a reader came after 300 ms");
    w.close();
    const out = await reader!.output();
    assert.equal(new TextDecoder().decode(out.stdout), "");
  } finally {
    clearTimeout(late);
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("fifo wait: no reader within the wait gives null; a bad path throws at once", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    mkfifo(`${dir}/f`);
    assert.equal(await openFifoWriterWithin(`${dir}/f`, "stdout_path", 200, 20), null);
    Deno.writeTextFileSync(`${dir}/plain`, "");
    await assert.rejects(openFifoWriterWithin(`${dir}/plain`, "stdout_path", 5000), FifoPathError);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("fifo hold: conmon's blocking open succeeds after the reader left, and its bytes stay for the next reader", async () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/task.stdout.fifo`;
  mkfifo(path);
  // logmon: a reader present at the check, gone before "conmon" opens.
  const logmon = Deno.openSync(path, { read: true, write: true });
  try {
    const held = await holdFifoForConmon(path, "stdout_path", 1000, 20);
    assert.ok(held, "a reader was there");
    logmon.close();
    // conmon's open is a blocking O_WRONLY open: without a reader it never returns.
    const conmon = await new Deno.Command("timeout", {
      args: ["3", "sh", "-c", `printf 'line 1\\n' > "$1"`, "sh", path],
    }).output();
    assert.equal(conmon.code, 0, "the blocking open hung although the plugin held a read end");
    // A new logmon reads what was written meanwhile, then the plugin lets go.
    const next = new Deno.Command("timeout", {
      args: ["3", "head", "-n", "1", path],
      stdout: "piped",
    }).spawn();
    const out = await next.output();
    assert.equal(new TextDecoder().decode(out.stdout), "line 1\n");
    held.release();
    held.release();
    // Released with no reader: the same open blocks again (what the hold prevents).
    const after = await new Deno.Command("timeout", {
      args: ["1", "sh", "-c", `: > "$1"`, "sh", path],
    }).output();
    assert.equal(after.code, 124, "the open should block with no reader at all");
  } finally {
    try {
      logmon.close();
    } catch { /* closed above */ }
    Deno.removeSync(dir, { recursive: true });
  }
});
