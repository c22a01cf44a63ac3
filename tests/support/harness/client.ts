/**
 * A Nomad-client emulator: typed calls for every Base and Driver RPC over the
 * plugin's unix socket, with the plugin's own schemas used to encode config.
 *
 * @module
 */
import * as grpc from "@grpc/grpc-js";
import {
  bidiStreamCall,
  loadProtoRoot,
  lookupService,
  methodDefinition,
  type ProtoMessage,
  serverStreamCall,
  unaryCall,
} from "../../../src/grpc/proto_root.ts";
import type { Spec } from "../../../src/hclspec/mod.ts";
import { encodeHclConfig } from "./hcl_encode.ts";

const BASE = "hashicorp.nomad.plugins.base.proto.BasePlugin";
const DRIVER = "hashicorp.nomad.plugins.drivers.proto.Driver";

/** A server stream read as an async queue. */
export class StreamReader<T = ProtoMessage> {
  readonly call: grpc.ClientReadableStream<ProtoMessage>;
  readonly messages: T[] = [];
  #waiters: Array<() => void> = [];
  #ended = false;
  error: grpc.ServiceError | undefined;

  constructor(call: grpc.ClientReadableStream<ProtoMessage>) {
    this.call = call;
    call.on("data", (m: ProtoMessage) => {
      this.messages.push(m as T);
      this.#wake();
    });
    call.on("error", (e: grpc.ServiceError) => {
      this.error = e;
      this.#ended = true;
      this.#wake();
    });
    call.on("end", () => {
      this.#ended = true;
      this.#wake();
    });
  }

  #wake() {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Waits for a message (after index `from`) matching `pred`, up to `timeoutMs`. */
  async waitFor(pred: (m: T) => boolean, timeoutMs: number, from = 0): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let i = from;
    while (true) {
      for (; i < this.messages.length; i++) if (pred(this.messages[i]!)) return this.messages[i]!;
      if (this.#ended) {
        throw new Error(
          `stream ended without a matching message (${this.error?.message ?? "eof"})`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching stream message within ${timeoutMs} ms`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((r) => {
        this.#waiters.push(r);
        timer = setTimeout(r, left);
      });
      clearTimeout(timer);
    }
  }

  /** Waits until the stream ends, up to `timeoutMs`; true when it ended. */
  async waitEnd(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#ended && Date.now() < deadline) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((r) => {
        this.#waiters.push(r);
        timer = setTimeout(r, deadline - Date.now());
      });
      clearTimeout(timer);
    }
    return this.#ended;
  }

  cancel(): void {
    this.call.cancel();
  }
}

/** A gRPC connection to a plugin socket, with typed helpers. */
export class NomadClient {
  readonly socketPath: string;
  readonly #client: grpc.Client;
  #taskSpec: Spec | undefined;

  constructor(socketPath: string) {
    this.socketPath = socketPath;
    loadProtoRoot();
    this.#client = new grpc.Client(`unix://${socketPath}`, grpc.credentials.createInsecure(), {
      "grpc.max_receive_message_length": 2 ** 31 - 1,
    });
  }

  close(): void {
    this.#client.close();
  }

