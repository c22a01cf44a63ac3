/**
 * Allocation directories and log fifos, laid out and read like Nomad's
 * client and logmon do.
 *
 * @module
 */
import fs from "node:fs";
import { ALLOC_ROOT, ensureTestDirs } from "./env.ts";

/** Reads a fifo until EOF (all writers closed), like logmon. */
export class FifoReader {
  readonly path: string;
  readonly chunks: Uint8Array[] = [];
  readonly done: Promise<void>;
  #file: Deno.FsFile | undefined;
  #closed = false;

  constructor(path: string) {
    this.path = path;
    this.done = this.#run();
  }

  async #run(): Promise<void> {
    // Opening the read end blocks until a writer appears (as logmon's open does).
    const file = await Deno.open(this.path, { read: true });
    this.#file = file;
    const buf = new Uint8Array(64 * 1024);
    try {
      while (!this.#closed) {
        const n = await file.read(buf);
        if (n === null) break;
        this.chunks.push(buf.slice(0, n));
      }
    } catch { /* closed */ }
    try {
      file.close();
    } catch { /* already */ }
  }

  /** Everything read so far, as text. */
  text(): string {
    const total = this.chunks.reduce((n, c) => n + c.length, 0);
    const all = new Uint8Array(total);
    let off = 0;
    for (const c of this.chunks) {
      all.set(c, off);
      off += c.length;
    }
    return new TextDecoder().decode(all);
  }

  /** Waits until the text matches, up to `timeoutMs`. */
  async waitFor(pred: (text: string) => boolean, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const t = this.text();
      if (pred(t)) return t;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(
      `fifo ${this.path}: expected text not seen within ${timeoutMs} ms; got:\n${this.text()}`,
    );
  }

  /** Stops reading; if no writer ever came, unblocks the pending open. */
  async close(): Promise<void> {
    this.#closed = true;
    if (!this.#file) {
      // Unblock our own pending open by opening the write end briefly, without
      // blocking: if our open is no longer pending (ENXIO), nothing waits.
      try {
        fs.closeSync(fs.openSync(this.path, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
      } catch { /* ignore */ }
    } else {
      try {
        this.#file.close();
      } catch { /* already */ }
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.done.catch(() => {}),
      new Promise<void>((r) => timer = setTimeout(r, 2000)),
    ]);
    clearTimeout(timer);
  }
}

/** An allocation directory for one task. */
export interface AllocDir {
  allocId: string;
  allocDir: string;
  taskName: string;
  taskDir: string;
  stdoutPath: string;
  stderrPath: string;
  stdout: FifoReader | undefined;
  stderr: FifoReader | undefined;
  /** Stops the readers and removes the directory. */
  cleanup(): Promise<void>;
}

/** Random UUID like Nomad's alloc IDs. */
export function newAllocId(): string {
  return crypto.randomUUID();
}

async function mkfifo(path: string): Promise<void> {
  const out = await new Deno.Command("mkfifo", { args: ["-m", "600", path] }).output();
  if (!out.success) throw new Error(`mkfifo ${path}: ${new TextDecoder().decode(out.stderr)}`);
}

/**
 * Adds the log fifos of another task of the same allocation
 * (`alloc/logs/.<task>.std{out,err}.fifo`) and starts reading them.
 */
export async function addTaskFifos(
  allocDir: string,
  taskName: string,
): Promise<{ stdout: FifoReader; stderr: FifoReader }> {
  const base = `${allocDir}/alloc/logs/.${taskName}`;
  await mkfifo(`${base}.stdout.fifo`);
  await mkfifo(`${base}.stderr.fifo`);
  return {
    stdout: new FifoReader(`${base}.stdout.fifo`),
    stderr: new FifoReader(`${base}.stderr.fifo`),
  };
}

/**
 * Builds `<root>/<alloc>/alloc/{logs,tmp,data}` and `<task>/{local,secrets,private,tmp}`,
 * creates the two fifos and starts reading them (unless `logging` is false).
 */
export async function makeAllocDir(
  taskName: string,
  options: { allocId?: string; root?: string; logging?: boolean } = {},
): Promise<AllocDir> {
  const allocId = options.allocId ?? newAllocId();
  let root = options.root;
  if (root === undefined) {
    // Under the test profile's data_dir; traversable like Nomad's (0755), so rootless
    // containers reach their binds.
    ensureTestDirs();
    root = Deno.makeTempDirSync({ dir: ALLOC_ROOT, prefix: "ndp-alloc-" });
    Deno.chmodSync(root, 0o755);
  }
  const rootDir: string = root;
  const allocDir = `${rootDir}/${allocId}`;
  for (const d of ["alloc/logs", "alloc/tmp", "alloc/data"]) {
    Deno.mkdirSync(`${allocDir}/${d}`, { recursive: true });
  }
  const taskDir = `${allocDir}/${taskName}`;
  for (const d of ["local", "secrets", "private", "tmp"]) {
    Deno.mkdirSync(`${taskDir}/${d}`, { recursive: true });
  }
  Deno.chmodSync(`${allocDir}/alloc`, 0o777);
  let stdoutPath = "/dev/null";
  let stderrPath = "/dev/null";
  let stdout: FifoReader | undefined;
  let stderr: FifoReader | undefined;
  if (options.logging !== false) {
    stdoutPath = `${allocDir}/alloc/logs/.${taskName}.stdout.fifo`;
    stderrPath = `${allocDir}/alloc/logs/.${taskName}.stderr.fifo`;
    await mkfifo(stdoutPath);
    await mkfifo(stderrPath);
    stdout = new FifoReader(stdoutPath);
    stderr = new FifoReader(stderrPath);
  }
  return {
    allocId,
    allocDir,
    taskName,
    taskDir,
    stdoutPath,
    stderrPath,
    stdout,
    stderr,
    async cleanup() {
      await stdout?.close();
      await stderr?.close();
      try {
        Deno.removeSync(rootDir, { recursive: true });
      } catch { /* already gone */ }
    },
  };
}
