import assert from "node:assert/strict";
import { BatchedHostReader, parseGrepOutput } from "./host_files.ts";

Deno.test("parseGrepOutput() splits grep -H --null output per file", () => {
  const enc = new TextEncoder();
  const out = enc.encode("/a\0x 1\n/a\0y 2\n/b/c:d\0only\n");
  const m = parseGrepOutput(out);
  assert.equal(m.get("/a"), "x 1\ny 2\n");
  assert.equal(m.get("/b/c:d"), "only\n");
});

Deno.test("BatchedHostReader serves reads of one tick with one process", async () => {
  const r = new BatchedHostReader();
  const [status, missing, cgroup] = await Promise.all([
    r.read("/proc/self/status"),
    r.read("/proc/self/does-not-exist"),
    r.read("/proc/1/cgroup"),
  ]);
  assert.match(status ?? "", /^Name:/m);
  assert.equal(missing, undefined);
  assert.ok((cgroup ?? "").length > 0);
  assert.equal(r.spawns, 1);
});
