/**
 * The driver core: one class composed of small units (start.ts, recover.ts,
 * stop_destroy.ts, exit_result.ts, task_store.ts, host_facts.ts), each over a
 * narrow Podman port (ports.ts). This file holds the configuration, the
 * Podman client per socket and the wiring; it imports no gRPC or protobuf code.
 *
 * @module
 */
import type { PluginConfig, SocketConfig, TaskConfig } from "../config/mod.ts";
import { startLogStreaming } from "../logs/mod.ts";
import type { Logger } from "../plugin_log/mod.ts";
import { isLocalSocket, PodmanClient } from "../podman/mod.ts";
import type { ContainerInspect } from "../podman/mod.ts";
import { statsSourceFor, taskStats } from "../stats/mod.ts";
import { errorMessage } from "../common/mod.ts";
import { type Capabilities, capabilities } from "./about.ts";
import { classifyContainer, isAlive, logLiveness } from "./container_state.ts";
import { InvalidRequestError, NotConfiguredError } from "./errors.ts";
import { EventBus } from "./event_bus.ts";
import { execInteractive, execOnce } from "./exec.ts";
import { ExitRecorder } from "./exit_result.ts";
import { ExitWatcher } from "./exit_watcher.ts";
import { type FingerprintReport, fingerprintStream } from "./fingerprint.ts";
import { hasHealthcheck, monitorHealth } from "./health.ts";
import { fetchHostFacts, HostFactsCache } from "./host_facts.ts";
import { ImageGc } from "./image_gc.ts";
import { ImageResolver } from "./images.ts";
import { warmStartPath } from "./warm_up.ts";
import { memoryLimitOf, OomMonitor } from "./oom.ts";
import { policyAttributes } from "./policy.ts";
import type { ExitWatch } from "./ports.ts";
import { DanglingReconciler } from "./reconciler.ts";
import { TaskRecoverer } from "./recover.ts";
import { holdLogFifo, TaskStarter } from "./start.ts";
import { TaskStopper } from "./stop_destroy.ts";
import type { TaskHandle } from "./task_handle.ts";
import type { NomadTask } from "./task_request.ts";
import { checkTaskRequest } from "./task_request_check.ts";
import { TaskStore } from "./task_store.ts";
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

/** One configured socket and its client. */
interface Socket {
  socket: SocketConfig;
  client: PodmanClient;
}

type Handle = TaskHandle<PodmanClient>;

/** The journald streamer's view of a container, from the one classifier. */
const liveness = (state: ContainerInspect["state"]) => logLiveness(classifyContainer(state));

