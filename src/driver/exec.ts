/**
 * ExecTask (script checks) and ExecTaskStreaming (`nomad alloc exec`) on
 * Podman exec sessions.
 *
 * @module
 */
import type { Logger } from "../plugin_log/mod.ts";
import type { ExecApi } from "../podman/mod.ts";
import { InvalidRequestError } from "./errors.ts";
import type { ExecResult, ExecSession, ExitResult } from "./types.ts";
import { errorMessage } from "../common/mod.ts";
import { sleep } from "../common/mod.ts";

/** Default cap of each captured stream of ExecTask. */
export const MAX_EXEC_OUTPUT = 4 * 1024 * 1024;
/** How long to wait for Podman to record the exit code after the output ended. */
const EXIT_CODE_WAIT_MS = 10_000;

/** ExecTask ran past its timeout; the connection was closed and the process abandoned. */
export class ExecTimeoutError extends Error {
  override name = "ExecTimeoutError";
  readonly timeoutMs: number;
  readonly command: string[];
  constructor(command: string[], timeoutMs: number) {
    super(`Exec of ${JSON.stringify(command)} did not finish within ${timeoutMs} ms (timeout)`);
    this.timeoutMs = timeoutMs;
    this.command = command;
  }
}

function checkCommand(command: string[]): void {
  if (command.length === 0 || command[0] === "") {
    throw new InvalidRequestError("command", "Exec needs a non-empty command");
  }
}

/** Reads a stream into at most `cap` bytes, draining (and dropping) the rest. */
export async function capture(
  stream: ReadableStream<Uint8Array>,
  cap: number,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    if (size >= cap) continue;
    const part = chunk.length > cap - size ? chunk.subarray(0, cap - size) : chunk;
    parts.push(part);
    size += part.length;
  }
  const out = new Uint8Array(size);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/**
 * Runs `command` in the container and captures stdout and stderr separately
 * (each capped at `maxOutput`). A `timeoutMs` of 0 means none.
 *
 * @throws {ExecTimeoutError} when the timeout passes first.
 */
export async function execOnce(
  exec: ExecApi,
  containerId: string,
  command: string[],
  timeoutMs: number,
  options: { maxOutput?: number } = {},
): Promise<ExecResult> {
  checkCommand(command);
  const cap = options.maxOutput ?? MAX_EXEC_OUTPUT;
  const ctl = new AbortController();
  const timer = timeoutMs > 0
    ? setTimeout(() => ctl.abort(new ExecTimeoutError(command, timeoutMs)), timeoutMs)
    : undefined;
  try {
    const execId = await exec.create(containerId, { cmd: command, signal: ctl.signal });
    const session = await exec.start(execId, { signal: ctl.signal });
    try {
      const [stdout, stderr] = await Promise.all([
        capture(session.stdout, cap),
        capture(session.stderr, cap),
        session.done,
      ]);
      const exitCode = await exec.waitExit(execId, {
        signal: ctl.signal,
        timeoutMs: EXIT_CODE_WAIT_MS,
      });
      return { stdout, stderr, exitCode };
    } finally {
      session.close();
    }
  } catch (err) {
    if (ctl.signal.aborted) throw ctl.signal.reason;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

async function resizeWithRetry(
  exec: ExecApi,
  execId: string,
  height: number,
  width: number,
  signal: AbortSignal,
): Promise<void> {
  // Right after start Podman may not yet count the session as running.
  for (let attempt = 0;; attempt++) {
    try {
      await exec.resize(execId, height, width, { signal });
      return;
    } catch (err) {
      if (attempt >= 5 || signal.aborted) throw err;
      await sleep(50 * (attempt + 1));
    }
  }
}

/** Copies a stream to a sink until it ends. */
async function pipeOut(
  stream: ReadableStream<Uint8Array>,
  write: (d: Uint8Array) => void,
): Promise<void> {
  for await (const chunk of stream) if (chunk.length > 0) write(chunk);
}

/**
 * Runs an interactive session: client stdin to the process, its output to the
 * client, resizes to the TTY; resolves with the exit code once it ends.
 */
export async function execInteractive(
  exec: ExecApi,
  containerId: string,
  session: ExecSession,
  logger: Logger,
): Promise<ExitResult> {
  checkCommand(session.command);
  const signal = session.signal;
  const execId = await exec.create(containerId, {
    cmd: session.command,
    tty: session.tty,
    attachStdin: true,
    attachStdout: true,
    attachStderr: true,
    signal,
  });
  const s = await exec.start(execId, { tty: session.tty, signal });
  const writer = s.stdin.getWriter();
  let outputEnded = false;
  const input = (async () => {
    for await (const i of session.input) {
      if (outputEnded) break;
      switch (i.kind) {
        case "stdin":
          await writer.write(i.data);
          break;
        case "stdin-close":
          await writer.close();
          break;
        case "resize":
          if (session.tty) await resizeWithRetry(exec, execId, i.height, i.width, signal);
          break;
      }
    }
  })();
  input.catch((err) => {
    if (!outputEnded && !signal.aborted) {
      logger.debug("exec input failed", {
        exec_id: execId,
        error: errorMessage(err),
      });
    }
  });
  try {
    await Promise.all([
      pipeOut(s.stdout, session.writeStdout),
      pipeOut(s.stderr, session.writeStderr),
      s.done,
    ]);
  } finally {
    outputEnded = true;
    s.close();
  }
  const exitCode = await exec.waitExit(execId, { signal, timeoutMs: EXIT_CODE_WAIT_MS });
  return { exitCode, signal: 0, oomKilled: false };
}
