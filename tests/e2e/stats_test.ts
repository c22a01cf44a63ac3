/**
 * TaskStats end to end: real containers, values checked against the cgroup
 * truth and `podman stats`, and the shared source's connection use at scale.
 */
import assert from "node:assert/strict";
import {
  Harness,
  NEEDS_PODMAN,
  PODMAN_SOCKET,
  REPO_ROOT,
  type StreamReader,
  TEST_IMAGE,
} from "../support/harness/mod.ts";
import type { ProtoMessage } from "../../src/grpc/proto_root.ts";

const MiB = 1024 * 1024;
/** Harness topology: 2 cores × 2000 MHz. */
const MHZ_PER_CORE = 2000;
const CPU_FIELDS = [
  "System Mode",
  "User Mode",
  "Total Ticks",
  "Throttled Periods",
  "Throttled Time",
  "Percent",
];
const MEMORY_FIELDS = [
  "RSS",
  "Cache",
  "Max Usage",
  "Kernel Usage",
  "Kernel Max Usage",
  "Usage",
  "Swap",
];

interface Usage {
  cpu: ProtoMessage;
  memory: ProtoMessage;
  cpuMeasured: string[];
  memMeasured: string[];
}

function usageOf(m: ProtoMessage): Usage {
  const agg = (m.stats as ProtoMessage).agg_resource_usage as ProtoMessage;
  const cpu = agg.cpu as ProtoMessage;
  const memory = agg.memory as ProtoMessage;
  const names = (v: unknown, all: string[]) =>
    ((v ?? []) as number[]).map((i) => all[i] ?? String(i));
  return {
    cpu,
    memory,
    cpuMeasured: names(cpu.measured_fields, CPU_FIELDS),
    memMeasured: names(memory.measured_fields, MEMORY_FIELDS),
  };
}

function n(v: unknown): number {
  return Number(v ?? 0);
}

/**
 * The plugin runs under its scoped deployment profile (never -A): cgroup files under /proc
 * and /sys are read through `grep` (src/stats/host_files.ts).
 */
const SPAWN = {};

