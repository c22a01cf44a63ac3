/**
 * `deno task run-job`: runs a job file's podman tasks on this machine
 * through the real plugin protocol (the plugin as a separate process, driven
 * by the project's Nomad-client emulator in tests/support/harness), no Nomad cluster.
 *
 * @module
 */
import { Harness } from "../../tests/support/harness/mod.ts";
import { encodeHclConfig } from "../../tests/support/harness/hcl_encode.ts";
import { decodePluginConfig, defaultSocketPath } from "../../src/config/mod.ts";
import type { RunJobArgs } from "./args.ts";
import { type JobDecl, loadJob } from "./jobspec.ts";
import { type AllocatedPort, allocatePorts } from "./ports.ts";
import { configVariables, taskEnv } from "./task_env.ts";
import { checkTask, orderTasks, type PlannedTask } from "./plan.ts";
import { GroupRun, type TaskRun, TaskRunError } from "./group_run.ts";
import { bytes, error, PluginLogTail, status, warn } from "./output.ts";
import { writeRunJobProfile } from "./profile.ts";

/** The plugin config body run-job sends (SetConfig). */
export async function pluginConfigBody(args: RunJobArgs): Promise<string> {
  if (args.pluginConfigFile !== undefined) return await Deno.readTextFile(args.pluginConfigFile);
  if (args.socket !== undefined) return `socket_path = ${JSON.stringify(args.socket)}\n`;
  return "";
}

/** The default socket of a plugin config body, decoded by the plugin's own decoder. */
async function defaultSocket(h: Harness, body: string): Promise<string> {
  const bytes = await encodeHclConfig(body, await h.client.configSchema());
  const cfg = decodePluginConfig(bytes, { uid: Deno.uid() ?? 0 });
  return cfg.sockets[0]?.socketPath ?? defaultSocketPath(Deno.uid() ?? 0);
}

/** Group ports plus the legacy ports of a task. */
interface GroupPlan {
  allocId: string;
  ports: AllocatedPort[];
  tasks: TaskRun[];
}

/** Allocates ports and checks every task; throws before anything starts. */
async function planJob(h: Harness, job: JobDecl, args: RunJobArgs): Promise<GroupPlan[]> {
  const spec = await h.client.taskConfigSchema();
  const taken = new Set<number>();
  const datacenter = job.datacenters[0] ?? "dc1";
  return job.groups.map((group) => {
    if (group.count !== 1) {
      warn(`group "${group.name}": count = ${group.count}; run-job runs one allocation`);
    }
    const allocId = crypto.randomUUID();
    const ports = allocatePorts(group.ports, taken);
    const planned: Array<
      { plan: PlannedTask; env: Record<string, string>; ports: AllocatedPort[] }
    > = [];
    for (const task of group.tasks) {
      if (task.driver !== "podman") {
        warn(`task "${group.name}/${task.name}": driver "${task.driver}" skipped (not podman)`);
        continue;
      }
      if (task.artifacts > 0) {
        warn(
          `task "${group.name}/${task.name}": ${task.artifacts} artifact block(s) skipped ` +
            `(run-job does not download artifacts)`,
        );
      }
      const taskPorts = [...ports, ...allocatePorts(task.legacyPorts, taken)];
      const env = taskEnv({
        jobName: job.name,
        groupName: group.name,
        taskName: task.name,
        allocId,
        datacenter,
        cpu: task.cpu,
        memoryMb: task.memoryMb,
        memoryMaxMb: task.memoryMaxMb,
        cores: task.cores,
        ports: taskPorts,
        env: task.env,
      });
      const plan = checkTask(
        task,
        group,
        spec,
        configVariables(env, datacenter),
        args.images,
        allocId,
      );
      planned.push({ plan, env, ports: taskPorts });
    }
    const order = orderTasks(group.name, planned.map((p) => p.plan));
    const tasks: TaskRun[] = order.map((plan) => {
      const p = planned.find((x) => x.plan === plan)!;
      return { plan, env: p.env, ports: p.ports, state: "pending", tails: [], readers: [] };
    });
    return { allocId, ports, tasks };
  });
}

/** `<group>.<label> 127.0.0.1:<port> -> <to>` for every group and legacy task port. */
export function portLines(job: JobDecl, plans: GroupPlan[]): string[] {
  const lines: string[] = [];
  job.groups.forEach((g, i) => {
    const plan = plans[i]!;
    for (const p of plan.ports) {
      lines.push(`${g.name}.${p.label} ${p.hostIp}:${p.value} -> ${p.to || p.value}`);
    }
    for (const t of plan.tasks) {
      for (const l of t.plan.decl.legacyPorts) {
        const p = t.ports.find((x) => x.label === l.label);
        if (!p) continue;
        const to = t.plan.decoded.portMap[l.label] ?? (p.to || p.value);
        lines.push(`${g.name}.${p.label} ${p.hostIp}:${p.value} -> ${to}`);
      }
    }
  });
  return lines;
}

