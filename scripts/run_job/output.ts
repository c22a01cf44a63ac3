/**
 * What run-job prints: `[run-job] …` status lines on stdout, and every task's
 * log lines (read from its Nomad log fifos) prefixed with the task name —
 * stdout lines on stdout, stderr lines on stderr.
 *
 * @module
 */
import type { FifoReader } from "../../tests/support/harness/mod.ts";

const encoder = new TextEncoder();

function writeAll(stream: { writeSync(p: Uint8Array): number }, text: string): void {
  const bytes = encoder.encode(text);
  let off = 0;
  while (off < bytes.length) {
    try {
      off += stream.writeSync(bytes.subarray(off));
    } catch {
      return;
    }
  }
}

/** A status line: `[run-job] <text>`. */
export function status(text: string): void {
  writeAll(Deno.stdout, `[run-job] ${text}\n`);
}

/** A warning line on stderr. */
export function warn(text: string): void {
  writeAll(Deno.stderr, `[run-job] warning: ${text}\n`);
}

/** An error line on stderr. */
export function error(text: string): void {
  writeAll(Deno.stderr, `[run-job] error: ${text}\n`);
}

/** A k8s-file log line (`<time> <stream> <F|P> <text>`): what the `nomad` log driver writes. */
const K8S_FILE = /^\S+ (stdout|stderr) (F|P) ?(.*)$/;

/**
 * Streams what a {@link FifoReader} collects as prefixed lines, and drops
 * the printed chunks so a long run does not keep its whole log in memory.
 * Lines in Podman's k8s-file format (the `nomad` log driver writes them, with
 * stdout and stderr in one fifo) are unwrapped and go to their own stream.
 */
export class LogTail {
  readonly #reader: FifoReader;
  readonly #prefix: string;
  readonly #out: { writeSync(p: Uint8Array): number };
  readonly #decoder = new TextDecoder();
  #partial = "";
  /** Text of k8s-file partial (`P`) records waiting for their final record. */
  #k8sPartial: Record<string, string> = { stdout: "", stderr: "" };
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(reader: FifoReader, prefix: string, toStderr: boolean) {
    this.#reader = reader;
    this.#prefix = prefix;
    this.#out = toStderr ? Deno.stderr : Deno.stdout;
    this.#timer = setInterval(() => this.#pump(), 100);
  }

  #pump(final = false): void {
    const chunks = this.#reader.chunks.splice(0);
    let text = this.#partial;
    for (const c of chunks) text += this.#decoder.decode(c, { stream: true });
    const lines = text.split("\n");
    this.#partial = lines.pop() ?? "";
    if (final && this.#partial !== "") {
      lines.push(this.#partial);
      this.#partial = "";
    }
    let out = "";
    let err = "";
    for (const line of lines) {
      const m = K8S_FILE.exec(line);
      if (!m) {
        out += `${this.#prefix} | ${line}\n`;
        continue;
      }
      const [, stream, tag, text] = m as unknown as [string, "stdout" | "stderr", string, string];
      if (tag === "P") {
        this.#k8sPartial[stream] += text;
        continue;
      }
      const full = `${this.#prefix} | ${this.#k8sPartial[stream]}${text}\n`;
      this.#k8sPartial[stream] = "";
      if (stream === "stderr") err += full;
      else out += full;
    }
    if (final) {
      // A last record without a newline stays partial (P) for good.
      for (const stream of ["stdout", "stderr"] as const) {
        if (this.#k8sPartial[stream] === "") continue;
        const text = `${this.#prefix} | ${this.#k8sPartial[stream]}\n`;
        this.#k8sPartial[stream] = "";
        if (stream === "stderr") err += text;
        else out += text;
      }
    }
    if (out !== "") writeAll(this.#out, out);
    if (err !== "") writeAll(Deno.stderr, err);
  }

  /** Prints what is left and stops. */
  flush(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#pump(true);
  }
}

/** Human-readable bytes. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Prints the plugin's warn and error log lines (hclog JSON on its stderr) as they come. */
export class PluginLogTail {
  readonly #lines: string[];
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(lines: string[]) {
    this.#lines = lines;
    this.#timer = setInterval(() => this.#pump(), 200);
  }

  #pump(): void {
    for (const line of this.#lines.splice(0)) {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line);
      } catch {
        if (line.trim() !== "") writeAll(Deno.stderr, `[plugin] ${line}\n`);
        continue;
      }
      const level = String(entry["@level"] ?? "");
      if (level !== "warn" && level !== "error") continue;
      const extra = Object.entries(entry)
        .filter(([k]) => !k.startsWith("@"))
        .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
        .join(" ");
      writeAll(Deno.stderr, `[plugin] ${level}: ${String(entry["@message"])} ${extra}\n`);
    }
  }

  flush(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#pump();
  }
}
