/**
 * hashicorp.nomad.plugins.drivers.proto.Driver: translation between protobuf
 * messages and the driver core. No driver logic lives here.
 *
 * @module
 */
import * as grpc from "@grpc/grpc-js";
import type { ProtoMessage } from "./proto_root.ts";
import { toGrpcError } from "./status.ts";
import { durationToMs, nomadTaskFromProto, timestampFromMs } from "./convert.ts";
import { decodeTaskConfig, TASK_CONFIG_SPEC } from "../config/mod.ts";
import { DRIVER_STATE_VERSION } from "../driver/mod.ts";
import type { PodmanDriver } from "../driver/mod.ts";
import type { FingerprintReport } from "../driver/mod.ts";
import type {
  DriverNetwork,
  ExitResult,
  StatsSample,
  TaskEvent,
  TaskState,
} from "../driver/mod.ts";
import type { Logger } from "../plugin_log/mod.ts";
import { InvalidRequestError } from "../driver/mod.ts";
import { serveExecStreaming } from "./exec_streaming.ts";
import { errorMessage } from "../common/mod.ts";

type Call = grpc.ServerUnaryCall<ProtoMessage, ProtoMessage>;
type Callback = grpc.sendUnaryData<ProtoMessage>;
type Stream = grpc.ServerWritableStream<ProtoMessage, ProtoMessage>;

const HEALTH = { undetected: 0, unhealthy: 1, healthy: 2 } as const;
const TASK_STATE: Record<TaskState, number> = { unknown: 0, running: 1, exited: 2 };
const CPU_FIELDS: Record<string, number> = {
  "System Mode": 0,
  "User Mode": 1,
  "Total Ticks": 2,
  "Throttled Periods": 3,
  "Throttled Time": 4,
  "Percent": 5,
};
const MEMORY_FIELDS: Record<string, number> = {
  "RSS": 0,
  "Cache": 1,
  "Max Usage": 2,
  "Kernel Usage": 3,
  "Kernel Max Usage": 4,
  "Usage": 5,
  "Swap": 6,
};

/** Runs an async unary handler, mapping thrown errors to gRPC statuses. */
function unary(
  logger: Logger,
  name: string,
  fn: (req: ProtoMessage, call: Call) => Promise<ProtoMessage>,
): (call: Call, callback: Callback) => void {
  return (call, callback) => {
    fn(call.request, call).then(
      (res) => callback(null, res),
      (err) => {
        logger.debug("rpc failed", {
          rpc: name,
          error: errorMessage(err),
        });
        callback(toGrpcError(err));
      },
    );
  };
}

/** Pipes an async iterable into a server stream until either side ends. */
function stream<T>(
  logger: Logger,
  name: string,
  source: (req: ProtoMessage, signal: AbortSignal) => AsyncIterable<T>,
  toProto: (item: T, req: ProtoMessage) => ProtoMessage,
): (call: Stream) => void {
  return (call) => {
    const ctl = new AbortController();
    call.on("cancelled", () => ctl.abort());
    call.on("close", () => ctl.abort());
    call.on("error", () => ctl.abort());
    (async () => {
      try {
        for await (const item of source(call.request, ctl.signal)) {
          if (ctl.signal.aborted) break;
          call.write(toProto(item, call.request));
        }
        if (!ctl.signal.aborted) call.end();
      } catch (err) {
        if (ctl.signal.aborted) return;
        logger.debug("stream failed", {
          rpc: name,
          error: errorMessage(err),
        });
        call.emit("error", toGrpcError(err));
      }
    })();
  };
}

function taskId(req: ProtoMessage): string {
  const id = typeof req.task_id === "string" ? req.task_id : "";
  if (!id) throw new InvalidRequestError("task_id", "The request has no task_id");
  return id;
}

function exitResultProto(r: ExitResult): ProtoMessage {
  return { exit_code: r.exitCode, signal: r.signal, oom_killed: r.oomKilled };
}

