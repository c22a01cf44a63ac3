/**
 * Environment and labels: the Nomad env map, the job's `labels`, the plugin's
 * `extra_labels` and the driver's own ownership labels.
 *
 * @module
 */

import type { PluginConfig, TaskConfig } from "../../config/mod.ts";
import type { NomadTask } from "../task_request.ts";
import type { SpecGenerator } from "./types.ts";

/** Label prefix of the Nomad metadata selected by `extra_labels`. */
export const NOMAD_LABEL_PREFIX = "com.hashicorp.nomad.";

/**
 * Ownership labels, set on every container this plugin creates. The dangling
 * container reconciler selects on {@link OWNER_LABELS.managed} and reads the rest.
 */
export const OWNER_LABELS = {
  /** Always `"true"`. */
  managed: "io.nomad-driver-podman.managed",
  /** Nomad task ID (`<alloc>/<task>/<hex>`). */
  taskId: "io.nomad-driver-podman.task_id",
  allocId: "io.nomad-driver-podman.alloc_id",
  taskName: "io.nomad-driver-podman.task_name",
} as const;

/** Builds `env`: Nomad's env map as-is, plus extra entries (e.g. `NOMAD_PORT_<label>`). */
export function buildEnv(
  task: Pick<NomadTask, "env">,
  extra: Record<string, string> = {},
): SpecGenerator {
  return { env: { ...task.env, ...extra } };
}

/** Glob match supporting `*` (any run of characters), like ryanuber/go-glob. */
export function globMatch(pattern: string, subject: string): boolean {
  const parts = pattern.split("*");
  if (parts.length === 1) return pattern === subject;
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (!subject.startsWith(first)) return false;
  let pos = first.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const at = subject.indexOf(parts[i], pos);
    if (at < 0) return false;
    pos = at + parts[i].length;
  }
  return subject.length - pos >= last.length && subject.endsWith(last);
}

/** The Nomad metadata labels selected by the plugin's `extra_labels` globs. */
export function extraLabels(
  task: Pick<
    NomadTask,
    "allocId" | "jobName" | "jobId" | "taskGroupName" | "name" | "namespace" | "nodeName" | "nodeId"
  >,
  patterns: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  if (patterns.length === 0) return out;
  const metadata: Record<string, string> = {
    job_name: task.jobName,
    job_id: task.jobId,
    task_group_name: task.taskGroupName,
    task_name: task.name,
    namespace: task.namespace,
    node_name: task.nodeName,
    node_id: task.nodeId,
  };
  for (const [key, value] of Object.entries(metadata)) {
    const full = NOMAD_LABEL_PREFIX + key;
    if (patterns.some((p) => globMatch(p, key) || globMatch(p, full))) out[full] = value;
  }
  if (task.allocId !== "") out[`${NOMAD_LABEL_PREFIX}alloc_id`] = task.allocId;
  return out;
}

/**
 * Builds `labels`: the job's `labels`, then the `extra_labels` metadata, then
 * the ownership labels (which a job cannot override).
 */
export function buildLabels(
  task: Parameters<typeof extraLabels>[0] & Pick<NomadTask, "id">,
  config: Pick<TaskConfig, "labels">,
  plugin: Pick<PluginConfig, "extraLabels">,
): SpecGenerator {
  return {
    labels: {
      ...config.labels,
      ...extraLabels(task, plugin.extraLabels),
      [OWNER_LABELS.managed]: "true",
      [OWNER_LABELS.taskId]: task.id,
      [OWNER_LABELS.allocId]: task.allocId,
      [OWNER_LABELS.taskName]: task.name,
    },
  };
}
