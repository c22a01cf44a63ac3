/**
 * What every bench figure shares: the plugin through the harness, the direct
 * libpod client, and containers built from the plugin's own spec builder so
 * that "direct" runs exactly the container the plugin would.
 *
 * @module
 */
import {
  type AllocDir,
  type BuiltTask,
  defaultPluginConfig,
  Harness,
  makeAllocDir,
  PODMAN_SOCKET,
  TEST_IMAGE,
} from "../../tests/support/harness/mod.ts";
import { buildContainerSpec } from "../../src/driver/spec/mod.ts";
import { makeConfig, makePlugin, makeTask } from "../../tests/support/factories.ts";
import type { SpecHost } from "../../src/driver/spec/types.ts";
import type { TaskConfig } from "../../src/config/types.ts";
import type { Libpod } from "./libpod.ts";
import fs from "node:fs";

/** Shared state of one bench run. */
export interface Bench {
  quick: boolean;
  libpod: Libpod;
  host: SpecHost;
  imageId: string;
  /** Containers created directly (removed at the end whatever happens). */
  direct: Set<string>;
  log: (msg: string) => void;
  /** Raw samples for the JSON report. */
  samples: Record<string, number[]>;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let seq = 0;
/** A unique task name. */
export function taskName(kind: string): string {
  return `bench-${kind}-${(seq++).toString(36)}`;
}

/** The task `config { … }` body of a busybox command. */
export function hclConfig(command: string, args: string[], extra = ""): string {
  return `image = "${TEST_IMAGE}"\ncommand = "${command}"\nargs = ${
    JSON.stringify(args)
  }\n${extra}`;
}

/** Starts a plugin through the harness with the test Podman. */
export async function startPlugin(extraConfig = ""): Promise<Harness> {
  return await Harness.start({ pluginConfig: defaultPluginConfig(extraConfig) });
}

/** Facts of the private Podman, as the plugin derives them. */
export async function hostFacts(libpod: Libpod): Promise<{ host: SpecHost; imageId: string }> {
  const info = await libpod.call("GET", "/info") as Record<string, Record<string, unknown>>;
  const ping = await fetch(`http://d/_ping`, {
    client: Deno.createHttpClient({ proxy: { transport: "unix", path: PODMAN_SOCKET } }),
  });
  await ping.body?.cancel();
  const hostInfo = info.host ?? {};
  const sec = (hostInfo.security ?? {}) as Record<string, unknown>;
  const host: SpecHost = {
    rootless: sec.rootless === true,
    cgroupVersion: hostInfo.cgroupVersion === "v2" ? 2 : 1,
    cgroupManager: hostInfo.cgroupManager === "systemd" ? "systemd" : "cgroupfs",
    apiVersion: ping.headers.get("libpod-api-version") ?? "4.0.0",
    numCpus: Number(hostInfo.cpus) || 1,
    appArmorEnabled: sec.apparmorEnabled === true,
  };
  const image = await libpod.call("GET", `/images/${encodeURIComponent(TEST_IMAGE)}/json`) as {
    Id: string;
  };
  return { host, imageId: image.Id };
}

/** A container for the direct API: the plugin's spec for the same task, and its alloc dir. */
export interface DirectTask {
  name: string;
  spec: unknown;
  alloc: AllocDir;
}

/** Builds the spec the plugin would send for a task running `command args`. */
export async function directTask(
  b: Bench,
  kind: string,
  command: string,
  args: string[],
  over: Partial<TaskConfig> = {},
  options: { logging?: boolean | "fifos" } = {},
): Promise<DirectTask> {
  const name = taskName(kind);
  // false: /dev/null; "fifos": the alloc's fifos, made and read by the caller; else quiet fifos.
  const alloc = options.logging === undefined || options.logging === true
    ? await quietAlloc(name)
    : await makeAllocDir(name, { logging: false });
  const fifo = (kind: string) => `${alloc.allocDir}/alloc/logs/.${name}.${kind}.fifo`;
  const stdoutPath = options.logging === false ? "/dev/null" : fifo("stdout");
  const stderrPath = options.logging === false ? "/dev/null" : fifo("stderr");
  const task = makeTask({
    id: `${alloc.allocId}/${name}/00000000`,
    name,
    allocId: alloc.allocId,
    allocDir: alloc.allocDir,
    stdoutPath,
    stderrPath,
    jobName: "job",
    jobId: "job",
    taskGroupName: "group",
  });
  task.resources.memoryMb = 256;
  task.resources.memoryLimitBytes = 256 * 1024 * 1024;
  task.resources.cpuShares = 500;
  task.resources.percentTicks = 500 / 4000;
  const spec = buildContainerSpec({
    task,
    config: makeConfig({ image: TEST_IMAGE, command, args, ...over }),
    plugin: makePlugin({ sockets: [{ name: "default", socketPath: `unix://${PODMAN_SOCKET}` }] }),
    host: b.host,
    imageId: b.imageId,
  });
  return { name, spec, alloc };
}

/** Create + start directly; returns the container ID. */
export async function directStart(b: Bench, t: DirectTask): Promise<string> {
  const id = await b.libpod.create(t.spec);
  b.direct.add(id);
  await b.libpod.start(id);
  return id;
}

/** Removes a direct container and its alloc dir. */
export async function directRemove(b: Bench, id: string, t: DirectTask): Promise<void> {
  await b.libpod.remove(id).catch(() => {});
  b.direct.delete(id);
  await t.alloc.cleanup();
}

/** Runs `fn` over `items` with at most `n` at a time. */
export async function pool<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/**
 * StartTask, retried while the harness's fifo readers have not opened yet
 * (the plugin refuses a log fifo nobody reads; the readers open on a thread).
 */
export async function startTask(h: Harness, t: BuiltTask): Promise<void> {
  for (let attempt = 0;; attempt++) {
    try {
      await h.start(t);
      return;
    } catch (err) {
      if (attempt >= 40 || !String(err).includes("Nobody reads the log fifo")) throw err;
      await sleep(50);
    }
  }
}

/**
 * Log fifos for a bench task, held open read-write and never read: the
 * plugin sees a reader (its start check passes), nothing blocks, and no
 * thread waits per fifo (the harness's readers each block one of Deno's
 * blocking threads in open(2) until a writer comes; ~20 of them stall it).
 * Only for tasks that print (almost) nothing.
 */
export async function quietAlloc(name: string): Promise<AllocDir> {
  const alloc = await makeAllocDir(name, { logging: false });
  const fds: number[] = [];
  for (const kind of ["stdout", "stderr"]) {
    const p = `${alloc.allocDir}/alloc/logs/.${name}.${kind}.fifo`;
    const r = await new Deno.Command("mkfifo", { args: ["-m", "600", p] }).output();
    if (!r.success) throw new Error(`mkfifo ${p} failed`);
    fds.push(fs.openSync(p, fs.constants.O_RDWR | fs.constants.O_NONBLOCK));
  }
  const cleanup = alloc.cleanup;
  alloc.cleanup = async () => {
    for (const fd of fds.splice(0)) {
      try {
        fs.closeSync(fd);
      } catch { /* already */ }
    }
    await cleanup();
  };
  return alloc;
}

/** A plugin task that prints nothing, with {@link quietAlloc} fifos. */
export async function quietTask(h: Harness, kind: string, command: string, args: string[]) {
  const name = taskName(kind);
  const alloc = await quietAlloc(name);
  return await h.task({ name, alloc, config: hclConfig(command, args) });
}