async function printStats(h: Harness, runs: GroupRun[]): Promise<void> {
  for (const run of runs) {
    for (const t of run.started.filter((t) => t.state === "running")) {
      const stream = h.client.taskStats(t.built!.id, 1000);
      try {
        // The second sample: CPU percentages need two.
        const msg = await stream.waitFor(() => true, 15_000, 1);
        const stats = (msg.stats ?? {}) as Record<string, Record<string, Record<string, unknown>>>;
        const mem = stats.agg_resource_usage?.memory ?? {};
        const cpu = stats.agg_resource_usage?.cpu ?? {};
        status(
          `stats ${run.opts.group.name}/${t.plan.decl.name}: memory rss ${
            bytes(Number(mem.rss ?? 0))
          }, usage ${bytes(Number(mem.usage ?? 0))}; cpu ${Number(cpu.percent ?? 0).toFixed(1)}% (${
            Number(cpu.total_ticks ?? 0).toFixed(1)
          } MHz)`,
        );
      } catch (e) {
        warn(`stats of ${t.plan.decl.name}: ${(e as Error).message}`);
      } finally {
        stream.cancel();
      }
    }
  }
}

/** Runs the job; resolves with the process exit code. */
export async function runJob(args: RunJobArgs): Promise<number> {
  const job = await loadJob(args.file, args.vars);
  const body = await pluginConfigBody(args);
  const ownDataDir = args.dataDir === undefined;
  const dataDir = args.dataDir ?? await Deno.makeTempDir({ prefix: "ndp-run-job-" });
  await Deno.mkdir(dataDir, { recursive: true });
  // Traversable like Nomad's data dir: a rootless socket's conmon (another user) opens the fifos.
  if (ownDataDir) await Deno.chmod(dataDir, 0o755);
  let stopRequested: (() => void) | undefined;
  const stopSignal = new Promise<"signal">((r) => (stopRequested = () => r("signal")));
  let signals = 0;
  const onSignal = () => {
    // `deno task` forwards the terminal's SIGINT too: say it once.
    if (signals++ === 0) status("signal received: stopping every task");
    stopRequested?.();
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  let h: Harness | undefined;
  let pluginTail: PluginLogTail | undefined;
  const runs: GroupRun[] = [];
  try {
    // Everything the plugin writes lives under the data dir: alloc dirs and its go-plugin socket.
    await Deno.mkdir(`${dataDir}/plugin`, { recursive: true });
    h = await Harness.start({
      pluginConfig: body,
      env: {
        PLUGIN_UNIX_SOCKET_DIR: `${dataDir}/plugin`,
        NOMAD_DRIVER_PODMAN_PROFILE: await writeRunJobProfile(dataDir, body),
      },
    });
    pluginTail = new PluginLogTail(h.plugin.stderrLines);
    const info = await h.client.pluginInfo();
    status(`plugin ${info.name} ${info.plugin_version} (pid ${h.plugin.pid}), data dir ${dataDir}`);
    const socketPath = await defaultSocket(h, body);
    const plans = await planJob(h, job, args);
    for (const [i, g] of job.groups.entries()) {
      status(`group ${g.name}: alloc ${plans[i]!.allocId}`);
      for (const t of plans[i]!.tasks) {
        status(
          `task ${g.name}/${t.plan.decl.name}: pending (image ${String(t.plan.config.image)})`,
        );
      }
    }
    for (const [i, group] of job.groups.entries()) {
      const plan = plans[i]!;
      const run = new GroupRun({
        harness: h,
        job,
        group,
        allocId: plan.allocId,
        dataDir,
        groupPorts: plan.ports,
        tasks: plan.tasks,
        socketPath,
        pauseImage: args.pauseImage,
      });
      runs.push(run);
      const starting = run.start();
      // After a signal, the rest of the start fails on purpose ("stopping"): not unhandled.
      starting.catch(() => {});
      const started = await Promise.race([starting.then(() => "started" as const), stopSignal]);
      if (started === "signal") {
        // Let the task being started come up (bounded: a prestart task may never exit),
        // so that stop() below sees it.
        run.abortStart();
        await Promise.race([starting.catch(() => {}), new Promise((r) => setTimeout(r, 10_000))]);
        return 0;
      }
    }
    status("all tasks running");
    for (const line of portLines(job, plans)) status(`port ${line}`);
    if (args.stats) await printStats(h, runs);
    const batch = job.type === "batch" || job.type === "sysbatch";
    const ended = batch
      ? Promise.all(runs.map((r) => r.mainsDone)).then((codes) => codes.find((c) => c !== 0) ?? 0)
      : Promise.race(runs.map((r) => r.mainsDone));
    const outcome = await Promise.race([ended, stopSignal]);
    if (outcome === "signal") return 0;
    status(`main tasks ended: exit code ${outcome}`);
    return outcome;
  } catch (e) {
    error((e as Error).message);
    return e instanceof TaskRunError ? e.exitCode : 1;
  } finally {
    for (const run of runs.reverse()) await run.stop();
    if (h) await h.close();
    pluginTail?.flush();
    if (ownDataDir) await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    status("stopped; everything removed");
  }
}