async function withHarness(fn: (h: Harness) => Promise<void>): Promise<void> {
  const h = await Harness.start(SPAWN);
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

async function startTask(
  h: Harness,
  config: string,
  extra: { cpu?: number } = {},
): Promise<string> {
  const t = await h.task({ config, logging: false, ...extra });
  await h.start(t);
  return t.id;
}

async function containerName(h: Harness, id: string): Promise<string> {
  const r = await h.client.inspectTask(id);
  return String(((r.driver as ProtoMessage).attributes as Record<string, string>).container_name);
}

/** `podman stats --no-stream` of one container on the test store. */
async function podmanStats(name: string): Promise<{ cpuPercent: number; memUsage: number }> {
  const out = await new Deno.Command("bash", {
    args: [
      `${REPO_ROOT}/scripts/test_env.sh`,
      "podman",
      "stats",
      "--no-stream",
      "--format",
      "json",
      name,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const [row] = JSON.parse(new TextDecoder().decode(out.stdout)) as Array<Record<string, string>>;
  assert.ok(row, "podman stats gave no row");
  return {
    cpuPercent: parseFloat(row.cpu_percent ?? ""),
    memUsage: humanBytes(String(row.mem_usage).split("/")[0]!),
  };
}

/** Parses go-units' HumanSize ("67.9MB", decimal units). */
function humanBytes(s: string): number {
  const m = /^\s*([0-9.]+)\s*([kMGT]?B)\s*$/.exec(s);
  assert.ok(m, `unparsable size ${s}`);
  const mult: Record<string, number> = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 };
  return Number(m[1]) * mult[m[2]!]!;
}

function within(actual: number, expected: number, frac: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= Math.abs(expected) * frac,
    `${what}: ${actual} not within ${frac * 100}% of ${expected}`,
  );
}

/** The n-th sample (0-based) from index `from`. */
function nth(r: StreamReader, index: number, timeoutMs: number): Promise<ProtoMessage> {
  let seen = -1;
  return r.waitFor(() => ++seen === index, timeoutMs);
}

Deno.test({
  name: "stats: 64 MB held in memory shows as RSS (±10%), matching podman stats",
  ignore: NEEDS_PODMAN,
  fn: () =>
    withHarness(async (h) => {
      const id = await startTask(
        h,
        `image = "${TEST_IMAGE}"\ncommand = "sh"\nargs = ["-c", "dd if=/dev/zero bs=64M count=1 | sleep 300"]`,
      );
      const r = h.client.taskStats(id, 1000);
      try {
        const m = await nth(r, 2, 15_000);
        const u = usageOf(m);
        assert.deepEqual(
          [...u.memMeasured].sort(),
          ["Cache", "Max Usage", "RSS", "Swap", "Usage"],
        );
        within(n(u.memory.rss), 64 * MiB, 0.1, "RSS");
        assert.ok(n(u.memory.max_usage) >= n(u.memory.rss), "max usage >= rss");
        assert.ok(
          n(
            (m.stats as ProtoMessage).timestamp &&
              ((m.stats as ProtoMessage).timestamp as ProtoMessage).seconds,
          ) > 0,
        );
        const p = await podmanStats(await containerName(h, id));
        within(n(u.memory.usage), p.memUsage, 0.1, "usage vs podman stats");
      } finally {
        r.cancel();
      }
    }),
});

Deno.test({
  name:
    "stats: a spinning task shows ~100% of one core, ticks from the node compute, podman stats agrees",
  ignore: NEEDS_PODMAN,
  fn: () =>
    withHarness(async (h) => {
      const id = await startTask(
        h,
        `image = "${TEST_IMAGE}"\ncommand = "sh"\nargs = ["-c", "while :; do :; done"]`,
      );
      const r = h.client.taskStats(id, 1000);
      try {
        const first = usageOf(await nth(r, 0, 10_000));
        assert.ok(!first.cpuMeasured.includes("Percent"), "the first sample has no CPU delta yet");
        const m = usageOf(await nth(r, 4, 15_000));
        for (const f of ["Percent", "User Mode", "System Mode", "Total Ticks"]) {
          assert.ok(m.cpuMeasured.includes(f), `${f} measured: ${m.cpuMeasured}`);
        }
        const percent = n(m.cpu.percent);
        within(percent, 100, 0.15, "percent");
        within(n(m.cpu.total_ticks), (percent / 100) * MHZ_PER_CORE, 0.01, "total ticks");
        within(n(m.cpu.user_mode) + n(m.cpu.system_mode), percent, 0.1, "user + system");
        const p = await podmanStats(await containerName(h, id));
        within(percent, p.cpuPercent, 0.1, "percent vs podman stats");
      } finally {
        r.cancel();
      }
    }),
});

Deno.test({
  name: "stats: cpu_hard_limit shows throttling",
  ignore: NEEDS_PODMAN,
  fn: () =>
    withHarness(async (h) => {
      const id = await startTask(
        h,
        `image = "${TEST_IMAGE}"\ncommand = "sh"\nargs = ["-c", "while :; do :; done"]\ncpu_hard_limit = true`,
        { cpu: 400 },
      );
      const r = h.client.taskStats(id, 1000);
      try {
        const m = usageOf(await nth(r, 3, 15_000));
        assert.ok(
          m.cpuMeasured.includes("Throttled Periods") && m.cpuMeasured.includes("Throttled Time"),
        );
        assert.ok(n(m.cpu.throttled_periods) > 0, `throttled periods ${m.cpu.throttled_periods}`);
        assert.ok(n(m.cpu.throttled_time) > 0, `throttled time ${m.cpu.throttled_time}`);
        // 400 MHz of a 4000 MHz node of 2 cores: 20% of one core.
        assert.ok(n(m.cpu.percent) < 40, `percent ${m.cpu.percent}`);
      } finally {
        r.cancel();
      }
    }),
});

Deno.test({
  name: "stats: the stream ends cleanly when the task exits, and at once for an exited task",
  ignore: NEEDS_PODMAN,
  fn: () =>
    withHarness(async (h) => {
      const id = await startTask(h, `image = "${TEST_IMAGE}"\ncommand = "sleep"\nargs = ["3"]`);
      const r = h.client.taskStats(id, 1000);
      await r.waitFor(() => true, 10_000);
      assert.ok(await r.waitEnd(15_000), "stream ended after the exit");
      assert.equal(r.error, undefined);
      const again = h.client.taskStats(id, 1000);
      assert.ok(await again.waitEnd(3000), "stream of an exited task ends at once");
      assert.equal(again.error, undefined);
    }),
});

/** Connections the process `pid` holds to the Podman socket. */
async function podmanConnections(pid: number): Promise<number> {
  const out = await new Deno.Command("ss", { args: ["-xn"], stdout: "piped" }).output();
  const serverPeers = new Set<string>();
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    const cols = line.trim().split(/\s+/);
    if (cols[4] === PODMAN_SOCKET && cols[7]) serverPeers.add(cols[7]);
  }
  // Deno needs --allow-all to read /proc/<pid>/fd: ask find.
  const fds = await new Deno.Command("find", {
    args: [`/proc/${pid}/fd`, "-lname", "socket:*", "-printf", "%l\n"],
    stdout: "piped",
    stderr: "null",
  }).output();
  let count = 0;
  for (const l of new TextDecoder().decode(fds.stdout).split("\n")) {
    const m = /^socket:\[(\d+)\]$/.exec(l.trim());
    if (m && serverPeers.has(m[1]!)) count++;
  }
  return count;
}

Deno.test({
  name:
    "stats: 50 tasks streaming at 1 s use at most 3 Podman connections, each gets a sample every interval",
  ignore: NEEDS_PODMAN,
  fn: () =>
    withHarness(async (h) => {
      const ids: string[] = [];
      for (let i = 0; i < 50; i++) {
        ids.push(await startTask(h, `image = "${TEST_IMAGE}"\ncommand = "sleep"\nargs = ["600"]`));
      }
      const readers = ids.map((id) => h.client.taskStats(id, 1000));
      try {
        // Warm up: everyone has a first sample.
        await Promise.all(readers.map((r) => r.waitFor(() => true, 20_000)));
        // Steady state: the starts' burst left idle pooled connections, which the pool drops
        // after 1 s idle, checked once a second (so within 2 s); measure after that.
        await new Promise((r) => setTimeout(r, 2_500));
        const base = readers.map((r) => r.messages.length);
        let maxConns = 0;
        const t0 = Date.now();
        while (Date.now() - t0 < 10_000) {
          maxConns = Math.max(maxConns, await podmanConnections(h.plugin.pid));
          await new Promise((r) => setTimeout(r, 250));
        }
        const elapsed = (Date.now() - t0) / 1000;
        assert.ok(maxConns >= 1 && maxConns <= 3, `plugin holds ${maxConns} Podman connections`);
        for (const [i, r] of readers.entries()) {
          const got = r.messages.length - base[i]!;
          assert.ok(
            got >= Math.floor(elapsed) - 1,
            `task ${i}: ${got} samples in ${elapsed.toFixed(1)} s`,
          );
          assert.equal(r.error, undefined);
        }
      } finally {
        for (const r of readers) r.cancel();
      }
    }),
});