function networkProto(n: DriverNetwork | undefined): ProtoMessage | null {
  if (!n) return null;
  return { port_map: n.portMap, addr: n.ip, auto_advertise: n.autoAdvertise };
}

function fingerprintProto(r: FingerprintReport): ProtoMessage {
  const attributes: Record<string, ProtoMessage> = {};
  for (const [k, v] of Object.entries(r.attributes)) {
    if ("string" in v) attributes[k] = { string_val: v.string };
    else if ("bool" in v) attributes[k] = { bool_val: v.bool };
    else if ("int" in v) attributes[k] = { int_val: v.int };
    else attributes[k] = { float_val: v.float };
  }
  return { attributes, health: HEALTH[r.health], health_description: r.description };
}

function eventProto(e: TaskEvent): ProtoMessage {
  return {
    task_id: e.taskId,
    alloc_id: e.allocId,
    task_name: e.taskName,
    timestamp: timestampFromMs(e.timestampMs),
    message: e.message,
    annotations: e.annotations,
  };
}

function statsProto(id: string, s: StatsSample): ProtoMessage {
  return {
    stats: {
      id,
      timestamp: timestampFromMs(s.timestampMs),
      agg_resource_usage: {
        cpu: {
          system_mode: s.cpu.systemMode,
          user_mode: s.cpu.userMode,
          total_ticks: s.cpu.totalTicks,
          throttled_periods: s.cpu.throttledPeriods,
          throttled_time: s.cpu.throttledTime,
          percent: s.cpu.percent,
          measured_fields: s.cpu.measured.map((f) => CPU_FIELDS[f]).filter((f) => f !== undefined),
        },
        memory: {
          rss: s.memory.rss,
          cache: s.memory.cache,
          swap: s.memory.swap,
          usage: s.memory.usage,
          max_usage: s.memory.maxUsage,
          measured_fields: s.memory.measured.map((f) => MEMORY_FIELDS[f]).filter((f) =>
            f !== undefined
          ),
        },
      },
    },
  };
}

function bytesOf(v: unknown): Uint8Array {
  return v instanceof Uint8Array ? v : new Uint8Array();
}

/**
 * The Driver service implementation over a driver core.
 *
 * Longer than 60 lines on purpose: it is the table of the service's 14 RPCs,
 * each a few lines of proto ↔ driver translation; splitting it would scatter
 * the table, not simplify it.
 */
