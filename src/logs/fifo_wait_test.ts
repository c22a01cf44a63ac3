import assert from "node:assert/strict";
import { FifoPathError } from "./fifo.ts";
import { openFifoWriterWithin } from "./fifo_wait.ts";

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
