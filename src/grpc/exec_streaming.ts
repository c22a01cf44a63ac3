/**
 * ExecTaskStreaming: turns the bidirectional gRPC stream into an
 * {@link ExecSession} for the driver core.
 *
 * @module
 */
import type * as grpc from "@grpc/grpc-js";
import type { ProtoMessage } from "./proto_root.ts";
import { toGrpcError } from "./status.ts";
import type { PodmanDriver } from "../driver/mod.ts";
import type { ExecInput } from "../driver/mod.ts";
import type { Logger } from "../plugin_log/mod.ts";
import { InvalidRequestError } from "../driver/mod.ts";
import { errorMessage } from "../common/mod.ts";

type Duplex = grpc.ServerDuplexStream<ProtoMessage, ProtoMessage>;

function obj(v: unknown): ProtoMessage | undefined {
  return v !== null && typeof v === "object" ? v as ProtoMessage : undefined;
}

/** Reads the client side of the stream as setup + a queue of inputs. */
function readInputs(call: Duplex, signal: AbortSignal) {
  const queue: ExecInput[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  let setupResolve!: (m: ProtoMessage) => void;
  let setupReject!: (e: unknown) => void;
  const setup = new Promise<ProtoMessage>((res, rej) => {
    setupResolve = res;
    setupReject = rej;
  });
  let gotSetup = false;
  const push = (i?: ExecInput) => {
    if (i) queue.push(i);
    wake?.();
  };
  call.on("data", (msg: ProtoMessage) => {
    const s = obj(msg.setup);
    if (s && !gotSetup) {
      gotSetup = true;
      setupResolve(s);
    }
    const stdin = obj(msg.stdin);
    if (stdin) {
      const data = stdin.data;
      if (data instanceof Uint8Array && data.length > 0) push({ kind: "stdin", data });
      if (stdin.close === true) push({ kind: "stdin-close" });
    }
    const size = obj(msg.tty_size);
    if (size) {
      push({ kind: "resize", height: Number(size.height ?? 0), width: Number(size.width ?? 0) });
    }
  });
  const end = () => {
    ended = true;
    if (!gotSetup) {
      setupReject(new InvalidRequestError("setup", "The exec stream ended before setup"));
    }
    push();
  };
  call.on("end", end);
  signal.addEventListener("abort", end);
  async function* input(): AsyncGenerator<ExecInput> {
    while (true) {
      while (queue.length > 0) yield queue.shift()!;
      if (ended) return;
      await new Promise<void>((r) => (wake = r));
      wake = undefined;
    }
  }
  return { setup, input: input() };
}

/** Serves one ExecTaskStreaming call. */
export function serveExecStreaming(driver: PodmanDriver, call: Duplex, logger: Logger): void {
  const ctl = new AbortController();
  call.on("cancelled", () => ctl.abort());
  call.on("error", () => ctl.abort());
  const { setup, input } = readInputs(call, ctl.signal);
  const write = (msg: ProtoMessage) => {
    if (!ctl.signal.aborted) call.write(msg);
  };
  (async () => {
    const s = await setup;
    const command = Array.isArray(s.command) ? s.command.map(String) : [];
    const result = await driver.execStreaming({
      taskId: String(s.task_id ?? ""),
      command,
      tty: s.tty === true,
      input,
      writeStdout: (data) => write({ stdout: { data } }),
      writeStderr: (data) => write({ stderr: { data } }),
      signal: ctl.signal,
    });
    write({ stdout: { close: true } });
    write({ stderr: { close: true } });
    write({
      exited: true,
      result: { exit_code: result.exitCode, signal: result.signal, oom_killed: false },
    });
    if (!ctl.signal.aborted) call.end();
  })().catch((err) => {
    logger.debug("exec stream failed", { error: errorMessage(err) });
    if (!ctl.signal.aborted) call.emit("error", toGrpcError(err));
  });
}
