/**
 * Every response body is consumed or cancelled on every path: many failing
 * and absent-answer calls against the real socket must not grow the number of
 * open file descriptors (the reference driver leaked until nodes went down).
 */
import assert from "node:assert/strict";
import { liveTest, uniqueName } from "./_testing.ts";
import { PodmanNotFoundError } from "./errors.ts";

/** Counts our open fds (Deno refuses to read /proc/self without --allow-all, so ask `ls`). */
async function openFds(): Promise<number> {
  const out = await new Deno.Command("ls", { args: [`/proc/${Deno.pid}/fd`], stderr: "null" })
    .output();
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) => l.trim() !== "").length;
}

liveTest("hundreds of failing calls do not leak file descriptors", async (c) => {
  const missing = uniqueName("missing");
  await c.ping();
  const before = await openFds();
  for (let i = 0; i < 300; i++) {
    await Promise.all([
      c.containers.inspect(missing).then(
        () => assert.fail("inspect of a missing container succeeded"),
        (e) => assert.ok(e instanceof PodmanNotFoundError),
      ),
      c.containers.exists(missing).then((x) => assert.equal(x, false)),
      c.images.exists(`localhost/${missing}:x`).then((x) => assert.equal(x, false)),
      c.containers.stop(missing, 0),
      c.stats({ containers: [missing] }).catch((e) => assert.ok(e instanceof PodmanNotFoundError)),
      c.logs(missing, { follow: true }).next().then(
        () => assert.fail("logs of a missing container succeeded"),
        (e) => assert.ok(e instanceof PodmanNotFoundError),
      ),
      c.exec.start("0123456789abcdef").then(
        () => assert.fail("start of a missing exec session succeeded"),
        (e) => assert.ok(e instanceof PodmanNotFoundError, String(e)),
      ),
    ]);
  }
  // a stream abandoned after the first item is cancelled too
  for (let i = 0; i < 50; i++) {
    for await (const _ of c.events({ since: new Date(Date.now() - 3_600_000) })) break;
  }
  const after = await openFds();
  assert.ok(after - before < 20, `open fds grew from ${before} to ${after}`);
});