/** The Podman driver. */
export class PodmanDriver {
  readonly #logger: Logger;
  readonly #events = new EventBus<TaskEvent>();
  #config: PluginConfig | undefined;
  #agent: AgentConfig | undefined;
  #sockets: Socket[] = [];
  readonly #tasks = new TaskStore<PodmanClient>();
  readonly #facts = new HostFactsCache();
  readonly #oom = new OomMonitor();
  readonly #watchers = new Map<PodmanClient, ExitWatcher>();
  readonly #exits: ExitWatch<PodmanClient> = {
    watch: (client, id) => this.#watcher(client).watch(id),
    unwatch: (client, id) => this.#watcher(client).unwatch(id),
  };
  readonly #recorder: ExitRecorder<PodmanClient>;
  readonly #starter: TaskStarter<PodmanClient>;
  readonly #recoverer: TaskRecoverer<PodmanClient>;
  readonly #stopper: TaskStopper<PodmanClient>;
  readonly #reconciler: DanglingReconciler;
  readonly #imageGc: ImageGc;

  constructor(logger: Logger) {
    this.#logger = logger;
    this.#recorder = new ExitRecorder({
      tasks: this.#tasks,
      exits: this.#exits,
      oom: this.#oom,
      logger,
      event: this.#event.bind(this),
    });
    this.#starter = this.#newStarter();
    this.#recoverer = this.#newRecoverer();
    this.#stopper = this.#newStopper();
    this.#reconciler = new DanglingReconciler({
      config: () => this.config.danglingContainers,
      removeExited: () => this.config.gc.container,
      sockets: () =>
        this.#sockets.map((s) => ({ name: s.socket.name, containers: s.client.containers })),
      trackedContainers: () => this.#tasks.containerIds(),
      taskInFlight: (id) => this.#tasks.inFlight(id),
      logger: logger.named("reconciler"),
    });
    this.#imageGc = new ImageGc({
      config: () => this.config.gc,
      client: (name) => this.#sockets.find((s) => s.socket.name === name)?.client,
      logger: logger.named("image_gc"),
    });
  }

  #newStarter(): TaskStarter<PodmanClient> {
    const images = new ImageResolver({ logger: this.#logger.named("images") });
    return new TaskStarter({
      tasks: this.#tasks,
      socketFor: (name) => this.#socketFor(name),
      config: () => this.config,
      facts: (client) => this.#facts.get(client),
      resolveImage: (client, request) => images.resolve(client.images, request),
      holdLogFifo,
      exits: this.#exits,
      oom: this.#oom,
      recorder: this.#recorder,
      started: (h, task, health) => {
        this.#imageGc.acquire(task.id, h.state.socket, h.state.imageId, h.state.imageRef);
        void startLogStreaming(h, task, this.#logger, liveness, this.config.journaldReader);
        this.#watchHealth(h, health);
      },
      event: this.#event.bind(this),
      logger: this.#logger,
    });
  }

  #newRecoverer(): TaskRecoverer<PodmanClient> {
    const logger = this.#logger;
    return new TaskRecoverer({
      tasks: this.#tasks,
      clientFor: (name) => this.#socketFor(name).client,
      config: () => this.config,
      holdLogFifo,
      exits: this.#exits,
      recorder: this.#recorder,
      companions: {
        adopted: async (h, task, inspect) => {
          await this.#recoverOom(h, inspect);
          void startLogStreaming(h, task, logger, liveness, this.config.journaldReader, new Date());
          this.#watchHealth(h, inspect.healthcheck);
        },
        restarted: (h, task, since) =>
          void startLogStreaming(h, task, logger, liveness, this.config.journaldReader, since),
      },
      logger,
    });
  }

  #newStopper(): TaskStopper<PodmanClient> {
    return new TaskStopper({
      checkExit: (client, id) => this.#recorder.check(client, id),
      removeContainers: () => this.config.gc.container,
      forget: (h) => {
        this.#exits.unwatch(h.client, h.containerId);
        this.#oom.untrack(h.containerId);
        h.lifetime.abort();
        this.#tasks.delete(h.taskId);
        this.#imageGc.release(h.taskId);
      },
      logger: this.#logger,
    });
  }

  /**
   * Applies a plugin configuration (SetConfig may come several times): new
   * tasks use the new sockets, running tasks keep theirs.
   */
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
    this.#reconciler.start();
    this.#warm();
    for (const s of old) s.client.close();
  }

  get config(): PluginConfig {
    if (!this.#config) throw new NotConfiguredError();
    return this.#config;
  }

  capabilities(): Capabilities {
    return capabilities(this.#config?.disableLogCollection ?? false);
  }

  /**
   * Takes what every first StartTask would wait for off its critical path:
   * host facts, and the exit watch (events stream, exits directory).
   */
  #warm(): void {
    for (const { client } of this.#sockets) {
      this.#facts.warm(client);
      this.#watcher(client).start();
    }
    // Once the default socket's facts are in: StartTask's own code, compiled ahead.
    const first = this.#sockets[0];
    if (first && !this.#startPathWarm) {
      this.#startPathWarm = true;
      this.#facts.get(first.client).then((host) => warmStartPath(this.config, host), () => {});
    }
  }

  #startPathWarm = false;

  #socketFor(name: string): Socket {
    const wanted = name || "default";
    const found = this.#sockets.find((s) => s.socket.name === wanted) ??
      (wanted === "default" ? this.#sockets[0] : undefined);
    if (!found) {
      if (!this.#config) throw new NotConfiguredError();
      throw new InvalidRequestError(
        "socket",
        `Unknown socket "${wanted}": the plugin config defines ${
          this.#sockets.map((s) => `"${s.socket.name}"`).join(", ")
        }`,
      );
    }
    return found;
  }

  #watcher(client: PodmanClient): ExitWatcher {
    let w = this.#watchers.get(client);
    if (!w) {
      w = new ExitWatcher({
        client,
        logger: this.#logger.named("exits"),
        onMaybeExited: (id) => void this.#recorder.check(client, id),
      });
      this.#watchers.set(client, w);
    }
    return w;
  }

  #event(
    h: { taskId: string; allocId: string; taskName: string },
    message: string,
    annotations: Record<string, string>,
  ): void {
    this.#events.publish({
      taskId: h.taskId,
      allocId: h.allocId,
      taskName: h.taskName,
      timestampMs: Date.now(),
      message,
      annotations,
    });
  }

  /** Follows the health of a container that has a healthcheck (TaskEvents, InspectTask attributes). */
  #watchHealth(h: Handle, settings: ContainerInspect["healthcheck"]): void {
    if (!settings || !hasHealthcheck(settings) || h.exitResult) return;
    void monitorHealth(h, settings, {
      logger: this.#logger.named("health"),
      event: (msg, annotations) => this.#event(h, msg, annotations),
    });
  }

  /** OOM sampling of an adopted container (needs its memory limit and the host's cgroup version). */
  async #recoverOom(h: Handle, inspect: ContainerInspect): Promise<void> {
    try {
      h.memoryLimitBytes = await memoryLimitOf(h.client.containers, h.containerId);
      if (h.memoryLimitBytes <= 0 || !isLocalSocket(h.client.socketPath)) return;
      if (!isAlive(classifyContainer(inspect.state))) return;
      const facts = await this.#facts.get(h.client);
      await this.#oom.track(h.containerId, inspect.state.pid, facts.cgroupVersion === 2);
    } catch (err) {
      this.#logger.debug("no OOM sampling for a recovered container", {
        container: h.containerId.slice(0, 12),
        error: errorMessage(err),
      });
    }
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
    const byName = new Map(this.#sockets.map((s) => [s.socket.name, s.client]));
    yield* fingerprintStream({
      sockets: this.#sockets.map((s) => s.socket),
      probe: async (socket, sig) => {
        const client = byName.get(socket.name)!;
        const facts = await fetchHostFacts(client, sig);
        this.#facts.offer(client, facts);
        return facts;
      },
      signal,
      probeTimeoutMs: Math.min(this.#config.clientHttpTimeoutMs, 4000),
      extraAttributes: policyAttributes(this.#config),
    });
  }

  /** Task events for Nomad's event list, from now on. */
  taskEvents(signal: AbortSignal): AsyncGenerator<TaskEvent> {
    return this.#events.subscribe(signal);
  }

  /** The known task; {@link NotConfiguredError} before the first SetConfig. */
  #task(taskId: string): Handle {
    this.#ready();
    return this.#tasks.get(taskId);
  }

  #ready(): void {
    if (!this.#config) throw new NotConfiguredError();
  }

  /** StartTask: the request's own sanity first (a bad one creates nothing), then the start. */
  startTask(task: NomadTask, config: TaskConfig): Promise<StartTaskResult> {
    this.#ready();
    checkTaskRequest(task);
    return this.#starter.start(task, config);
  }

  /** RecoverTask: adopt, restart, or report an exited container. */
  async recoverTask(
    task: NomadTask,
    handle: { version: number; driverState: Uint8Array },
  ): Promise<void> {
    this.#ready();
    const done = this.#tasks.beginRecover(task.id);
    try {
      const decision = await this.#recoverer.recover(task, handle);
      const h = this.#tasks.find(task.id);
      if (h && decision !== "known") {
        this.#imageGc.acquire(task.id, h.state.socket, h.state.imageId, h.state.imageRef);
      }
    } finally {
      done();
    }
  }

  waitTask(taskId: string, signal: AbortSignal): Promise<ExitResult> {
    return this.#task(taskId).wait(signal);
  }

  /** StopTask: the requested signal, then SIGKILL after the timeout. */
  stopTask(taskId: string, options: { timeoutMs: number; signal: string }): Promise<void> {
    return this.#stopper.stop(this.#task(taskId), options);
  }

  /** DestroyTask: refuses a running task unless forced; removes the container when gc.container. */
  destroyTask(taskId: string, force: boolean): Promise<void> {
    this.#ready();
    return this.#stopper.destroy(this.#tasks.find(taskId), force);
  }

  inspectTask(taskId: string): Promise<TaskStatusView> {
    return Promise.resolve(this.#task(taskId).statusView());
  }

  /** TaskStats: samples from the client's shared stats source until the task exits. */
  taskStats(taskId: string, intervalMs: number, signal: AbortSignal): AsyncIterable<StatsSample> {
    const h = this.#task(taskId);
    return taskStats({
      source: statsSourceFor(h.client, this.#logger),
      task: h,
      intervalMs,
      signal,
      totalComputeMhz: this.#agent?.totalComputeMhz ?? 0,
    });
  }

  signalTask(taskId: string, signal: string): Promise<void> {
    return this.#stopper.signal(this.#task(taskId), signal);
  }

  /** ExecTask: runs a command with a timeout, output captured. */
  execTask(taskId: string, command: string[], timeoutMs: number): Promise<ExecResult> {
    const h = this.#task(taskId);
    return execOnce(h.client.exec, h.containerId, command, timeoutMs);
  }

  /** ExecTaskStreaming: an interactive session. */
  execStreaming(session: ExecSession): Promise<ExitResult> {
    const h = this.#task(session.taskId);
    return execInteractive(h.client.exec, h.containerId, session, this.#logger.named("exec"));
  }

  /** Stops background work; tasks keep running (they are recovered later). */
  async shutdown(): Promise<void> {
    this.#oom.stop();
    await Promise.all([this.#reconciler.stop(), this.#imageGc.stop()]);
    await Promise.all([...this.#watchers.values()].map((w) => w.stop()));
    for (const s of this.#sockets) s.client.close();
  }
}
