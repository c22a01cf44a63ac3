/**
 * Starts the plugin as a child process the way Nomad's go-plugin client does,
 * and reads its handshake line.
 *
 * @module
 */
import { ensureTestDirs, PLUGIN_LAUNCHER, PLUGIN_SOCKET_DIR, TEST_PROFILE } from "./env.ts";

export const MAGIC_COOKIE_KEY = "NOMAD_PLUGIN_MAGIC_COOKIE";
export const MAGIC_COOKIE_VALUE =
  "e4327c2e01eabfd75a8a67adb114fb34a757d57eee7728d857a8cec6e91a7255";

/** Options for {@link spawnPlugin}. */
export interface SpawnOptions {
  /** Extra environment (merged over this process's environment). */
  env?: Record<string, string>;
  /** Leave the magic cookie out. */
  noCookie?: boolean;
  /** Command to run (default: the launcher). */
  command?: string[];
  /** Handshake deadline. @default 60000 (go-plugin's is 1 minute) */
  handshakeTimeoutMs?: number;
}

/** A running plugin process. */
export class PluginProcess {
  readonly child: Deno.ChildProcess;
  readonly socketPath: string;
  readonly handshake: string;
  /** Every stderr line so far. */
  readonly stderrLines: string[];
  /** Every stdout line after the handshake. */
  readonly stdoutLines: string[];
  readonly exited: Promise<Deno.CommandStatus>;
  #exitedFlag = false;

  constructor(init: {
    child: Deno.ChildProcess;
    socketPath: string;
    handshake: string;
    stderrLines: string[];
    stdoutLines: string[];
    pumps: Promise<unknown>;
  }) {
    this.child = init.child;
    this.socketPath = init.socketPath;
    this.handshake = init.handshake;
    this.stderrLines = init.stderrLines;
    this.stdoutLines = init.stdoutLines;
    this.exited = Promise.all([init.child.status, init.pumps]).then(([s]) => {
      this.#exitedFlag = true;
      return s;
    });
  }

  get hasExited(): boolean {
    return this.#exitedFlag;
  }

  get pid(): number {
    return this.child.pid;
  }

  /** Sends a signal; ignores a process that is already gone. */
  kill(signal: Deno.Signal = "SIGTERM"): void {
    try {
      this.child.kill(signal);
    } catch { /* gone */ }
  }

  /** Waits for exit up to `ms`; returns the status or undefined on timeout. */
  async waitExit(ms: number): Promise<Deno.CommandStatus | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)));
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills hard if needed and waits for the pipes to drain. */
  async stop(): Promise<void> {
    if (!this.#exitedFlag) {
      this.kill("SIGTERM");
      if (!(await this.waitExit(3000))) this.kill("SIGKILL");
    }
    await this.exited;
  }
}

async function pumpLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  const reader = stream.pipeThrough(
    new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>,
  ).getReader();
  let buf = "";
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        onLine(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    }
  } catch { /* pipe closed */ }
  if (buf) onLine(buf);
}

/** Runs a plugin command to completion (no handshake expected), e.g. without the cookie. */
export async function runPluginCommand(options: SpawnOptions = {}): Promise<Deno.CommandOutput> {
  const [cmd, ...args] = options.command ?? [PLUGIN_LAUNCHER];
  const env: Record<string, string> = {
    ...Deno.env.toObject(),
    NOMAD_DRIVER_PODMAN_PROFILE: TEST_PROFILE,
    ...options.env,
  };
  if (options.noCookie) delete env[MAGIC_COOKIE_KEY];
  else env[MAGIC_COOKIE_KEY] = MAGIC_COOKIE_VALUE;
  return await new Deno.Command(cmd!, { args, env, clearEnv: true, stdin: "null" }).output();
}

/**
 * Spawns the plugin with Nomad's environment and waits for the handshake line:
 * `1|2|unix|<path>|grpc|`.
 */
export async function spawnPlugin(options: SpawnOptions = {}): Promise<PluginProcess> {
  const [cmd, ...args] = options.command ?? [PLUGIN_LAUNCHER];
  ensureTestDirs();
  const env: Record<string, string> = {
    ...Deno.env.toObject(),
    // The plugin runs under the test deployment profile (scoped permissions, never -A).
    NOMAD_DRIVER_PODMAN_PROFILE: TEST_PROFILE,
    PLUGIN_UNIX_SOCKET_DIR: PLUGIN_SOCKET_DIR,
    PLUGIN_PROTOCOL_VERSIONS: "2",
    PLUGIN_MIN_PORT: "10000",
    PLUGIN_MAX_PORT: "25000",
    ...options.env,
  };
  if (options.noCookie) delete env[MAGIC_COOKIE_KEY];
  else env[MAGIC_COOKIE_KEY] = MAGIC_COOKIE_VALUE;
  const child = new Deno.Command(cmd!, {
    args,
    env,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderrLines: string[] = [];
  const stdoutLines: string[] = [];
  let handshake: string | undefined;
  let gotHandshake!: (line: string) => void;
  const handshakeLine = new Promise<string>((r) => (gotHandshake = r));
  const pumps = Promise.all([
    pumpLines(child.stdout, (line) => {
      if (handshake === undefined) {
        handshake = line;
        gotHandshake(line);
      } else stdoutLines.push(line);
    }),
    pumpLines(child.stderr, (line) => stderrLines.push(line)),
  ]);
  const timeoutMs = options.handshakeTimeoutMs ?? 60_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const line = await Promise.race([
    handshakeLine,
    child.status.then((s) => {
      throw new Error(
        `plugin exited with code ${s.code} before the handshake; stderr:\n${
          stderrLines.join("\n")
        }`,
      );
    }),
    new Promise<never>((_r, rej) =>
      timer = setTimeout(() => rej(new Error("no handshake within the deadline")), timeoutMs)
    ),
  ]).finally(() => clearTimeout(timer));
  const parts = line.trim().split("|");
  if (
    parts.length < 5 || parts[0] !== "1" || parts[1] !== "2" || parts[2] !== "unix" ||
    parts[4] !== "grpc"
  ) {
    child.kill("SIGKILL");
    throw new Error(`unexpected handshake line: ${JSON.stringify(line)}`);
  }
  return new PluginProcess({
    child,
    socketPath: parts[3]!,
    handshake: line,
    stderrLines,
    stdoutLines,
    pumps,
  });
}
