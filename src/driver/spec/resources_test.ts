import assert from "node:assert/strict";
import { ConfigError } from "../../config/mod.ts";
import { makeConfig, makeHost, makeTask } from "../../../tests/support/factories.ts";
import { buildResources, cpuLimits, memoryLimits, parseUlimits } from "./resources.ts";

const MIB = 1024 * 1024;

Deno.test("memory limits follow the three oversubscription rules", () => {
  const r = (memoryMb: number, memoryMaxMb: number) => ({ memoryMb, memoryMaxMb });
  // plain
  assert.deepEqual(memoryLimits(r(100, 0), undefined), {
    limit: 100 * MIB,
    reservation: undefined,
  });
  // reservation
  assert.deepEqual(memoryLimits(r(100, 0), 40 * MIB), { limit: 100 * MIB, reservation: 40 * MIB });
  // oversubscription: hard = memory_max, soft = memory
  assert.deepEqual(memoryLimits(r(100, 200), undefined), {
    limit: 200 * MIB,
    reservation: 100 * MIB,
  });
  // oversubscription + low reservation
  assert.deepEqual(memoryLimits(r(100, 200), 40 * MIB), {
    limit: 200 * MIB,
    reservation: 40 * MIB,
  });
  // oversubscription + high reservation: capped to memory
  assert.deepEqual(memoryLimits(r(100, 200), 150 * MIB), {
    limit: 200 * MIB,
    reservation: 100 * MIB,
  });
  // memory_max = -1: no hard limit
  assert.deepEqual(memoryLimits(r(100, -1), undefined), {
    limit: undefined,
    reservation: 100 * MIB,
  });
  assert.deepEqual(memoryLimits(r(100, -1), 40 * MIB), {
    limit: undefined,
    reservation: 40 * MIB,
  });
});

Deno.test("cpu hard limit: quota = percentTicks × period × numCpus, bounds on period and quota", () => {
  const cfg = (cpuCfsPeriod: number) => ({ cpuHardLimit: true, cpuCfsPeriod });
  assert.equal(cpuLimits(0.25, { cpuHardLimit: false, cpuCfsPeriod: 100000 }, 2), undefined);
  assert.deepEqual(cpuLimits(0.25, cfg(100000), 2), { quota: 50000, period: 100000 });
  assert.deepEqual(cpuLimits(0.5, cfg(50000), 4), { quota: 100000, period: 50000 });
  assert.deepEqual(cpuLimits(0.25, cfg(0), 1), { quota: 25000, period: 100000 });
  assert.deepEqual(cpuLimits(0.25, cfg(10), 1), { quota: 1000, period: 1000 });
  assert.deepEqual(cpuLimits(0.0001, cfg(100000), 1), { quota: 1000, period: 100000 });
  assert.throws(
    () => cpuLimits(0.25, cfg(1_000_001), 1),
    (e: unknown) => e instanceof ConfigError && e.field === "cpu_cfs_period",
  );
});

Deno.test("ulimit: hard defaults to soft; bad values are refused", () => {
  assert.deepEqual(parseUlimits({ nproc: "4096", nofile: "2048:4096" }), [
    { type: "nproc", soft: 4096, hard: 4096 },
    { type: "nofile", soft: 2048, hard: 4096 },
  ]);
  for (const bad of ["", "x", "1:", "1:2:3", "-1", "10:5"]) {
    assert.throws(
      () => parseUlimits({ nofile: bad }),
      (e: unknown) => e instanceof ConfigError && e.field === "ulimit.nofile" && e.value === bad,
    );
  }
});

Deno.test("resources: shares only when rootful, cpuset from cores, swap, pids, oom, sysctl", () => {
  const task = makeTask();
  const resources = { ...task.resources, cpusetCpus: "0,1", memoryMb: 50 };
  const config = makeConfig({
    memoryReservation: 40 * MIB,
    memorySwap: 100 * MIB,
    memorySwappiness: 60,
    pidsLimit: 150,
    oomScoreAdj: -100,
    sysctl: { "net.core.somaxconn": "12321" },
    ulimit: { nofile: "1024" },
    cpuHardLimit: true,
  });
  const spec = buildResources(resources, config, makeHost());
  assert.deepEqual(spec.resource_limits, {
    memory: { limit: 50 * MIB, reservation: 40 * MIB, swap: 100 * MIB, swappiness: 60 },
    cpu: { shares: 500, cpus: "0,1", quota: 50000, period: 100000 },
    pids: { limit: 150 },
  });
  assert.equal(spec.oom_score_adj, -100);
  assert.deepEqual(spec.sysctl, { "net.core.somaxconn": "12321" });
  assert.deepEqual(spec.r_limits, [{ type: "nofile", soft: 1024, hard: 1024 }]);
  assert.equal(spec.cgroup_parent, undefined);

  const rootless = buildResources(
    resources,
    config,
    makeHost({ rootless: true, cgroupVersion: 2 }),
  );
  assert.equal(rootless.resource_limits?.cpu?.shares, undefined);
  assert.equal(rootless.resource_limits?.memory?.swappiness, undefined, "no swappiness on v2");
});

Deno.test("oom_score_adj is always sent; unset pids/swap are omitted", () => {
  const spec = buildResources(makeTask().resources, makeConfig(), makeHost());
  assert.equal(spec.oom_score_adj, 0);
  assert.equal(spec.resource_limits?.pids, undefined);
  assert.equal(spec.resource_limits?.memory?.swap, undefined);
  assert.equal(spec.resource_limits?.memory?.swappiness, undefined);
  assert.equal(spec.r_limits, undefined);
});

Deno.test("cgroup_parent nomad.slice only with cgroup v2 and systemd", () => {
  const r = makeTask().resources;
  const c = makeConfig();
  assert.equal(
    buildResources(r, c, makeHost({ cgroupVersion: 2, cgroupManager: "systemd" })).cgroup_parent,
    "nomad.slice",
  );
  assert.equal(
    buildResources(r, c, makeHost({ cgroupVersion: 2, cgroupManager: "cgroupfs" })).cgroup_parent,
    undefined,
  );
  assert.equal(
    buildResources(r, c, makeHost({ cgroupVersion: 1, cgroupManager: "systemd" })).cgroup_parent,
    undefined,
  );
});

Deno.test("memory_swap -1 becomes the kernel's unlimited value (Podman 4.3 refuses -1)", async () => {
  const { buildResources, UNLIMITED_SWAP_BYTES } = await import("./resources.ts");
  const spec = buildResources(
    { memoryMb: 64, memoryMaxMb: 0, cpuShares: 100, cpusetCpus: "", percentTicks: 0 },
    {
      memoryReservation: undefined,
      memorySwap: -1,
      memorySwappiness: undefined,
      cpuHardLimit: false,
      cpuCfsPeriod: 100000,
      pidsLimit: 0,
      oomScoreAdj: 0,
      ulimit: {},
      sysctl: {},
    },
    { rootless: false, cgroupVersion: 1, cgroupManager: "cgroupfs", numCpus: 2 },
  );
  assert.equal(spec.resource_limits?.memory?.swap, UNLIMITED_SWAP_BYTES);
});
