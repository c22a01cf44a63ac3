/**
 * The task lifecycle: start, recover, wait, stop, destroy, inspect, signal.
 *
 * @module
 */
import type { PluginConfig, TaskConfig } from "../config/types.ts";
import type { Logger } from "../plugin_log/mod.ts";
import type { PodmanClient } from "../podman/client.ts";
import type { ContainerInspect } from "../podman/types.ts";
import { PodmanConflictError, PodmanNotFoundError } from "../podman/errors.ts";
import {
  buildContainerSpec,
  containerName,
  customNetworkToCheck,
  effectiveLogging,
  needsImageHealthcheck,
  verifyContainer,
} from "./spec/mod.ts";
import { decodeDriverState, type DriverState, encodeDriverState } from "./driver_state.ts";
import {
  InvalidRequestError,
  RecoverableError,
  TaskExistsError,
  TaskNotFoundError,
} from "./errors.ts";
import { ExitWatcher } from "./exit_watcher.ts";
import { checkPolicy } from "./policy.ts";
import { hasHealthcheck, monitorHealth } from "./health.ts";
import {
  classifyContainer,
  isAlive,
  logLiveness,
  type RecoveryDecision,
  recoveryDecisionFor,
  signalPreparation,
} from "./container_state.ts";
import {
  type ExitContext,
  exitResultFrom,
  isLocalSocket,
  memoryLimitOf,
  type OomEvidence,
  OomMonitor,
} from "./oom.ts";
import { ImageResolver } from "./images.ts";
import { checkArchiveSource } from "./archive_policy.ts";
import { applyRootlessLimits } from "./rootless_limits.ts";
import { handFifosToSocketOwner } from "./rootless_fifos.ts";
import { DanglingReconciler } from "./reconciler.ts";
import { ImageGc } from "./image_gc.ts";
import { signalName, signalNumber } from "./signals.ts";
import { TaskHandle } from "./task_handle.ts";
import { allInOrder, StepTimer } from "./step_timer.ts";
import { HostFactsCache } from "./host_facts.ts";
import { startLogStreaming } from "../logs/mod.ts";
import { checkFifoPath, DEV_NULL } from "../logs/fifo.ts";
import { type HeldFifo, holdFifoForConmon } from "../logs/fifo_wait.ts";
import type { NomadTask } from "./task_request.ts";
import { execInteractive, execOnce } from "./exec.ts";
import { statsSourceFor, taskStats } from "../stats/mod.ts";
import type {
  AgentConfig,
  DriverNetwork,
  ExecResult,
  ExecSession,
  ExitResult,
  StartTaskResult,
  StatsSample,
  TaskEvent,
  TaskStatusView,
} from "./types.ts";
import { errorMessage } from "../common/mod.ts";

/** One configured socket. */
export interface LifecycleSocket {
  socket: { name: string; socketPath: string };
  client: PodmanClient;
}

/** Dependencies of {@link TaskLifecycle}. */
export interface LifecycleOptions {
  config: PluginConfig;
  sockets: LifecycleSocket[];
  agent: AgentConfig | undefined;
  logger: Logger;
  emit: (event: TaskEvent) => void;
}

/** How long StopTask/DestroyTask wait for the exit after SIGKILL. */
const KILL_GRACE_MS = 10_000;

function message(err: unknown): string {
  return errorMessage(err);
}

export { type ExitContext, exitResultFrom };

const SIGKILL_EXIT = 128 + 9;

/** The journald streamer's view of a container, from the one classifier. */
const liveness = (state: ContainerInspect["state"]) => logLiveness(classifyContainer(state));

/** The container IP Nomad should advertise. */
export function containerIp(inspect: ContainerInspect, preferredNetwork?: string): string {
  const n = inspect.network;
  if (n.ipAddress) return n.ipAddress;
  const nets = Object.entries(n.networks);
  const chosen = (preferredNetwork && n.networks[preferredNetwork]) || nets[0]?.[1];
  return chosen?.ipAddress || chosen?.globalIPv6Address || n.globalIPv6Address || "";
}

