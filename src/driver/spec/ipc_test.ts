import assert from "node:assert/strict";
import { ConfigError } from "../../config/mod.ts";
import { makeConfig } from "../../../tests/support/factories.ts";
import { buildIpc, parseIpcMode } from "./ipc.ts";

Deno.test("ipc_mode forms map to ipcns; task: joins the sibling container", () => {
  assert.equal(parseIpcMode("", "A"), undefined);
  for (const m of ["host", "private", "shareable", "none"]) {
    assert.deepEqual(parseIpcMode(m, "A"), { nsmode: m });
  }
  assert.deepEqual(parseIpcMode("container:abc", "A"), { nsmode: "container", value: "abc" });
  assert.deepEqual(parseIpcMode("ns:/proc/1/ns/ipc", "A"), {
    nsmode: "path",
    value: "/proc/1/ns/ipc",
  });
  assert.deepEqual(parseIpcMode("task:main", "A"), { nsmode: "container", value: "main-A" });
  for (const bad of ["bogus", "task:", "container:", "ns:rel"]) {
    assert.throws(
      () => parseIpcMode(bad, "A"),
      (e: unknown) => e instanceof ConfigError && e.field === "ipc_mode" && e.value === bad,
    );
  }
});

Deno.test("shm_size is sent, but only with private or shareable IPC", () => {
  assert.deepEqual(buildIpc(makeConfig({ shmSize: 1024 }), "A"), { shm_size: 1024 });
  assert.deepEqual(buildIpc(makeConfig({ shmSize: 1024, ipcMode: "shareable" }), "A"), {
    ipcns: { nsmode: "shareable" },
    shm_size: 1024,
  });
  for (const mode of ["host", "none", "container:x", "ns:/p", "task:main"]) {
    assert.throws(
      () => buildIpc(makeConfig({ shmSize: 1024, ipcMode: mode }), "A"),
      (e: unknown) =>
        e instanceof ConfigError && e.field === "shm_size" &&
        e.message.includes(`shm_size cannot be used with ipc_mode=${mode}`),
    );
  }
});
