import assert from "node:assert/strict";
import { BatchedHostReader, parseGrepOutput } from "./host_files.ts";

Deno.test("parseGrepOutput() splits grep -H --null -z output per file", () => {
  const enc = new TextEncoder();
  const out = enc.encode("/a\0x 1\ny 2\n\0/b/c:d\0only\n\0");
  const m = parseGrepOutput(out, new Set(["/a", "/b/c:d", "/gone"]));
  assert.equal(m.get("/a"), "x 1\ny 2\n");
  assert.equal(m.get("/b/c:d"), "only\n");
  assert.equal(m.has("/gone"), false);
});

Deno.test("parseGrepOutput() keeps a NUL inside a file as part of its text", () => {
  const enc = new TextEncoder();
  const out = enc.encode("/a\0left\0right\n\0/b\0b\n\0");
  const m = parseGrepOutput(out, new Set(["/a", "/b"]));
  assert.equal(m.get("/a"), "left\0right\n");
  assert.equal(m.get("/b"), "b\n");
});

Deno.test("BatchedHostReader serves reads of one tick with one process", async () => {
  const r = new BatchedHostReader();
  const [status, missing, cgroup] = await Promise.all([
    r.read("/proc/self/status"),
    r.read("/proc/self/does-not-exist"),
    r.read("/proc/1/cgroup"),
  ]);
  assert.match(status ?? "", /^Name:/m);
  assert.match(status ?? "", /^Pid:/m); // the whole file, not its first line
  assert.equal(missing, undefined);
  assert.ok((cgroup ?? "").length > 0);
  assert.equal(r.spawns, 1);
});

Deno.test("BatchedHostReader: a rider's reads join the next batch, until it stops riding", async () => {
  const r = new BatchedHostReader();
  let vmstat: Promise<string | undefined> | undefined;
  let rides = 0;
  const stop = r.ride(() => {
    rides++;
    vmstat = r.read("/proc/vmstat");
  });
  const status = await r.read("/proc/self/status");
  assert.match(status ?? "", /^Name:/m);
  assert.match((await vmstat) ?? "", /^nr_free_pages /m);
  assert.equal(r.spawns, 1); // the rider's read shared the batch
  stop();
  await r.read("/proc/self/status");
  assert.equal(rides, 1);
  assert.equal(r.spawns, 2);
});

Deno.test("BatchedHostReader: a rider that throws does not stop the batch", async () => {
  const r = new BatchedHostReader();
  const stop = r.ride(() => {
    throw new Error("rider fault");
  });
  assert.match((await r.read("/proc/self/status")) ?? "", /^Name:/m);
  stop();
});
