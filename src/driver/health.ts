/**
 * Healthcheck results as Nomad sees them: every change of a container's
 * health becomes a TaskEvent and InspectTask driver attributes
 * (`health_status`, `health_checked_by`).
 *
 * Podman schedules a container's checks with systemd timers. On a host
 * without systemd (Podman logs "unable to get systemd connection") no check
 * ever runs and the health stays `starting` forever. When no result has
 * appeared one interval + timeout (+ a grace) after the start, the driver
 * says so once in a TaskEvent and runs the check itself at the container's
 * interval, through Podman's healthcheck endpoint.
 *
 * @module
 */
import type { Logger } from "../plugin_log/mod.ts";
import type { ContainerHealth, HealthcheckSettings } from "../podman/mod.ts";
import { isNoHealthcheck } from "./spec/mod.ts";
import { errorMessage, sleep } from "../common/mod.ts";

/** What the monitor needs of a task. */
export interface HealthTask {
  taskId: string;
  containerId: string;
  attributes: Record<string, string>;
  lifetime: AbortController;
  readonly exitResult: unknown;
  client: {
    containers: {
      inspect(id: string, o?: { signal?: AbortSignal }): Promise<{ health: ContainerHealth }>;
      runHealthcheck(id: string, o?: { signal?: AbortSignal }): Promise<ContainerHealth>;
    };
  };
}

/** Options of {@link monitorHealth}. */
export interface HealthMonitorOptions {
  logger: Logger;
  /** Emits a TaskEvent for the task. */
  event: (message: string, annotations: Record<string, string>) => void;
  /** Extra wait before concluding that Podman runs no checks. @default 2000 */
  graceMs?: number;
}

const DEFAULT_INTERVAL_MS = 30_000;
const DEFAULT_TIMEOUT_MS = 30_000;

function ms(ns: number, fallback: number): number {
  return ns > 0 ? Math.ceil(ns / 1_000_000) : fallback;
}

/** Whether a container's healthcheck is something to watch. */
export function hasHealthcheck(settings: HealthcheckSettings | undefined): boolean {
  return settings !== undefined && !isNoHealthcheck(settings.test);
}

/** Podman runs no healthcheck timers here (no systemd): the driver runs the check from now on. */
function takeOverHealthchecks(
  h: HealthTask,
  intervalMs: number,
  options: HealthMonitorOptions,
): void {
  h.attributes.health_checked_by = "driver";
  options.event(
    `Healthcheck: Podman cannot run this container's healthcheck on this host: its ` +
      `healthcheck timers need systemd, which is not running (Podman logs "unable to get ` +
      `systemd connection"). The podman driver runs the check itself every ${
        intervalMs / 1000
      }s; ` +
      `set healthchecks { disable = true } in the task config to turn it off.`,
    { healthcheck: "driver" },
  );
  options.logger.warn("Podman runs no healthchecks here (no systemd); the driver runs them", {
    task_id: h.taskId,
    interval_ms: intervalMs,
  });
}

/** A health change: InspectTask attributes and a TaskEvent. */
function reportHealth(
  h: HealthTask,
  health: ContainerHealth,
  checkedBy: "podman" | "driver",
  options: HealthMonitorOptions,
): void {
  h.attributes.health_status = health.status;
  h.attributes.health_failing_streak = String(health.failingStreak);
  const output = health.lastOutput.trim().slice(0, 200);
  options.event(
    `Healthcheck: ${health.status}${
      health.status === "unhealthy" && output ? ` (last output: ${output})` : ""
    }`,
    { health_status: health.status, checked_by: checkedBy },
  );
}

/**
 * Watches a running task's health until it exits or is destroyed. Never
 * rejects.
 */
export async function monitorHealth(
  h: HealthTask,
  settings: HealthcheckSettings,
  options: HealthMonitorOptions,
): Promise<void> {
  const log = options.logger;
  const signal = h.lifetime.signal;
  const intervalMs = Math.max(ms(settings.intervalNs, DEFAULT_INTERVAL_MS), 250);
  const timeoutMs = ms(settings.timeoutNs, DEFAULT_TIMEOUT_MS);
  const deadline = Date.now() + intervalMs + timeoutMs + (options.graceMs ?? 2000);
  const pollMs = Math.min(intervalMs, 5000);
  let checkedBy: "podman" | "driver" = "podman";
  let last = "";
  h.attributes.health_checked_by = checkedBy;
  while (!signal.aborted && !h.exitResult) {
    await sleep(checkedBy === "driver" ? intervalMs : pollMs, signal);
    if (signal.aborted || h.exitResult) return;
    let health: ContainerHealth;
    try {
      health = checkedBy === "driver"
        ? await h.client.containers.runHealthcheck(h.containerId, { signal })
        : (await h.client.containers.inspect(h.containerId, { signal })).health;
    } catch (err) {
      if (signal.aborted || h.exitResult) return;
      log.debug("cannot read the container's health", {
        task_id: h.taskId,
        error: errorMessage(err),
      });
      continue;
    }
    if (checkedBy === "podman" && health.runs === 0 && Date.now() >= deadline) {
      checkedBy = "driver";
      takeOverHealthchecks(h, intervalMs, options);
      continue;
    }
    if (health.status && health.status !== last) {
      last = health.status;
      reportHealth(h, health, checkedBy, options);
    } else if (health.status) {
      h.attributes.health_failing_streak = String(health.failingStreak);
    }
  }
}
