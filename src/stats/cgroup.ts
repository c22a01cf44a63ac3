/**
 * Memory and CPU detail Podman's stats API does not report (4.3.1 on cgroup
 * v1 gives no RSS, cache, swap or throttling), read from the container's
 * cgroup when the plugin runs on the Podman host. v1 and v2 are both read;
 * whatever cannot be read stays `undefined` and is not reported as measured.
 *
 * @module
 */
import { hostReader, type ReadFile } from "./host_files.ts";

/** Where a container's cgroup lives. */
export interface CgroupDirs {
  version: 1 | 2;
  /** Directory with memory.* files. */
  memory: string | undefined;
  /** Directory with cpu.stat. */
  cpu: string | undefined;
}

/** Cgroup detail of one container; `undefined` = not available. */
export interface CgroupDetail {
  rss?: number;
  cache?: number;
  swap?: number;
  usage?: number;
  maxUsage?: number;
  throttledPeriods?: number;
  /** Nanoseconds. */
  throttledTimeNs?: number;
}

/** A cgroup mount: its mount point, root and controllers (empty for v2). */
export interface CgroupMount {
  version: 1 | 2;
  mountPoint: string;
  root: string;
  controllers: string[];
}

const V1_OPTIONS = new Set(["rw", "ro", "nosuid", "nodev", "noexec", "relatime", "noatime"]);

/** Cgroup mounts of a `/proc/self/mountinfo` text. */
export function parseMountinfo(text: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const line of text.split("\n")) {
    const dash = line.indexOf(" - ");
    if (dash < 0) continue;
    const left = line.slice(0, dash).split(" ");
    const right = line.slice(dash + 3).split(" ");
    const fstype = right[0];
    const root = unescapeMount(left[3] ?? "/");
    const mountPoint = unescapeMount(left[4] ?? "");
    if (fstype === "cgroup2") out.push({ version: 2, mountPoint, root, controllers: [] });
    else if (fstype === "cgroup") {
      const controllers = (right[2] ?? "").split(",").filter((o) => o !== "" && !V1_OPTIONS.has(o));
      out.push({ version: 1, mountPoint, root, controllers });
    }
  }
  return out;
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** `controller → path` of a `/proc/<pid>/cgroup` text; v2's path is under `""`. */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    const controllers = m[2]!;
    if (controllers === "") out.set("", m[3]!);
    else for (const c of controllers.split(",")) out.set(c, m[3]!);
  }
  return out;
}

function join(mount: CgroupMount, path: string): string {
  const rel = mount.root !== "/" && path.startsWith(mount.root)
    ? path.slice(mount.root.length)
    : path;
  return `${mount.mountPoint}/${rel.replace(/^\/+/, "")}`.replace(/\/+$/, "");
}

/** The cgroup directories of a process, from its cgroup file and the mount table. */
export function cgroupDirs(procCgroup: string, mountinfo: string): CgroupDirs | undefined {
  const paths = parseProcCgroup(procCgroup);
  const mounts = parseMountinfo(mountinfo);
  const v1 = (c: string) => {
    const m = mounts.find((x) => x.version === 1 && x.controllers.includes(c));
    const p = paths.get(c);
    return m && p !== undefined ? join(m, p) : undefined;
  };
  const memory = v1("memory");
  const cpu = v1("cpu");
  if (memory || cpu) return { version: 1, memory, cpu };
  const unified = mounts.find((x) => x.version === 2);
  const p = paths.get("");
  if (!unified || p === undefined) return undefined;
  const dir = join(unified, p);
  return { version: 2, memory: dir, cpu: dir };
}

/** `key value` lines (memory.stat, cpu.stat) as numbers. */
export function parseKeyValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) out.set(k, Number(v));
  }
  return out;
}

export type { ReadFile };

const readOptional: ReadFile = hostReader.read;

function single(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  return /^\d+$/.test(t) ? Number(t) : undefined;
}

/** Reads the memory and throttling detail of a container's cgroup. */
export async function readCgroupDetail(
  dirs: CgroupDirs,
  read: ReadFile = readOptional,
): Promise<CgroupDetail> {
  const d: CgroupDetail = {};
  const m = dirs.memory;
  const v1 = dirs.version === 1;
  const none = Promise.resolve(undefined);
  // All reads at once, so a batching reader serves them with one process.
  const [statText, usage, maxUsage, swap, cpuText] = await Promise.all([
    m ? read(`${m}/memory.stat`) : none,
    m ? read(v1 ? `${m}/memory.usage_in_bytes` : `${m}/memory.current`) : none,
    m ? read(v1 ? `${m}/memory.max_usage_in_bytes` : `${m}/memory.peak`) : none,
    m && !v1 ? read(`${m}/memory.swap.current`) : none,
    dirs.cpu ? read(`${dirs.cpu}/cpu.stat`) : none,
  ]);
  if (m) {
    const stat = statText === undefined ? new Map<string, number>() : parseKeyValues(statText);
    if (v1) {
      d.rss = stat.get("total_rss") ?? stat.get("rss");
      d.cache = stat.get("total_cache") ?? stat.get("cache");
      d.swap = stat.get("total_swap") ?? stat.get("swap");
    } else {
      d.rss = stat.get("anon");
      d.cache = stat.get("file");
      d.swap = single(swap);
    }
    d.usage = single(usage);
    d.maxUsage = single(maxUsage);
  }
  if (cpuText !== undefined) {
    const stat = parseKeyValues(cpuText);
    d.throttledPeriods = stat.get("nr_throttled");
    const usec = stat.get("throttled_usec");
    d.throttledTimeNs = v1
      ? stat.get("throttled_time")
      : usec === undefined
      ? undefined
      : usec * 1000;
  }
  for (const k of Object.keys(d) as (keyof CgroupDetail)[]) if (d[k] === undefined) delete d[k];
  return d;
}

/** Finds a process's cgroup directories on this host; `undefined` when not readable. */
export async function cgroupDirsOfPid(
  pid: number,
  read: ReadFile = readOptional,
): Promise<CgroupDirs | undefined> {
  if (!(pid > 0)) return undefined;
  const [procCgroup, mountinfo] = await Promise.all([
    read(`/proc/${pid}/cgroup`),
    read("/proc/self/mountinfo"),
  ]);
  if (procCgroup === undefined || mountinfo === undefined) return undefined;
  return cgroupDirs(procCgroup, mountinfo);
}