export function driverService(
  driver: PodmanDriver,
  logger: Logger,
): grpc.UntypedServiceImplementation {
  return {
    Init: unary(logger, "Init", () => Promise.resolve({})),
    TaskConfigSchema: unary(
      logger,
      "TaskConfigSchema",
      () => Promise.resolve({ spec: TASK_CONFIG_SPEC as unknown as ProtoMessage }),
    ),
    Capabilities: unary(logger, "Capabilities", () => {
      const c = driver.capabilities();
      return Promise.resolve({
        capabilities: {
          send_signals: c.sendSignals,
          exec: c.exec,
          fs_isolation: c.fsIsolation,
          network_isolation_modes: c.networkIsolationModes,
          must_create_network: c.mustCreateNetwork,
          mount_configs: c.mountConfigs,
          disable_log_collection: c.disableLogCollection,
          dynamic_workload_users: c.dynamicWorkloadUsers,
        },
      });
    }),
    Fingerprint: stream(
      logger,
      "Fingerprint",
      (_req, signal) => driver.fingerprint(signal),
      fingerprintProto,
    ),
    TaskEvents: stream(
      logger,
      "TaskEvents",
      (_req, signal) => driver.taskEvents(signal),
      eventProto,
    ),
    StartTask: unary(logger, "StartTask", async (req) => {
      const tc = (req.task ?? {}) as ProtoMessage;
      const task = nomadTaskFromProto(tc);
      const config = decodeTaskConfig(bytesOf(tc.msgpack_driver_config));
      const started = await driver.startTask(task, config);
      return {
        handle: {
          version: DRIVER_STATE_VERSION,
          config: tc,
          state: TASK_STATE.running,
          driver_state: started.driverState,
        },
        network_override: networkProto(started.network),
      };
    }),
    RecoverTask: unary(logger, "RecoverTask", async (req) => {
      const handle = (req.handle ?? {}) as ProtoMessage;
      const tc = (handle.config ?? {}) as ProtoMessage;
      const task = nomadTaskFromProto(tc);
      if (!task.id) {
        throw new InvalidRequestError("handle.config.id", "RecoverTask needs handle.config.id");
      }
      await driver.recoverTask(task, {
        version: Number(handle.version ?? 0),
        driverState: bytesOf(handle.driver_state),
      });
      return {};
    }),
    WaitTask: (call: Call, callback: Callback) => {
      const ctl = new AbortController();
      call.on("cancelled", () => ctl.abort());
      let id: string;
      try {
        id = taskId(call.request);
      } catch (err) {
        callback(toGrpcError(err));
        return;
      }
      driver.waitTask(id, ctl.signal).then(
        (r) => {
          if (ctl.signal.aborted) return;
          callback(null, { result: exitResultProto(r), err: r.err ?? "" });
        },
        (err) => {
          if (!ctl.signal.aborted) callback(toGrpcError(err));
        },
      );
    },
    StopTask: unary(logger, "StopTask", async (req) => {
      await driver.stopTask(taskId(req), {
        timeoutMs: durationToMs(req.timeout),
        signal: typeof req.signal === "string" ? req.signal : "",
      });
      return {};
    }),
    DestroyTask: unary(logger, "DestroyTask", async (req) => {
      await driver.destroyTask(taskId(req), req.force === true);
      return {};
    }),
    InspectTask: unary(logger, "InspectTask", async (req) => {
      const s = await driver.inspectTask(taskId(req));
      return {
        task: {
          id: s.id,
          name: s.name,
          state: TASK_STATE[s.state],
          started_at: timestampFromMs(s.startedAtMs),
          completed_at: timestampFromMs(s.completedAtMs),
          result: exitResultProto(s.exitResult),
        },
        driver: { attributes: s.attributes },
        network_override: networkProto(s.network),
      };
    }),
    TaskStats: stream(
      logger,
      "TaskStats",
      (req, signal) => {
        const id = taskId(req);
        const intervalMs = Math.max(durationToMs(req.collection_interval), 100);
        return driver.taskStats(id, intervalMs, signal);
      },
      (s: StatsSample, req) => statsProto(taskId(req), s),
    ),
    SignalTask: unary(logger, "SignalTask", async (req) => {
      await driver.signalTask(taskId(req), typeof req.signal === "string" ? req.signal : "");
      return {};
    }),
    ExecTask: unary(logger, "ExecTask", async (req) => {
      const command = Array.isArray(req.command) ? req.command.map(String) : [];
      const r = await driver.execTask(taskId(req), command, durationToMs(req.timeout));
      return {
        stdout: r.stdout,
        stderr: r.stderr,
        result: { exit_code: r.exitCode, signal: 0, oom_killed: false },
      };
    }),
    ExecTaskStreaming: (call: grpc.ServerDuplexStream<ProtoMessage, ProtoMessage>) => {
      serveExecStreaming(driver, call, logger);
    },
    CreateNetwork: (_call: Call, callback: Callback) =>
      callback({
        code: grpc.status.UNIMPLEMENTED,
        details: "The podman driver does not create networks",
      }),
    DestroyNetwork: (_call: Call, callback: Callback) =>
      callback({
        code: grpc.status.UNIMPLEMENTED,
        details: "The podman driver does not create networks",
      }),
    Shutdown: unary(logger, "Shutdown", () => Promise.resolve({})),
  };
}
