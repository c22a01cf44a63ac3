/** Exec sessions against real Podman, over the hand-written hijacked connection. */
import assert from "node:assert/strict";
import { liveTest, uniqueName, withContainer } from "./_testing.ts";
import { PodmanNotFoundError } from "./errors.ts";

async function text(s: ReadableStream<Uint8Array>): Promise<string> {
  return await new Response(s).text();
}

liveTest("exec without TTY separates stdout and stderr and reports the exit code", async (c) => {
  await withContainer(c, { name: uniqueName("exec"), command: ["sleep", "300"] }, async (id) => {
    await c.containers.start(id);
    const execId = await c.exec.create(id, {
      cmd: ["sh", "-c", "echo out; echo err >&2; exit 7"],
      env: ["FOO=bar"],
    });
    const s = await c.exec.start(execId);
    const [out, err] = await Promise.all([text(s.stdout), text(s.stderr)]);
    await s.done;
    assert.equal(out, "out\n");
    assert.equal(err, "err\n");
    assert.equal(await c.exec.waitExit(execId), 7);
    const info = await c.exec.inspect(execId);
    assert.equal(info.running, false);
    assert.equal(info.exitCode, 7);
  });
});

liveTest("exec stdin reaches the process and closing it half-closes the connection", async (c) => {
  await withContainer(c, { name: uniqueName("stdin"), command: ["sleep", "300"] }, async (id) => {
    await c.containers.start(id);
    const execId = await c.exec.create(id, {
      cmd: ["sh", "-c", "tr a-z A-Z; echo done"],
      attachStdin: true,
      env: ["X=1"],
      workingDir: "/tmp",
    });
    const input = ReadableStream.from([new TextEncoder().encode("hello\nworld\n")]);
    const s = await c.exec.start(execId, { stdin: input });
    const out = await text(s.stdout);
    assert.equal(out, "HELLO\nWORLD\ndone\n");
    assert.equal(await c.exec.waitExit(execId), 0);
  });
});

liveTest("exec with TTY gives raw output and accepts a resize", async (c) => {
  await withContainer(c, { name: uniqueName("tty"), command: ["sleep", "300"] }, async (id) => {
    await c.containers.start(id);
    const execId = await c.exec.create(id, {
      cmd: ["sh", "-c", "sleep 0.3; stty size; exit 2"],
      tty: true,
      attachStdin: true,
    });
    const s = await c.exec.start(execId, { tty: true });
    await c.exec.resize(execId, 40, 120);
    const writer = s.stdin.getWriter();
    const out = await text(s.stdout);
    await writer.close().catch(() => {});
    assert.match(out, /40 120/);
    assert.equal(await text(s.stderr), "");
    assert.equal(await c.exec.waitExit(execId), 2);
  });
});

liveTest("exec start of a missing session and inspect of one are NotFound", async (c) => {
  await assert.rejects(c.exec.start("00000000deadbeef"), PodmanNotFoundError);
  await assert.rejects(c.exec.inspect("00000000deadbeef"), PodmanNotFoundError);
});
