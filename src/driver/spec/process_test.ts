import assert from "node:assert/strict";
import { makeConfig, makeTask } from "../../../tests/support/factories.ts";
import { buildProcess, mapUser } from "./process.ts";
import { containerName, taskReference } from "./naming.ts";

Deno.test("the container is named <task>-<allocID> and uses the image ID", () => {
  const spec = buildProcess(makeTask({ name: "web", allocId: "A1" }), makeConfig(), "sha256:1");
  assert.equal(spec.name, "web-A1");
  assert.equal(spec.image, "sha256:1");
  assert.equal(containerName("db", "A2"), "db-A2");
  assert.equal(taskReference("task:db", "A2"), "db-A2");
  assert.equal(taskReference("container:db", "A2"), undefined);
});

Deno.test("command comes first, then args; args alone become the command", () => {
  const task = makeTask();
  assert.deepEqual(
    buildProcess(task, makeConfig({ command: "nc", args: ["-l", "3000"] }), "i").command,
    ["nc", "-l", "3000"],
  );
  assert.deepEqual(buildProcess(task, makeConfig({ args: ["-l"] }), "i").command, ["-l"]);
  assert.equal(buildProcess(task, makeConfig(), "i").command, undefined);
});

Deno.test("entrypoint, working_dir, hostname, init, init_path and tty map to their keys", () => {
  const spec = buildProcess(
    makeTask(),
    makeConfig({
      entrypoint: ["/bin/sh", "-c"],
      workingDir: "/srv",
      hostname: "h1",
      init: true,
      initPath: "/usr/bin/catatonit",
      tty: true,
    }),
    "i",
  );
  assert.deepEqual(spec.entrypoint, ["/bin/sh", "-c"]);
  assert.equal(spec.work_dir, "/srv");
  assert.equal(spec.hostname, "h1");
  assert.equal(spec.init, true);
  assert.equal(spec.init_path, "/usr/bin/catatonit");
  assert.equal(spec.terminal, true);
  const plain = buildProcess(makeTask(), makeConfig({ initPath: "/x" }), "i");
  assert.equal(plain.init, undefined);
  assert.equal(plain.init_path, undefined);
  assert.equal(plain.entrypoint, undefined);
});

Deno.test("the group network hostname is the fallback for hostname", () => {
  const task = makeTask({
    networkIsolation: { mode: "GROUP", path: "/var/run/netns/x", labels: {}, hostname: "grp" },
  });
  assert.equal(buildProcess(task, makeConfig(), "i").hostname, "grp");
  assert.equal(buildProcess(task, makeConfig({ hostname: "own" }), "i").hostname, "own");
});

Deno.test("a dynamic nomad-<n> user becomes numeric <n>:<n>; others pass through", () => {
  assert.equal(mapUser("nomad-80001"), "80001:80001");
  assert.equal(mapUser("www-data"), "www-data");
  assert.equal(mapUser("nomad-x"), "nomad-x");
  assert.equal(mapUser(""), undefined);
  assert.equal(buildProcess(makeTask({ user: "nomad-7" }), makeConfig(), "i").user, "7:7");
});
