import assert from "node:assert/strict";
import type { ContainerInspect } from "../podman/mod.ts";
import { exitResultFrom } from "./exit_result.ts";
import type { OomEvidence } from "./oom.ts";
import { fakeInspect, fakeState } from "../../tests/support/fake_port.ts";

function inspect(state: Partial<ContainerInspect["state"]>): ContainerInspect {
  return fakeInspect({ id: "c1", name: "t-1", state: { ...fakeState("exited"), ...state } });
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

Deno.test("exit result: a SIGKILL under a memory limit is an OOM kill only by the kernel's counters", () => {
  const i = inspect({ exitCode: 137 });
  const limit = 16 << 20;
  const ev = (e: Partial<OomEvidence>): OomEvidence => ({
    podmanReliable: false,
    cgroupKills: 0,
    hostKillsRose: false,
    ...e,
  });
  // No evidence at all (remote Podman): an outside SIGKILL is just signal 9.
  assert.equal(exitResultFrom(i, { killSent: false, memoryLimitBytes: limit }).oomKilled, false);
  // The container's cgroup counted a kill.
  const counted = exitResultFrom(i, {
    killSent: false,
    memoryLimitBytes: limit,
    oom: ev({ cgroupKills: 1 }),
  });
  assert.equal(counted.oomKilled, true);
  assert.match(counted.err ?? "", /OOM killer.*cgroup counted 1 OOM kill.*16 MiB/);
  // The cgroup was gone, but the host counted a kill as it died.
  const host = exitResultFrom(i, {
    killSent: false,
    memoryLimitBytes: limit,
    oom: ev({ cgroupKills: 0, hostKillsRose: true }),
  });
  assert.equal(host.oomKilled, true);
  assert.match(host.err ?? "", /OOM killer/);
  // The host killed nobody: an outside SIGKILL.
  const outside = exitResultFrom(i, { killSent: false, memoryLimitBytes: limit, oom: ev({}) });
  assert.deepEqual(outside, { exitCode: 137, signal: 9, oomKilled: false });
  // Our own SIGKILL, no limit, another exit code, or a reliable Podman saying no: not OOM.
  const rose = ev({ hostKillsRose: true });
  assert.equal(
    exitResultFrom(i, { killSent: true, memoryLimitBytes: limit, oom: rose }).oomKilled,
    false,
  );
  assert.equal(
    exitResultFrom(i, { killSent: false, memoryLimitBytes: 0, oom: rose }).oomKilled,
    false,
  );
  assert.equal(
    exitResultFrom(inspect({ exitCode: 143 }), { killSent: false, memoryLimitBytes: 1, oom: rose })
      .oomKilled,
    false,
  );
  assert.equal(
    exitResultFrom(i, {
      killSent: false,
      memoryLimitBytes: limit,
      oom: ev({ podmanReliable: true, hostKillsRose: true }),
    }).oomKilled,
    false,
  );
});