/** Runs the tasks of one plugin process. */
export class TaskLifecycle {
  #config: PluginConfig;
  #sockets: LifecycleSocket[];
  #agent: AgentConfig | undefined;
  readonly #logger: Logger;
  readonly #emit: (event: TaskEvent) => void;
  readonly #tasks = new Map<string, TaskHandle>();
  readonly #watchers = new Map<PodmanClient, ExitWatcher>();
  readonly #facts = new HostFactsCache();
  readonly #images: ImageResolver;
  readonly #starting = new Set<string>();
  readonly #recovering = new Set<string>();
  readonly #reconciler: DanglingReconciler;
  readonly #imageGc: ImageGc;
  readonly #oom = new OomMonitor();

  constructor(options: LifecycleOptions) {
    this.#config = options.config;
    this.#sockets = options.sockets;
    this.#agent = options.agent;
    this.#logger = options.logger;
    this.#emit = options.emit;
    this.#images = new ImageResolver({ logger: this.#logger.named("images") });
    this.#reconciler = new DanglingReconciler({
      config: () => this.#config.danglingContainers,
      removeExited: () => this.#config.gc.container,
      sockets: () =>
        this.#sockets.map((s) => ({ name: s.socket.name, containers: s.client.containers })),
      trackedContainers: () => this.trackedContainers(),
      taskInFlight: (id) => this.#starting.has(id) || this.#recovering.has(id),
      logger: this.#logger.named("reconciler"),
    });
    this.#imageGc = new ImageGc({
      config: () => this.#config.gc,
      client: (name) => this.#sockets.find((s) => s.socket.name === name)?.client,
      logger: this.#logger.named("image_gc"),
    });
    this.#reconciler.start();
    this.#warm();
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
  }

  /** New plugin config: new tasks use the new sockets; running tasks keep theirs. */
  reconfigure(
    config: PluginConfig,
    sockets: LifecycleSocket[],
    agent: AgentConfig | undefined,
  ): void {
    this.#config = config;
    this.#sockets = sockets;
    this.#agent = agent;
    this.#warm();
  }

  #socketFor(name: string): LifecycleSocket {
    const wanted = name || "default";
    const found = this.#sockets.find((s) => s.socket.name === wanted) ??
      (wanted === "default" ? this.#sockets[0] : undefined);
    if (!found) {
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
        onMaybeExited: (id) => void this.#checkExit(client, id),
      });
      this.#watchers.set(client, w);
    }
    return w;
  }

  #handleByContainer(client: PodmanClient, containerId: string): TaskHandle | undefined {
    for (const h of this.#tasks.values()) {
      if (h.client === client && h.containerId === containerId) return h;
    }
    return undefined;
  }

  /** Inspects a container the watcher flagged and records its exit. */
  async #checkExit(client: PodmanClient, containerId: string): Promise<void> {
    const h = this.#handleByContainer(client, containerId);
    if (!h || h.exitResult) return;
    try {
      const inspect = await client.containers.inspect(containerId);
      // Paused counts as alive: WaitTask does not answer while the task is frozen.
      if (isAlive(classifyContainer(inspect.state))) return;
      await this.#recordExitWithContext(h, inspect);
    } catch (err) {
      if (err instanceof PodmanNotFoundError) {
        this.#oom.untrack(containerId);
        h.markExited({
          exitCode: 0,
          signal: 0,
          oomKilled: false,
          err: "Container was removed outside Nomad",
        });
        this.#watcher(client).unwatch(containerId);
        return;
      }
      this.#logger.debug("cannot inspect a container after its exit", {
        container: containerId,
        error: message(err),
      });
    }
  }

  /** Records an exit with the kernel's OOM counters and, for an unexplained SIGKILL, the memory limit. */
  async #recordExitWithContext(h: TaskHandle, inspect: ContainerInspect): Promise<void> {
    if (h.exitResult) return;
    // Set synchronously: concurrent exit checks share the one final read.
    h.oomEvidence ??= this.#oom.evidence(h.containerId);
    const unexplained = inspect.state.exitCode === SIGKILL_EXIT && !h.killSent;
    if (unexplained && !inspect.state.oomKilled && h.memoryLimitBytes <= 0) {
      h.memoryLimitBytes = await memoryLimitOf(h.client.containers, h.containerId).catch(() => 0);
    }
    this.#recordExit(h, inspect, await h.oomEvidence);
  }

  #recordExit(h: TaskHandle, inspect: ContainerInspect, oom: OomEvidence | undefined): void {
    const result = exitResultFrom(inspect, {
      killSent: h.killSent,
      memoryLimitBytes: h.memoryLimitBytes,
      oom,
    });
    h.markExited(result, inspect.state.finishedAt?.getTime() || Date.now());
    this.#watcher(h.client).unwatch(h.containerId);
    this.#logger.info("task exited", {
      task_id: h.taskId,
      container: h.containerId.slice(0, 12),
      exit_code: result.exitCode,
      signal: result.signal,
      oom_killed: result.oomKilled,
    });
    if (result.oomKilled) {
      this.#event(h, "OOM Killed: the container exceeded its memory limit", {});
    }
  }

  #event(
    h: { taskId: string; allocId: string; taskName: string },
    msg: string,
    annotations: Record<string, string>,
  ): void {
    this.#emit({
      taskId: h.taskId,
      allocId: h.allocId,
      taskName: h.taskName,
      timestampMs: Date.now(),
      message: msg,
      annotations,
    });
  }

  #get(taskId: string): TaskHandle {
    const h = this.#tasks.get(taskId);
    if (!h) throw new TaskNotFoundError(taskId);
    return h;
  }

  /** Refuses a log fifo that is a symlink or a regular file (never follow it). */
  #checkLogPath(path: string, field: string): void {
    try {
      checkFifoPath(path, field);
    } catch (err) {
      throw new InvalidRequestError(field, message(err));
    }
  }

  /**
   * In nomad log mode conmon opens the fifo itself, and that open blocks until
   * a reader exists, holding the container's lock: every later Podman call
   * touching it hangs. So the fifo must have a reader (Nomad's logmon) before
   * the container starts, and both its ends stay held by the plugin until
   * start returned (see {@linkcode holdFifoForConmon}): conmon's open cannot
   * block even if logmon goes away meanwhile.
   *
   * @returns the held fifo (release it after start), `undefined` for no fifo,
   * `null` when nobody reads.
   */
  async #holdLogFifo(path: string, field: string): Promise<HeldFifo | undefined | null> {
    if (!path || path === DEV_NULL) return undefined;
    try {
      return await holdFifoForConmon(path, field);
    } catch (err) {
      throw new InvalidRequestError(field, message(err));
    }
  }

  /** StartTask. */
  async start(task: NomadTask, config: TaskConfig): Promise<StartTaskResult> {
    if (this.#tasks.has(task.id) || this.#starting.has(task.id)) throw new TaskExistsError(task.id);
    this.#starting.add(task.id);
    try {
      return await this.#start(task, config);
    } finally {
      this.#starting.delete(task.id);
    }
  }

  async #start(task: NomadTask, config: TaskConfig): Promise<StartTaskResult> {
    const logging = effectiveLogging(config, this.#config);
    const held = logging.driver === "nomad" && !this.#config.disableLogCollection
      ? await this.#holdLogFifo(task.stdoutPath, "stdout_path")
      : undefined;
    if (held === null) {
      throw new RecoverableError(
        `Nobody reads the log fifo ${task.stdoutPath} (stdout_path): Nomad's log collector is not running`,
        { recoverable: true },
      );
    }
    try {
      return await this.#startWithLogs(task, config, logging);
    } finally {
      held?.release();
    }
  }

  async #startWithLogs(
    task: NomadTask,
    config: TaskConfig,
    logging: ReturnType<typeof effectiveLogging>,
  ): Promise<StartTaskResult> {
    const { socket, client } = this.#socketFor(config.socket);
    const plugin = this.#config;
    // Operator controls first: a forbidden request creates nothing (no pull, no container).
    checkPolicy(task, config, plugin);
    const logDisabled = plugin.disableLogCollection;
    if (logging.driver === "journald" && !logDisabled) {
      this.#checkLogPath(task.stdoutPath, "stdout_path");
      this.#checkLogPath(task.stderrPath, "stderr_path");
    }
    const steps = new StepTimer();
    const name = containerName(task.name, task.allocId);
    // Host facts (cached), the image and the leftover check are independent: overlap them
    // (errors still count in this order).
    const imageConfig = checkArchiveSource(config, task, plugin.imageArchiveRoots);
    const [host, imageId] = await allInOrder([
      this.#facts.get(client).catch((err) => {
        throw new RecoverableError(`Cannot reach Podman at ${socket.socketPath}: ${message(err)}`, {
          recoverable: true,
          cause: err,
        });
      }),
      this.#images.resolve(client.images, {
        socketKey: socket.name,
        config: imageConfig,
        plugin,
        onEvent: (msg, annotations) =>
          this.#event(
            { taskId: task.id, allocId: task.allocId, taskName: task.name },
            msg,
            annotations,
          ),
      }),
      this.#clearLeftover(client, name),
    ]);
    steps.mark("image");
    const imageHealthcheck = needsImageHealthcheck(config)
      ? (await client.images.inspect(imageId)).healthcheck
      : undefined;
    const spec = buildContainerSpec({ task, config, plugin, host, imageId, imageHealthcheck });
    const limitsEvent = applyRootlessLimits(spec, host, plugin, socket);
    if (host.rootless && logging.driver === "nomad" && !logDisabled) {
      handFifosToSocketOwner(task, socket.socketPath);
    }
    const network = customNetworkToCheck({ task, config, plugin, host, imageId });
    steps.mark("spec");
    if (network && !(await client.networkExists(network))) {
      throw new InvalidRequestError(
        "network_mode",
        `network_mode "${config.networkMode}": network "${network}" not found; see "podman network ls"`,
      );
    }
    const created = await client.containers.create(spec as unknown as Record<string, unknown>);
    steps.mark("create");
    const handle = new TaskHandle({
      taskId: task.id,
      taskName: task.name,
      allocId: task.allocId,
      client,
      state: {
        socket: socket.name,
        containerId: created.id,
        containerName: name,
        imageId,
        imageRef: config.image,
        startedAtMs: 0,
        network: undefined,
        logDriver: logging.driver,
        logCollectionDisabled: logDisabled,
      },
    });
    handle.memoryLimitBytes = spec.resource_limits?.memory?.limit ?? 0;
    let inspectHealth: ContainerInspect["healthcheck"];
    try {
      if (limitsEvent) this.#event(handle, limitsEvent, {});
      for (const w of created.warnings) this.#event(handle, `Podman: ${w}`, {});
      this.#watcher(client).watch(created.id);
      if (handle.memoryLimitBytes > 0 && isLocalSocket(client.socketPath)) {
        await this.#oom.prime(created.id, host.cgroupVersion === 2);
      }
      await client.containers.start(created.id);
      steps.mark("start");
      // Static IPs only show once running, so verify after start; one inspect serves both.
      const { inspect, raw } = await client.containers.inspectWithRaw(created.id);
      const problems = verifyContainer(spec, raw, {
        ipv4Address: config.ipv4Address,
        ipv6Address: config.ipv6Address,
      });
      steps.mark("verify");
      if (problems.length > 0) {
        throw new InvalidRequestError(
          problems[0]!.option,
          `Podman did not apply ${problems.map((p) => p.option).join(", ")}: ${
            problems.map((p) => p.message).join("; ")
          }`,
        );
      }
      inspectHealth = inspect.healthcheck;
      if (handle.memoryLimitBytes > 0) await this.#trackOom(handle, inspect, host.cgroupVersion);
      handle.state.startedAtMs = inspect.state.startedAt?.getTime() || Date.now();
      handle.state.network = this.#driverNetwork(task, config, inspect, network);
      this.#tasks.set(task.id, handle);
      if (!inspect.state.running) await this.#recordExitWithContext(handle, inspect);
      // A death event handled before the handle was registered found no task: look once more.
      else void this.#checkExit(client, created.id);
    } catch (err) {
      this.#watcher(client).unwatch(created.id);
      this.#oom.untrack(created.id);
      await client.containers.remove(created.id, { force: true, volumes: true }).catch((e) =>
        this.#logger.warn("cannot remove a container after a failed start", {
          container: created.id,
          error: message(e),
        })
      );
      throw err;
    }
    this.#imageGc.acquire(task.id, socket.name, imageId, config.image);
    void startLogStreaming(handle, task, this.#logger, liveness);
    this.#watchHealth(handle, inspectHealth);
    const driverState = encodeDriverState(handle.state);
    steps.mark("state");
    this.#logger.info("task started", {
      task_id: task.id,
      container: handle.containerId.slice(0, 12),
      name,
      image: imageId.slice(0, 19),
      ...steps.fields(),
    });
    return { driverState, network: handle.state.network };
  }

  /** Starts sampling the kernel's OOM counters of a running container on this host. */
  async #trackOom(h: TaskHandle, inspect: ContainerInspect, cgroupVersion: 1 | 2): Promise<void> {
    if (!isLocalSocket(h.client.socketPath) || !isAlive(classifyContainer(inspect.state))) return;
    await this.#oom.track(h.containerId, inspect.state.pid, cgroupVersion === 2);
  }

  /** Follows the health of a container that has a healthcheck (TaskEvents, InspectTask attributes). */
  #watchHealth(h: TaskHandle, settings: ContainerInspect["healthcheck"]): void {
    if (!settings || !hasHealthcheck(settings) || h.exitResult) return;
    void monitorHealth(h, settings, {
      logger: this.#logger.named("health"),
      event: (msg, annotations) => this.#event(h, msg, annotations),
    });
  }

  /** A stopped leftover with our name is removed; a running one too (it is not ours to adopt blindly). */
  async #clearLeftover(client: PodmanClient, name: string): Promise<void> {
    let existing: ContainerInspect;
    try {
      existing = await client.containers.inspect(name);
    } catch (err) {
      if (err instanceof PodmanNotFoundError) return;
      throw err;
    }
    for (const h of this.#tasks.values()) {
      if (h.client === client && h.containerId === existing.id && !h.exitResult) {
        throw new TaskExistsError(h.taskId);
      }
    }
    this.#logger.info("removing a leftover container with the task's name", {
      name,
      container: existing.id.slice(0, 12),
      status: existing.state.status,
    });
    await client.containers.remove(existing.id, { force: true, volumes: true });
  }

  #driverNetwork(
    task: NomadTask,
    config: TaskConfig,
    inspect: ContainerInspect,
    customNetwork: string | undefined,
  ): DriverNetwork | undefined {
    const portMap: Record<string, number> = {};
    for (const label of config.ports) {
      const p = task.resources.ports.find((x) => x.label === label);
      if (p) portMap[label] = p.to || p.value;
    }
    for (const [label, port] of Object.entries(config.portMap)) portMap[label] = port;
    const ip = containerIp(inspect, customNetwork);
    if (!ip && Object.keys(portMap).length === 0) return undefined;
    return { portMap, ip, autoAdvertise: true };
  }

  /** RecoverTask: adopt, restart, or report an exited container. */
  async recover(
    task: NomadTask,
    stored: { version: number; driverState: Uint8Array },
  ): Promise<void> {
    this.#recovering.add(task.id);
    try {
      await this.#recover(task, stored);
      const h = this.#tasks.get(task.id);
      if (h) this.#imageGc.acquire(task.id, h.state.socket, h.state.imageId, h.state.imageRef);
    } finally {
      this.#recovering.delete(task.id);
    }
  }

  async #recover(
    task: NomadTask,
    stored: { version: number; driverState: Uint8Array },
  ): Promise<void> {
    if (this.#tasks.has(task.id)) return;
    const state = decodeDriverState(stored.driverState);
    const { client } = this.#socketFor(state.socket);
    let inspect: ContainerInspect;
    try {
      inspect = await client.containers.inspect(state.containerId, {
        signal: AbortSignal.timeout(this.#config.clientHttpTimeoutMs),
      });
    } catch (err) {
      if (err instanceof PodmanNotFoundError) {
        throw new RecoverableError(
          `Cannot recover task ${task.id}: container ${state.containerId} is gone`,
          {
            recoverable: false,
            cause: err,
          },
        );
      }
      throw err;
    }
    const handle = new TaskHandle({
      taskId: task.id,
      taskName: task.name,
      allocId: task.allocId,
      client,
      state,
    });
    const phase = classifyContainer(inspect.state);
    let decision = recoveryDecisionFor(phase, this.#config.recoverStopped);
    const held = decision === "restart" && state.logDriver === "nomad" &&
        !state.logCollectionDisabled
      ? await this.#holdLogFifo(task.stdoutPath, "stdout_path")
      : undefined;
    if (held === null) {
      // Restarting would wedge Podman on the fifo open (see #holdLogFifo).
      this.#logger.warn("not restarting an exited container: its log fifo has no reader", {
        task_id: task.id,
      });
      decision = "report-exited";
    }
    this.#logger.info("recovering task", {
      task_id: task.id,
      container: state.containerId.slice(0, 12),
      decision,
    });
    switch (decision) {
      case "adopt":
        this.#tasks.set(task.id, handle);
        this.#watcher(client).watch(state.containerId);
        await this.#recoverOom(handle, inspect);
        // It may have exited between inspect and watch.
        void this.#checkExit(client, state.containerId);
        void startLogStreaming(handle, task, this.#logger, liveness, new Date());
        this.#watchHealth(handle, inspect.healthcheck);
        return;
      case "restart": {
        this.#watcher(client).watch(state.containerId);
        const restartedAt = new Date();
        try {
          await client.containers.start(state.containerId, {
            signal: AbortSignal.timeout(this.#config.clientHttpTimeoutMs),
          });
        } finally {
          held?.release();
        }
        this.#tasks.set(task.id, handle);
        void this.#checkExit(client, state.containerId);
        void startLogStreaming(handle, task, this.#logger, liveness, restartedAt);
        return;
      }
      case "gone":
        throw new RecoverableError(
          `Cannot recover task ${task.id}: container ${state.containerId} is gone`,
          { recoverable: false },
        );
      case "report-exited":
        this.#tasks.set(task.id, handle);
        await this.#recordExitWithContext(handle, inspect);
        if (this.#config.gc.container) {
          await client.containers.remove(state.containerId, { force: true, volumes: true }).catch(
            () => {},
          );
        }
        return;
    }
  }

  /** OOM sampling of an adopted container (needs its memory limit and the host's cgroup version). */
  async #recoverOom(h: TaskHandle, inspect: ContainerInspect): Promise<void> {
    try {
      h.memoryLimitBytes = await memoryLimitOf(h.client.containers, h.containerId);
      if (h.memoryLimitBytes <= 0) return;
      const facts = await this.#facts.get(h.client);
      await this.#trackOom(h, inspect, facts.cgroupVersion);
    } catch (err) {
      this.#logger.debug("no OOM sampling for a recovered container", {
        container: h.containerId.slice(0, 12),
        error: message(err),
      });
    }
  }

  /** WaitTask. */
  wait(taskId: string, signal: AbortSignal): Promise<ExitResult> {
    return this.#get(taskId).wait(signal);
  }

  /** StopTask: the requested signal, then SIGKILL after the timeout. */
  async stop(taskId: string, options: { timeoutMs: number; signal: string }): Promise<void> {
    const h = this.#get(taskId);
    if (h.exitResult) return;
    const sig = options.signal ? signalName(options.signal) : "SIGTERM";
    if (!sig) throw new InvalidRequestError("signal", `Unknown signal "${options.signal}"`);
    if (!(await this.#kill(h, sig))) return;
    if (await h.waitFor(Math.max(options.timeoutMs, 0))) return;
    this.#logger.info("task did not stop in time; sending SIGKILL", {
      task_id: taskId,
      timeout_ms: options.timeoutMs,
    });
    await this.#kill(h, "SIGKILL");
    if (!(await h.waitFor(KILL_GRACE_MS))) void this.#checkExit(h.client, h.containerId);
  }

  /**
   * Sends a signal; false when the container is not running any more. A
   * paused container is thawed first, so the task sees the signal (as on a
   * running one).
   */
  async #kill(h: TaskHandle, sig: string): Promise<boolean> {
    if (sig === "SIGKILL") h.killSent = true;
    try {
      const prep = signalPreparation(
        classifyContainer((await h.client.containers.inspect(h.containerId)).state),
      );
      if (prep === "already-dead") {
        await this.#checkExit(h.client, h.containerId);
        return false;
      }
      if (prep === "unpause-then-send") {
        this.#logger.info("unpausing a paused container so that it gets the signal", {
          task_id: h.taskId,
          signal: sig,
        });
        await h.client.containers.unpause(h.containerId).catch((err) => {
          if (!(err instanceof PodmanConflictError)) throw err;
        });
      }
      await h.client.containers.kill(h.containerId, sig);
      return true;
    } catch (err) {
      if (err instanceof PodmanConflictError || err instanceof PodmanNotFoundError) {
        await this.#checkExit(h.client, h.containerId);
        return false;
      }
      throw err;
    }
  }

  /** DestroyTask: refuses a running task unless forced; removes the container when gc.container. */
  async destroy(taskId: string, force: boolean): Promise<void> {
    const h = this.#tasks.get(taskId);
    if (!h) return;
    if (!h.exitResult) {
      if (!force) {
        throw new InvalidRequestError(
          "force",
          `Cannot destroy task ${taskId}: it is still running (use force)`,
        );
      }
      if (await this.#kill(h, "SIGKILL")) await h.waitFor(KILL_GRACE_MS);
    }
    if (this.#config.gc.container) {
      await h.client.containers.remove(h.containerId, { force: true, volumes: true });
    }
    this.#watcher(h.client).unwatch(h.containerId);
    this.#oom.untrack(h.containerId);
    h.lifetime.abort();
    this.#tasks.delete(taskId);
    this.#imageGc.release(taskId);
  }

  /** InspectTask. */
  inspect(taskId: string): Promise<TaskStatusView> {
    const h = this.#get(taskId);
    return Promise.resolve({
      id: h.taskId,
      name: h.taskName,
      state: h.status,
      startedAtMs: h.state.startedAtMs,
      completedAtMs: h.completedAtMs,
      exitResult: h.exitResult ?? { exitCode: 0, signal: 0, oomKilled: false },
      attributes: {
        ...h.attributes,
        "container_id": h.containerId,
        "container_name": h.state.containerName,
      },
      network: h.network,
    });
  }

  /** SignalTask by name or number. */
  async signal(taskId: string, sig: string): Promise<void> {
    const h = this.#get(taskId);
    const name = signalName(sig);
    if (!name || signalNumber(name) === 0 && !name.startsWith("SIGRTMIN")) {
      throw new InvalidRequestError("signal", `Unknown signal "${sig}"`);
    }
    if (h.exitResult) throw new InvalidRequestError("task_id", `Task ${taskId} has exited`);
    if (name === "SIGKILL") h.killSent = true;
    await h.client.containers.kill(h.containerId, name);
  }

  /** TaskStats: samples from the client's shared stats source until the task exits. */
  stats(taskId: string, intervalMs: number, signal: AbortSignal): AsyncGenerator<StatsSample> {
    const h = this.#get(taskId);
    return taskStats({
      source: statsSourceFor(h.client, this.#logger),
      task: h,
      intervalMs,
      signal,
      totalComputeMhz: this.#agent?.totalComputeMhz ?? 0,
    });
  }

  /** ExecTask: runs a command with a timeout, output captured. */
  exec(taskId: string, command: string[], timeoutMs: number): Promise<ExecResult> {
    const h = this.#get(taskId);
    return execOnce(h.client.exec, h.containerId, command, timeoutMs);
  }

  /** ExecTaskStreaming: an interactive session. */
  execStreaming(session: ExecSession): Promise<ExitResult> {
    const h = this.#get(session.taskId);
    return execInteractive(h.client.exec, h.containerId, session, this.#logger.named("exec"));
  }

  /** Stops background work; containers keep running. */
  async shutdown(): Promise<void> {
    this.#oom.stop();
    await Promise.all([this.#reconciler.stop(), this.#imageGc.stop()]);
    await Promise.all([...this.#watchers.values()].map((w) => w.stop()));
  }

  /** For tests and the reconciler: the container IDs of known tasks. */
  trackedContainers(): Set<string> {
    return new Set([...this.#tasks.values()].map((h) => h.containerId));
  }

  get agent(): AgentConfig | undefined {
    return this.#agent;
  }
}

export type { RecoveryDecision };

/** The recovery decision of an inspected container (see {@link recoveryDecisionFor}). */
export function recoveryDecision(
  inspect: ContainerInspect,
  recoverStopped: boolean,
): RecoveryDecision {
  return recoveryDecisionFor(classifyContainer(inspect.state), recoverStopped);
}

/** Re-exported for the state round-trip tests. */
export type { DriverState };
