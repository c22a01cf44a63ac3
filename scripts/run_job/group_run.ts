/**
 * One allocation (task group) under run-job: alloc dir, group namespace,
 * tasks started in Nomad's lifecycle order through the plugin, their logs
 * streamed, their exits watched, and everything stopped and destroyed.
 *
 * Order (as Nomad runs it): prestart tasks (a non-sidecar must exit 0 before
 * anything else starts), then the main tasks, then poststart tasks; inside a
 * phase a task starts after the tasks it joins (`task:NAME`). When the main
 * tasks end, sidecars are stopped and poststop tasks run to completion.
 *
 * @module
 */
import {
  addTaskFifos,
  type AllocDir,
  type BuiltTask,
  type FifoReader,
  type Harness,
  makeAllocDir,
} from "../../tests/support/harness/mod.ts";
import type { ProtoMessage } from "../../src/grpc/proto_root.ts";
import type { GroupDecl, JobDecl } from "./jobspec.ts";
import type { PlannedTask } from "./plan.ts";
import type { AllocatedPort } from "./ports.ts";
import { GroupNetwork } from "./group_network.ts";
import { imageName } from "./args.ts";
import { writeTemplates } from "./templates.ts";
import { LogTail, status, warn } from "./output.ts";

/** A task's run state. */
export type TaskState = "pending" | "running" | "exited";

/** One task of the group at run time. */
export interface TaskRun {
  plan: PlannedTask;
  env: Record<string, string>;
  /** Ports the task sees: the group's plus its legacy task ports. */
  ports: AllocatedPort[];
  state: TaskState;
  built?: BuiltTask;
  exitCode?: number;
  exited?: Promise<number>;
  tails: LogTail[];
  readers: FifoReader[];
}

/** A task that failed to start or a prestart task that failed. */
export class TaskRunError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = "TaskRunError";
    this.exitCode = exitCode;
  }
}

/** What a group run needs from the runner. */
export interface GroupRunOptions {
  harness: Harness;
  job: JobDecl;
  group: GroupDecl;
  allocId: string;
  /** Root under which `<group>/<allocId>/…` is created. */
  dataDir: string;
  groupPorts: AllocatedPort[];
  tasks: TaskRun[];
  socketPath: string;
  pauseImage: string;
}

function label(groupName: string, t: TaskRun): string {
  return `${groupName}/${t.plan.decl.name}`;
}

/** One running allocation. */
export class GroupRun {
  readonly opts: GroupRunOptions;
  #alloc: AllocDir | undefined;
  #network: GroupNetwork | undefined;
  /** Started tasks, in start order. */
  readonly started: TaskRun[] = [];
  #mainsDone!: (code: number) => void;
  /** Resolves with the run's exit code once the main tasks have ended (per job type). */
  readonly mainsDone: Promise<number>;
  #stopping = false;
  #aborted = false;

  constructor(opts: GroupRunOptions) {
    this.opts = opts;
    this.mainsDone = new Promise((r) => (this.#mainsDone = r));
  }

  get allocDir(): string | undefined {
    return this.#alloc?.allocDir;
  }

  get network(): GroupNetwork | undefined {
    return this.#network;
  }

  /** Starts the prestart, main and poststart tasks. */
  async start(): Promise<void> {
    const { group, tasks } = this.opts;
    if (group.networkMode === "bridge") {
      this.#network = await GroupNetwork.create({
        socketPath: this.opts.socketPath,
        image: this.opts.pauseImage,
        allocId: this.opts.allocId,
        groupName: group.name,
        ports: this.opts.groupPorts,
      });
      status(
        `group ${group.name}: network namespace ${this.#network.netnsPath} ` +
          `(held by container ${this.#network.containerName})`,
      );
    } else if (group.networkMode !== "host") {
      warn(`group "${group.name}": network mode "${group.networkMode}" is treated as "host"`);
    }
    for (const t of tasks.filter((t) => t.plan.phase === "prestart")) {
      await this.#startTask(t);
      if (!t.plan.sidecar) {
        const code = await t.exited!;
        if (code !== 0) {
          throw new TaskRunError(
            `prestart task ${
              label(group.name, t)
            } exited with code ${code}: main tasks not started`,
            code,
          );
        }
      }
    }
    const mains = tasks.filter((t) => t.plan.phase === "main");
    for (const t of mains) await this.#startTask(t);
    this.#watchMains(mains);
    for (const t of tasks.filter((t) => t.plan.phase === "poststart")) await this.#startTask(t);
  }

