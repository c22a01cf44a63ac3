/**
 * Everything run-job checks before any task starts: each podman task's
 * `config` encoded through the plugin's advertised TaskConfigSchema (as
 * Nomad's client does) and decoded by the plugin's own TaskConfig decoder,
 * `network_mode`/`ipc_mode` parsed like the plugin does, port labels checked
 * against the group, and the order tasks start in (lifecycle hooks, then
 * `task:NAME` references first).
 *
 * @module
 */
import type { Spec } from "../../src/hclspec/mod.ts";
import { decodeTaskConfig } from "../../src/config/mod.ts";
import type { TaskConfig } from "../../src/config/types.ts";
import { parseNetworkMode } from "../../src/driver/spec/network.ts";
import { parseIpcMode } from "../../src/driver/spec/ipc.ts";
import { encodeJsonConfig, wrapObjectAttributes } from "../../tests/support/harness/hcl_encode.ts";
import type { GroupDecl, JsonObject, TaskDecl } from "./jobspec.ts";
import { overrideImage } from "./args.ts";

/** A task that cannot run; names the task, and the option and value when it is the config. */
export class InvalidTaskError extends Error {
  readonly task: string;
  constructor(task: string, message: string) {
    super(`task "${task}": ${message}`);
    this.name = "InvalidTaskError";
    this.task = task;
  }
}

/** When a task runs relative to the main tasks. */
export type Phase = "prestart" | "main" | "poststart" | "poststop";

/** Nomad's phase of a task. */
export function phaseOf(t: Pick<TaskDecl, "lifecycle">): Phase {
  return t.lifecycle?.hook ?? "main";
}

const PHASE_ORDER: Record<Phase, number> = { prestart: 0, main: 1, poststart: 2, poststop: 3 };

/** A checked task, ready to build. */
export interface PlannedTask {
  decl: TaskDecl;
  phase: Phase;
  sidecar: boolean;
  /** The config block with the image override applied. */
  config: JsonObject;
  /** The cty msgpack bytes Nomad would send. */
  msgpack: Uint8Array;
  /** The decoded TaskConfig (what the plugin will see). */
  decoded: TaskConfig;
  /** Tasks whose container this one joins (`task:NAME`). */
  dependsOn: string[];
}

/** Encodes and validates one task's config. */
export function checkTask(
  task: TaskDecl,
  group: Pick<GroupDecl, "name" | "ports">,
  spec: Spec,
  variables: Record<string, string>,
  images: ReadonlyMap<string, string>,
  allocId: string,
): PlannedTask {
  const label = `${group.name}/${task.name}`;
  const config: JsonObject = { ...task.config };
  if (typeof config.image === "string") config.image = overrideImage(config.image, images);
  let msgpack: Uint8Array;
  let decoded: TaskConfig;
  try {
    msgpack = encodeJsonConfig(wrapObjectAttributes(config), spec, { variables });
    decoded = decodeTaskConfig(msgpack);
  } catch (e) {
    const err = e as Error & { field?: string };
    throw new InvalidTaskError(
      label,
      err.name === "HclDecodeError" ? `config.${err.message}` : err.message,
    );
  }
  const dependsOn: string[] = [];
  try {
    if (decoded.networkMode !== "") {
      const choice = parseNetworkMode(decoded.networkMode, allocId);
      if (decoded.networkMode.startsWith("task:")) dependsOn.push(decoded.networkMode.slice(5));
      void choice;
    }
    if (decoded.ipcMode !== "") {
      parseIpcMode(decoded.ipcMode, allocId);
      if (decoded.ipcMode.startsWith("task:")) dependsOn.push(decoded.ipcMode.slice(5));
    }
  } catch (e) {
    throw new InvalidTaskError(label, (e as Error).message);
  }
  const labels = new Set(group.ports.map((p) => p.label));
  for (const p of decoded.ports) {
    if (!labels.has(p)) {
      throw new InvalidTaskError(
        label,
        `invalid config ports = ${JSON.stringify(decoded.ports)}: port "${p}" is not declared ` +
          `in the group's network block`,
      );
    }
  }
  const legacy = new Set(task.legacyPorts.map((p) => p.label));
  for (const p of Object.keys(decoded.portMap)) {
    if (!legacy.has(p)) {
      throw new InvalidTaskError(
        label,
        `invalid config port_map.${p} = ${decoded.portMap[p]}: no port "${p}" in the task's ` +
          `resources { network { … } } block`,
      );
    }
  }
  return {
    decl: task,
    phase: phaseOf(task),
    sidecar: task.lifecycle?.sidecar ?? false,
    config,
    msgpack,
    decoded,
    dependsOn: [...new Set(dependsOn)],
  };
}

/**
 * Orders a group's tasks: by phase, and inside a phase every task after the
 * tasks it joins. A reference to a task of a later phase, to a missing task,
 * or a cycle is an error.
 */
export function orderTasks(groupName: string, tasks: PlannedTask[]): PlannedTask[] {
  const byName = new Map(tasks.map((t) => [t.decl.name, t]));
  for (const t of tasks) {
    for (const d of t.dependsOn) {
      const dep = byName.get(d);
      const at = `${groupName}/${t.decl.name}`;
      if (!dep) {
        throw new InvalidTaskError(
          at,
          `joins task "${d}", which is not a podman task of the group`,
        );
      }
      if (PHASE_ORDER[dep.phase] > PHASE_ORDER[t.phase]) {
        throw new InvalidTaskError(
          at,
          `joins task "${d}" (${dep.phase}), which starts after it (${t.phase})`,
        );
      }
      if (dep.phase === "prestart" && !dep.sidecar && t.phase !== "prestart") {
        throw new InvalidTaskError(
          at,
          `joins task "${d}", a prestart task that is not a sidecar (it has exited by then)`,
        );
      }
    }
  }
  const out: PlannedTask[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (t: PlannedTask, chain: string[]) => {
    const s = state.get(t.decl.name);
    if (s === "done") return;
    if (s === "visiting") {
      throw new InvalidTaskError(
        `${groupName}/${t.decl.name}`,
        `task:NAME references form a cycle (${[...chain, t.decl.name].join(" → ")})`,
      );
    }
    state.set(t.decl.name, "visiting");
    for (const d of t.dependsOn) visit(byName.get(d)!, [...chain, t.decl.name]);
    state.set(t.decl.name, "done");
    out.push(t);
  };
  const sorted = [...tasks].sort((a, b) => PHASE_ORDER[a.phase] - PHASE_ORDER[b.phase]);
  for (const t of sorted) visit(t, []);
  // A dependency in an earlier phase is already placed; phases stay in order.
  return out.sort((a, b) => PHASE_ORDER[a.phase] - PHASE_ORDER[b.phase]);
}
