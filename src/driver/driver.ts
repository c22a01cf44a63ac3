/**
 * The driver core: configuration, Podman clients per socket, fingerprint,
 * task events, and the task lifecycle. Imports no gRPC or protobuf code.
 *
 * @module
 */
import type { PluginConfig, TaskConfig } from "../config/types.ts";
import type { Logger } from "../plugin_log/mod.ts";
import { PodmanClient } from "../podman/client.ts";
import { type Capabilities, capabilities } from "./about.ts";
import { NotConfiguredError } from "./errors.ts";
import { EventBus } from "./event_bus.ts";
import { type FingerprintReport, fingerprintStream, type HostFacts } from "./fingerprint.ts";
import { type LifecycleSocket, TaskLifecycle } from "./lifecycle.ts";
import { policyAttributes } from "./policy.ts";
import type { NomadTask } from "./task_request.ts";
import type {
  AgentConfig,
  ExecResult,
  ExecSession,
  ExitResult,
  StartTaskResult,
  StatsSample,
  TaskEvent,
  TaskStatusView,
} from "./types.ts";

/** The Podman driver. */
export class PodmanDriver {
  readonly #logger: Logger;
  readonly #events = new EventBus<TaskEvent>();
  #config: PluginConfig | undefined;
  #agent: AgentConfig | undefined;
  #sockets: LifecycleSocket[] = [];
  #lifecycle: TaskLifecycle | undefined;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Applies a plugin configuration (SetConfig may come several times). */
  configure(config: PluginConfig, agent: AgentConfig | undefined): void {
    const old = this.#sockets;
    this.#config = config;
    this.#agent = agent ?? this.#agent;
    this.#sockets = config.sockets.map((socket) => ({
      socket,
      client: new PodmanClient({
        socketPath: socket.socketPath,
        timeoutMs: config.clientHttpTimeoutMs,
        logger: this.#logger.named("podman"),
      }),
    }));
    if (this.#lifecycle) {
      this.#lifecycle.reconfigure(config, this.#sockets, this.#agent);
    } else {
      this.#lifecycle = new TaskLifecycle({
        config,
        sockets: this.#sockets,
        agent: this.#agent,
        logger: this.#logger,
        emit: (e) => this.#events.publish(e),
      });
    }
    for (const s of old) s.client.close();
  }

  get config(): PluginConfig {
    if (!this.#config) throw new NotConfiguredError();
    return this.#config;
  }

  #tasks(): TaskLifecycle {
    if (!this.#lifecycle) throw new NotConfiguredError();
    return this.#lifecycle;
  }

  capabilities(): Capabilities {
    return capabilities(this.#config?.disableLogCollection ?? false);
  }

  /** Facts of one socket (ping + info) under `signal`. */
  static async probe(client: PodmanClient, signal: AbortSignal): Promise<HostFacts> {
    const ping = await client.ping({ signal });
    const info = await client.info({ signal });
    return {
      apiVersion: ping.apiVersion,
      rootless: info.rootless,
      cgroupVersion: info.cgroupVersion,
      cgroupManager: info.cgroupManager,
      appArmorEnabled: info.apparmorEnabled,
      selinuxEnabled: info.selinuxEnabled,
      seccompEnabled: info.seccompEnabled,
      capabilities: info.capabilities,
      ociRuntimePath: info.ociRuntimePath ?? "",
      remoteSocketPath: info.remoteSocketPath ?? "",
      cpus: info.cpus,
      memTotal: info.memTotal,
    };
  }

  /** The fingerprint stream: at once, on change, and every 30 s. */
  async *fingerprint(signal: AbortSignal): AsyncGenerator<FingerprintReport> {
    if (!this.#config) {
      yield {
        attributes: {},
        health: "undetected",
        description: "The podman driver has no configuration yet",
      };
      return;
    }
    const sockets = this.#sockets;
    const byName = new Map(sockets.map((s) => [s.socket.name, s.client]));
    yield* fingerprintStream({
      sockets: sockets.map((s) => s.socket),
      probe: (socket, sig) => PodmanDriver.probe(byName.get(socket.name)!, sig),
      signal,
      probeTimeoutMs: Math.min(this.#config.clientHttpTimeoutMs, 4000),
      extraAttributes: policyAttributes(this.#config),
    });
  }

  /** Task events for Nomad's event list, from now on. */
  taskEvents(signal: AbortSignal): AsyncGenerator<TaskEvent> {
    return this.#events.subscribe(signal);
  }

  startTask(task: NomadTask, config: TaskConfig): Promise<StartTaskResult> {
    return this.#tasks().start(task, config);
  }

  recoverTask(
    task: NomadTask,
    handle: { version: number; driverState: Uint8Array },
  ): Promise<void> {
    return this.#tasks().recover(task, handle);
  }

  waitTask(taskId: string, signal: AbortSignal): Promise<ExitResult> {
    return this.#tasks().wait(taskId, signal);
  }

  stopTask(taskId: string, options: { timeoutMs: number; signal: string }): Promise<void> {
    return this.#tasks().stop(taskId, options);
  }

  destroyTask(taskId: string, force: boolean): Promise<void> {
    return this.#tasks().destroy(taskId, force);
  }

  inspectTask(taskId: string): Promise<TaskStatusView> {
    return this.#tasks().inspect(taskId);
  }

  taskStats(taskId: string, intervalMs: number, signal: AbortSignal): AsyncIterable<StatsSample> {
    return this.#tasks().stats(taskId, intervalMs, signal);
  }

  signalTask(taskId: string, signal: string): Promise<void> {
    return this.#tasks().signal(taskId, signal);
  }

  execTask(taskId: string, command: string[], timeoutMs: number): Promise<ExecResult> {
    return this.#tasks().exec(taskId, command, timeoutMs);
  }

  execStreaming(session: ExecSession): Promise<ExitResult> {
    return this.#tasks().execStreaming(session);
  }

  /** Stops background work; tasks keep running (they are recovered later). */
  async shutdown(): Promise<void> {
    await this.#lifecycle?.shutdown();
    for (const s of this.#sockets) s.client.close();
  }
}