  /** A unary call on any service by full name. */
  unary(
    service: string,
    method: string,
    req: ProtoMessage = {},
    deadlineMs?: number,
  ): Promise<ProtoMessage> {
    const m = lookupService(service).methods[method];
    if (!m) throw new Error(`no method ${service}/${method}`);
    const options: grpc.CallOptions = deadlineMs ? { deadline: Date.now() + deadlineMs } : {};
    return unaryCall(this.#client, methodDefinition(m), req, options);
  }

  /** A server-streaming call on any service. */
  serverStream(service: string, method: string, req: ProtoMessage = {}): StreamReader {
    const m = lookupService(service).methods[method];
    if (!m) throw new Error(`no method ${service}/${method}`);
    return new StreamReader(serverStreamCall(this.#client, methodDefinition(m), req));
  }

  /** A bidi call on the Driver service. */
  bidi(method: string): grpc.ClientDuplexStream<ProtoMessage, ProtoMessage> {
    const m = lookupService(DRIVER).methods[method];
    if (!m) throw new Error(`no method ${method}`);
    return bidiStreamCall(this.#client, methodDefinition(m));
  }

  // ---- go-plugin services

  async health(service = "plugin"): Promise<number> {
    const r = await this.unary("grpc.health.v1.Health", "Check", { service }, 5000);
    return Number(r.status);
  }

  async controllerShutdown(): Promise<void> {
    await this.unary("plugin.GRPCController", "Shutdown", {}, 5000);
  }

  // ---- BasePlugin

  pluginInfo(): Promise<ProtoMessage> {
    return this.unary(BASE, "PluginInfo", {});
  }

  async configSchema(): Promise<Spec> {
    return (await this.unary(BASE, "ConfigSchema", {})).spec as Spec;
  }

  /** SetConfig from the contents of a plugin `config { ... }` block, encoded as Nomad would. */
  async setConfigHcl(
    hclBody: string,
    nomadConfig: ProtoMessage | null = defaultNomadConfig(),
  ): Promise<void> {
    const spec = await this.configSchema();
    const bytes = await encodeHclConfig(hclBody, spec);
    await this.setConfigBytes(bytes, nomadConfig);
  }

  async setConfigBytes(
    bytes: Uint8Array,
    nomadConfig: ProtoMessage | null = defaultNomadConfig(),
  ): Promise<void> {
    await this.unary(BASE, "SetConfig", {
      msgpack_config: bytes,
      plugin_api_version: "0.1.0",
      ...(nomadConfig ? { nomad_config: nomadConfig } : {}),
    });
  }

  // ---- Driver

  async taskConfigSchema(): Promise<Spec> {
    this.#taskSpec ??= (await this.unary(DRIVER, "TaskConfigSchema", {})).spec as Spec;
    return this.#taskSpec;
  }

  async capabilities(): Promise<ProtoMessage> {
    return (await this.unary(DRIVER, "Capabilities", {})).capabilities as ProtoMessage;
  }

  fingerprint(): StreamReader {
    return this.serverStream(DRIVER, "Fingerprint", {});
  }

  taskEvents(): StreamReader {
    return this.serverStream(DRIVER, "TaskEvents", {});
  }

  /** Encodes a task's `config { ... }` body with the plugin's TaskConfigSchema. */
  async encodeTaskConfig(
    hclBody: string,
    variables: Record<string, string> = {},
  ): Promise<Uint8Array> {
    return await encodeHclConfig(hclBody, await this.taskConfigSchema(), { variables });
  }

  startTask(task: ProtoMessage): Promise<ProtoMessage> {
    return this.unary(DRIVER, "StartTask", { task });
  }

  recoverTask(handle: ProtoMessage): Promise<ProtoMessage> {
    return this.unary(DRIVER, "RecoverTask", { handle });
  }

  async waitTask(taskId: string, deadlineMs?: number): Promise<ProtoMessage> {
    return await this.unary(DRIVER, "WaitTask", { task_id: taskId }, deadlineMs);
  }

  stopTask(taskId: string, timeoutMs: number, signal = ""): Promise<ProtoMessage> {
    return this.unary(DRIVER, "StopTask", {
      task_id: taskId,
      timeout: { seconds: Math.floor(timeoutMs / 1000), nanos: (timeoutMs % 1000) * 1e6 },
      signal,
    });
  }

  destroyTask(taskId: string, force = true): Promise<ProtoMessage> {
    return this.unary(DRIVER, "DestroyTask", { task_id: taskId, force });
  }

  inspectTask(taskId: string): Promise<ProtoMessage> {
    return this.unary(DRIVER, "InspectTask", { task_id: taskId });
  }

  taskStats(taskId: string, intervalMs: number): StreamReader {
    return this.serverStream(DRIVER, "TaskStats", {
      task_id: taskId,
      collection_interval: {
        seconds: Math.floor(intervalMs / 1000),
        nanos: (intervalMs % 1000) * 1e6,
      },
    });
  }

  signalTask(taskId: string, signal: string): Promise<ProtoMessage> {
    return this.unary(DRIVER, "SignalTask", { task_id: taskId, signal });
  }

  execTask(taskId: string, command: string[], timeoutMs: number): Promise<ProtoMessage> {
    return this.unary(DRIVER, "ExecTask", {
      task_id: taskId,
      command,
      timeout: { seconds: Math.floor(timeoutMs / 1000), nanos: (timeoutMs % 1000) * 1e6 },
    });
  }

  driverShutdown(): Promise<ProtoMessage> {
    return this.unary(DRIVER, "Shutdown", {}, 2000);
  }
}

/** The `nomad_config` a driver-manager SetConfig carries. */
export function defaultNomadConfig(): ProtoMessage {
  return {
    driver: {
      ClientMinPort: 14000,
      ClientMaxPort: 14512,
      Topology: {
        node_ids: [0],
        cores: [
          {
            socket_id: 0,
            node_id: 0,
            core_id: 0,
            core_grade: 0,
            base_speed: 2000,
            max_speed: 2000,
          },
          {
            socket_id: 0,
            node_id: 0,
            core_id: 1,
            core_grade: 0,
            base_speed: 2000,
            max_speed: 2000,
          },
        ],
      },
    },
  };
}
