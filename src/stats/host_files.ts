/**
 * Reads host files under /proc and /sys.
 *
 * Deno grants /proc and /sys only with --allow-all, which the plugin does not
 * get. The plugin may run `grep` (deno.json `permissions.plugin.run`), which
 * can read nothing the plugin's `read` permission does not already cover, so
 * those files are read through one `grep -H --null -z "" FILE...` per batch:
 * reads requested in the same tick share one process. `-z` makes a whole file
 * one record, so the output is `path NUL content NUL` per file: the path is
 * written once per file, not once per line (the parent's cost is the bytes it
 * reads back). Files holding NUL bytes (`cmdline`, `environ`) are not for
 * this reader.
 *
 * Periodic readers that can wait for the next batch (the OOM sampler) ride
 * along ({@link BatchedHostReader.ride}): their reads join whatever batch is
 * spawned next, so the stats poll and the OOM sample cost one process a
 * second between them, not two.
 *
 * @module
 */

/** Reads a file, `undefined` when missing or unreadable (or empty, under /proc and /sys). */
export type ReadFile = (path: string) => Promise<string | undefined>;

/** Something whose reads may ride along with the next batch. */
export interface BatchRides {
  /**
   * Calls `rider` just before each batch is spawned; the reads it makes then
   * join that batch. Returns the function that stops the rides.
   */
  ride(rider: () => void): () => void;
}

const GATED = /^\/(proc|sys)\//;
const decoder = new TextDecoder();

/**
 * Parses `grep -H --null -z "" FILE...` output into file → text. A NUL inside
 * a file (not expected of the files read here) stays part of its text: a
 * token counts as a path only where a path is due and it is one of `asked`.
 */
export function parseGrepOutput(out: Uint8Array, asked: ReadonlySet<string>): Map<string, string> {
  const files = new Map<string, string>();
  let start = 0;
  let current: string | undefined;
  let expectPath = true;
  while (start < out.length) {
    let nul = out.indexOf(0, start);
    if (nul < 0) nul = out.length;
    const token = decoder.decode(out.subarray(start, nul));
    start = nul + 1;
    if (expectPath && asked.has(token)) {
      current = token;
      files.set(token, "");
      expectPath = false;
    } else if (current !== undefined) {
      const before = files.get(current)!;
      files.set(current, expectPath ? `${before}\0${token}` : token);
      expectPath = true;
    }
  }
  return files;
}

/** Collects reads made in the same tick and serves them with one grep. */
export class BatchedHostReader implements BatchRides {
  #pending = new Map<string, Array<(text: string | undefined) => void>>();
  #scheduled = false;
  readonly #riders = new Set<() => void>();
  /** Processes spawned so far (for tests and benchmarks). */
  spawns = 0;

  read: ReadFile = (path) => {
    if (!GATED.test(path)) return readDirect(path);
    return new Promise((resolve) => {
      const waiters = this.#pending.get(path) ?? [];
      waiters.push(resolve);
      this.#pending.set(path, waiters);
      if (!this.#scheduled) {
        this.#scheduled = true;
        setTimeout(() => void this.#flush(), 0);
      }
    });
  };

  ride(rider: () => void): () => void {
    // A function object per call: the same function may ride twice and stop once.
    const entry = () => rider();
    this.#riders.add(entry);
    return () => void this.#riders.delete(entry);
  }

  async #flush(): Promise<void> {
    for (const rider of [...this.#riders]) {
      try {
        rider();
      } catch {
        // A rider's fault is its own; the batch still runs.
      }
    }
    const batch = this.#pending;
    this.#pending = new Map();
    this.#scheduled = false;
    let found = new Map<string, string>();
    try {
      this.spawns++;
      const out = await new Deno.Command("grep", {
        args: ["-H", "--null", "-z", "", "--", ...batch.keys()],
        stdin: "null",
        stdout: "piped",
        stderr: "null",
      }).output();
      found = parseGrepOutput(out.stdout, new Set(batch.keys()));
    } catch {
      // No grep or no permission: every read is "unreadable".
    }
    for (const [path, waiters] of batch) {
      const text = found.get(path) || undefined;
      for (const w of waiters) w(text);
    }
  }
}

async function readDirect(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return undefined;
  }
}

/** The plugin-wide reader. */
export const hostReader: BatchedHostReader = new BatchedHostReader();
