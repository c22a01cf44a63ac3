import assert from "node:assert/strict";
import { isStatsUnsupported, parseProcStat, procSample } from "./proc_fallback.ts";
import { PodmanApiError } from "../podman/mod.ts";

const STAT = "20385 (sh (x) y) R 20360 20385 20385 0 -1 4194560 115 0 0 0 " +
  "150 25 0 0 20 0 1 0 123 1683456 395 18446744073709551615";

Deno.test("proc fallback: parses /proc/<pid>/stat with a tricky comm", () => {
  assert.deepEqual(parseProcStat(STAT), { user: 150, system: 25, rss: 395 * 4096 });
});

Deno.test("proc fallback: sums the container's processes; 409 means unsupported", async () => {
  const top = {
    top: () => Promise.resolve({ titles: ["HPID"], processes: [["20385"], ["20386"], ["?"]] }),
  };
  const s = await procSample(
    top,
    "c1",
    (p) => Promise.resolve(p.endsWith("/20386/stat") ? undefined : STAT),
  );
  assert.ok(s);
  assert.equal(s.pids, 2);
  assert.equal(s.cpuNano, 175 * 10_000_000);
  assert.equal(s.memUsage, 395 * 4096);
  const e409 = new PodmanApiError("x", { method: "GET", path: "/p", status: 409 });
  assert.ok(isStatsUnsupported(e409));
  assert.ok(
    !isStatsUnsupported(new PodmanApiError("x", { method: "GET", path: "/p", status: 500 })),
  );
});
