/** Resource options: memory family, shm, cpu, pids, ulimit. */
import assert from "node:assert/strict";
import { NEEDS_PODMAN } from "../support/harness/mod.ts";
import { runScript, startAndInspect, withHarness } from "./_lifecycle.ts";

const opts = { ignore: NEEDS_PODMAN, sanitizeResources: false, sanitizeOps: false };
const MiB = 1024 * 1024;

Deno.test({
  ...opts,
  name: "options: memory, memory_reservation, memory_swap, shm_size, cpu shares, cores",
  fn: () =>
    withHarness(async (h) => {
      const a = await startAndInspect(
        h,
        `memory_reservation = "32m"\nmemory_swap = "128m"\nshm_size = "70m"`,
        { memoryMb: 64, cpu: 300, cores: "1" },
      );
      assert.equal(a.hc.Memory, 64 * MiB);
      assert.equal(a.hc.MemoryReservation, 32 * MiB);
      assert.equal(a.hc.MemorySwap, 128 * MiB);
      assert.equal(a.hc.ShmSize, 70 * MiB);
      assert.equal(a.hc.CpuShares, 300);
      assert.equal(a.hc.CpusetCpus, "1");
      // memory_max: hard = memory_max, soft = memory.
      const b = await startAndInspect(h, "", { name: "oversub", memoryMb: 64, memoryMaxMb: 128 });
      assert.equal(b.hc.Memory, 128 * MiB);
      assert.equal(b.hc.MemoryReservation, 64 * MiB);
      // memory_swap = "-1" (unlimited) and bare bytes, which the reference rejects.
      const c = await startAndInspect(h, `memory_swap = "-1"`, { name: "swapinf" });
      assert.ok(Number(c.hc.MemorySwap) >= 2 ** 62, `MemorySwap ${c.hc.MemorySwap}`);
      const d = await startAndInspect(h, `memory_swap = "${512 * MiB}"`, { name: "swapbytes" });
      assert.equal(d.hc.MemorySwap, 512 * MiB);
    }),
});

Deno.test({
  ...opts,
  name: "options: shm_size seen inside; cpu_hard_limit + cpu_cfs_period; pids_limit; ulimit",
  fn: () =>
    withHarness(async (h) => {
      const shm = await runScript(
        h,
        "df -k /dev/shm | tail -1 | awk '{print $2}'",
        `shm_size = "70m"`,
      );
      assert.equal(shm.lines[0], String(70 * 1024));
      const cpu = await startAndInspect(h, `cpu_hard_limit = true\ncpu_cfs_period = 50000`, {
        name: "cpu",
        cpu: 1000,
      });
      assert.equal(cpu.hc.CpuPeriod, 50000);
      // quota = cpu / node compute × period × cores = 1000/4000 × 50000 × 2
      assert.equal(cpu.hc.CpuQuota, 25000);
      const pids = await startAndInspect(h, `pids_limit = 77`, { name: "pids" });
      assert.equal(pids.hc.PidsLimit, 77);
      const ul = await runScript(
        h,
        "ulimit -n; ulimit -Hn; ulimit -u",
        `ulimit {\n  nofile = "1024:2048"\n  nproc = "500"\n}`,
        { name: "ulimit" },
      );
      assert.deepEqual(ul.lines, ["1024", "2048", "500"]);
    }),
});
