/**
 * Drives `run-job` as a separate process, the way a user runs
 * `deno task run-job`: its stdout and stderr lines collected (and optionally
 * echoed), waits for status lines, signals. Used by the demo and the tests.
 *
 * @module
 */
import { REPO_ROOT } from "../../tests/support/harness/env.ts";

/** A running `run-job` process. */
export class RunJob {
  readonly child: Deno.ChildProcess;
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly status: Promise<Deno.CommandStatus>;
  readonly #pumps: Promise<unknown>;

  /** `onLine` sees every line as it comes (e.g. to echo it). */
  constructor(args: string[], onLine?: (line: string, stderr: boolean) => void) {
    this.child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-P=test",
        "--no-prompt",
        `${REPO_ROOT}/scripts/run_job/main.ts`,
        ...args,
      ],
      cwd: REPO_ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#pumps = Promise.all([
      pump(this.child.stdout, this.stdout, (l) => onLine?.(l, false)),
      pump(this.child.stderr, this.stderr, (l) => onLine?.(l, true)),
    ]);
    this.status = Promise.all([this.child.status, this.#pumps]).then(([s]) => s);
  }

  /** Waits for a stdout (or with `stderr`, any) line matching `re`; returns its match. */
  async line(re: RegExp, timeoutMs = 60_000, stderr = false): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    this.status.then(() => (exited = true));
    while (Date.now() < deadline) {
      for (const l of stderr ? [...this.stdout, ...this.stderr] : this.stdout) {
        const m = l.match(re);
        if (m) return m;
      }
      if (exited) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no stdout line matching ${re}; output:\n${this.output()}`);
  }

  /** Host port of a port line `<group>.<label> 127.0.0.1:<port> -> <to>`. */
  async port(groupLabel: string, to: number): Promise<number> {
    const esc = groupLabel.replace(/\./g, "\\.");
    const m = await this.line(new RegExp(`port ${esc} 127\\.0\\.0\\.1:(\\d+) -> ${to}$`));
    return Number(m[1]);
  }

  /** The alloc ids the runner printed. */
  allocIds(): string[] {
    return this.stdout.flatMap((l) => l.match(/\] group \S+: alloc ([0-9a-f-]{36})$/)?.[1] ?? []);
  }

  output(): string {
    return `--- stdout\n${this.stdout.join("\n")}\n--- stderr\n${this.stderr.join("\n")}`;
  }

  /** Sends a signal and waits for the exit. */
  async stop(signal: Deno.Signal = "SIGINT"): Promise<Deno.CommandStatus> {
    try {
      this.child.kill(signal);
    } catch { /* exited */ }
    return await this.status;
  }
}

async function pump(
  stream: ReadableStream<Uint8Array>,
  into: string[],
  onLine: (line: string) => void,
): Promise<void> {
  let buf = "";
  const dec = new TextDecoder();
  for await (const chunk of stream) {
    buf += dec.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl);
      into.push(line);
      onLine(line);
      buf = buf.slice(nl + 1);
    }
  }
  if (buf) {
    into.push(buf);
    onLine(buf);
  }
}
