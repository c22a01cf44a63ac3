import assert from "node:assert/strict";
import type { ContainerInspect } from "../podman/types.ts";
import { exitResultFrom, recoveryDecision } from "./lifecycle.ts";

function inspect(state: Partial<ContainerInspect["state"]>): ContainerInspect {
  return {
    id: "c1",
    name: "t-1",
    image: "",
    imageName: "",
    created: undefined,
    state: {
      status: "exited",
      running: false,
      paused: false,
      oomKilled: false,
      pid: 0,
      exitCode: 0,
      error: "",
      startedAt: undefined,
      finishedAt: undefined,
      ...state,
    },
    config: {
      entrypoint: [],
      cmd: [],
      env: [],
      labels: {},
      tty: false,
      user: "",
      workingDir: "",
      stopSignal: "",
    },
    network: { ipAddress: "", globalIPv6Address: "", networks: {} },
  };
}

Deno.test("exit result: code, signal from 128+n, Podman's OOM flag", () => {
  assert.deepEqual(exitResultFrom(inspect({ exitCode: 3 })), {
    exitCode: 3,
    signal: 0,
    oomKilled: false,
  });
  assert.deepEqual(exitResultFrom(inspect({ exitCode: 130 })), {
    exitCode: 130,
    signal: 2,
    oomKilled: false,
  });
  const oom = exitResultFrom(inspect({ exitCode: 137, oomKilled: true }));
  assert.equal(oom.oomKilled, true);
  assert.match(oom.err ?? "", /OOM killer/);
});

Deno.test("exit result: an unexplained SIGKILL under a memory limit is an OOM kill", () => {
  const i = inspect({ exitCode: 137 });
  const inferred = exitResultFrom(i, { killSent: false, memoryLimitBytes: 16 << 20 });
  assert.equal(inferred.oomKilled, true);
  assert.match(inferred.err ?? "", /OOM killer.*16 MiB/);
  assert.equal(exitResultFrom(i, { killSent: true, memoryLimitBytes: 16 << 20 }).oomKilled, false);
  assert.equal(exitResultFrom(i, { killSent: false, memoryLimitBytes: 0 }).oomKilled, false);
  assert.equal(
    exitResultFrom(inspect({ exitCode: 143 }), { killSent: false, memoryLimitBytes: 1 }).oomKilled,
    false,
  );
});

Deno.test("recovery decision table", () => {
  assert.equal(recoveryDecision(inspect({ running: true, status: "running" }), false), "adopt");
  assert.equal(recoveryDecision(inspect({ status: "paused" }), false), "adopt");
  assert.equal(recoveryDecision(inspect({}), false), "report-exited");
  assert.equal(recoveryDecision(inspect({}), true), "restart");
});