  #watchMains(mains: TaskRun[]): void {
    const batch = this.opts.job.type === "batch" || this.opts.job.type === "sysbatch";
    if (mains.length === 0) {
      this.#mainsDone(0);
      return;
    }
    const codes: number[] = [];
    for (const t of mains) {
      t.exited!.then((code) => {
        codes.push(code);
        if (!batch || codes.length === mains.length) {
          this.#mainsDone(codes.find((c) => c !== 0) ?? 0);
        }
      });
    }
  }

  async #startTask(t: TaskRun, poststop = false): Promise<void> {
    const { harness: h, group, job } = this.opts;
    const d = t.plan.decl;
    if ((this.#stopping || this.#aborted) && !poststop) {
      throw new TaskRunError("stopping: not started");
    }
    if (!this.#alloc) {
      this.#alloc = await makeAllocDir(d.name, {
        allocId: this.opts.allocId,
        root: `${this.opts.dataDir}/${group.name}`,
      });
      t.readers.push(this.#alloc.stdout!, this.#alloc.stderr!);
    } else {
      const f = await addTaskFifos(this.#alloc.allocDir, d.name);
      t.readers.push(f.stdout, f.stderr);
    }
    t.tails.push(
      new LogTail(t.readers[0]!, d.name, false),
      new LogTail(t.readers[1]!, d.name, true),
    );
    const legacy = t.ports.filter((p) => d.legacyPorts.some((l) => l.label === p.label));
    const built = await h.task({
      name: d.name,
      msgpackConfig: t.plan.msgpack,
      alloc: this.#alloc,
      env: t.env,
      user: d.user,
      cpu: d.cpu,
      memoryMb: d.memoryMb,
      memoryMaxMb: d.memoryMaxMb,
      ...(d.cores > 0 ? { cores: Array.from({ length: d.cores }, (_, i) => i).join(",") } : {}),
      ports: this.opts.groupPorts,
      legacyPorts: legacy,
      ...(this.#network ? { networkIsolation: this.#network.isolationSpec(d.name) } : {}),
      ...(group.dns ? { dns: group.dns } : {}),
      jobName: job.name,
      groupName: group.name,
    });
    t.built = built;
    await writeTemplates(d.templates, `${this.#alloc.allocDir}/${d.name}`, t.env, d.name);
    try {
      await h.start(built);
    } catch (e) {
      const msg = (e as Error).message;
      const hint = /pull image/i.test(msg)
        ? ` (offline? give a local image with --image ${
          imageName(String(t.plan.config.image))
        }=REF)`
        : "";
      throw new TaskRunError(`task ${label(group.name, t)} failed to start: ${msg}${hint}`);
    }
    t.state = "running";
    this.started.push(t);
    status(`task ${label(group.name, t)}: running (container ${d.name}-${this.opts.allocId})`);
    t.exited = h.client.waitTask(built.id).then(
      (resp: ProtoMessage) => {
        const r = (resp.result ?? {}) as Record<string, unknown>;
        const code = Number(r.exit_code ?? 0);
        const signal = Number(r.signal ?? 0);
        const err = typeof resp.err === "string" && resp.err !== "" ? ` (${resp.err})` : "";
        t.state = "exited";
        t.exitCode = code;
        status(
          `task ${label(group.name, t)}: exited (code ${code}${
            signal ? `, signal ${signal}` : ""
          }` +
            `${r.oom_killed ? ", OOM killed" : ""})${err}`,
        );
        return code;
      },
      (e: Error) => {
        t.state = "exited";
        t.exitCode = 1;
        if (!this.#stopping) status(`task ${label(group.name, t)}: wait failed: ${e.message}`);
        return 1;
      },
    );
  }

  /** Lets a start in progress finish the task it is starting, and start no more. */
  abortStart(): void {
    this.#aborted = true;
  }

  /**
   * Stops every started task (main and poststart tasks first, then the
   * prestart sidecars they may join), runs poststop tasks, destroys
   * everything and removes the group namespace.
   */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    const { harness: h } = this.opts;
    const running = () => this.started.filter((t) => t.state === "running");
    const stopAll = (ts: TaskRun[]) =>
      Promise.all(ts.map(async (t) => {
        status(
          `task ${label(this.opts.group.name, t)}: stopping (${
            t.plan.decl.killSignal || "SIGTERM"
          }, kill_timeout ${t.plan.decl.killTimeoutMs / 1000}s)`,
        );
        try {
          await h.client.stopTask(t.built!.id, t.plan.decl.killTimeoutMs, t.plan.decl.killSignal);
          await t.exited;
        } catch (e) {
          warn(`stopping ${label(this.opts.group.name, t)}: ${(e as Error).message}`);
        }
      }));
    await stopAll(running().filter((t) => t.plan.phase !== "prestart"));
    await stopAll(running());
    for (const t of this.opts.tasks.filter((t) => t.plan.phase === "poststop")) {
      try {
        await this.#startTask(t, true);
        await t.exited;
      } catch (e) {
        warn((e as Error).message);
      }
    }
    for (const t of [...this.started].reverse()) {
      try {
        await h.client.destroyTask(t.built!.id, true);
      } catch (e) {
        warn(`destroying ${label(this.opts.group.name, t)}: ${(e as Error).message}`);
      }
    }
    await this.#network?.remove();
    // Logs end when conmon closes the fifos; give the readers a moment, then stop them.
    for (const t of this.opts.tasks) {
      await Promise.race([
        Promise.all(t.readers.map((r) => r.done)),
        new Promise((r) => setTimeout(r, 1000)),
      ]);
      for (const tail of t.tails) tail.flush();
      for (const r of t.readers) await r.close();
    }
  }
}
