/**
 * Reads host files under /proc and /sys.
 *
 * Deno grants /proc and /sys only with --allow-all, which the plugin does not
 * get. The plugin may run `grep` (deno.json `permissions.plugin.run`), which
 * can read nothing the plugin's `read` permission does not already cover, so
 * those files are read through one `grep -H --null "" FILE...` per batch:
 * reads requested in the same tick share one process.
 *
 * @module
 */

/** Reads a file, `undefined` when missing or unreadable. */
export type ReadFile = (path: string) => Promise<string | undefined>;

const GATED = /^\/(proc|sys)\//;
const decoder = new TextDecoder();

/** Parses `grep -H --null "" FILE...` output into file → text. */
export function parseGrepOutput(out: Uint8Array): Map<string, string> {
  const files = new Map<string, string[]>();
  let start = 0;
  while (start < out.length) {
    const nul = out.indexOf(0, start);
    if (nul < 0) break;
    const path = decoder.decode(out.subarray(start, nul));
    let nl = out.indexOf(10, nul + 1);
    if (nl < 0) nl = out.length;
    const line = decoder.decode(out.subarray(nul + 1, nl));
    const lines = files.get(path) ?? [];
    lines.push(line);
    files.set(path, lines);
    start = nl + 1;
  }
  return new Map([...files].map(([p, lines]) => [p, lines.join("\n") + "\n"]));
}

/** Collects reads made in the same tick and serves them with one grep. */
export class BatchedHostReader {
  #pending = new Map<string, Array<(text: string | undefined) => void>>();
  #scheduled = false;
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

  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = new Map();
    this.#scheduled = false;
    let found = new Map<string, string>();
    try {
      this.spawns++;
      const out = await new Deno.Command("grep", {
        args: ["-H", "--null", "", "--", ...batch.keys()],
        stdin: "null",
        stdout: "piped",
        stderr: "null",
      }).output();
      found = parseGrepOutput(out.stdout);
    } catch {
      // No grep or no permission: every read is "unreadable".
    }
    for (const [path, waiters] of batch) for (const w of waiters) w(found.get(path));
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
