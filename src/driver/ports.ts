/**
 * The narrow Podman ports of the driver's units: each unit names only the
 * calls it makes, so its branches are unit-tested with a small fake port and
 * {@link PodmanClient} satisfies every port as it is.
 *
 * @module
 */
import type { PodmanClient } from "../podman/mod.ts";
import type { OomMonitor } from "./oom.ts";

type Containers = PodmanClient["containers"];

/** Noticing and recording an exit: one inspect, and the memory limit for an unexplained SIGKILL. */
export interface ExitPort {
  readonly containers: Pick<Containers, "inspect" | "inspectRaw">;
}

/** StopTask, DestroyTask and SignalTask. */
export interface StopPort {
  readonly containers: Pick<Containers, "inspect" | "inspectRaw" | "kill" | "unpause" | "remove">;
}

/** RecoverTask: inspect, restart, remove. */
export interface RecoverPort {
  readonly socketPath: string;
  readonly containers: Pick<Containers, "inspect" | "inspectRaw" | "start" | "remove">;
}

/** StartTask: leftover check, create, start, verify, rollback. */
export interface StartPort {
  readonly socketPath: string;
  readonly containers: Pick<
    Containers,
    "inspect" | "inspectRaw" | "inspectWithRaw" | "create" | "start" | "remove"
  >;
  readonly images: Pick<PodmanClient["images"], "inspect">;
  networkExists: PodmanClient["networkExists"];
}

/** Every call the driver's units make: what a task's client must offer. */
export type TaskPort = StartPort & RecoverPort & StopPort & ExitPort;

/** Exit notices per client (one `ExitWatcher` per socket in production). */
export interface ExitWatch<C> {
  watch(client: C, containerId: string): void;
  unwatch(client: C, containerId: string): void;
}

/** The kernel's OOM counters (the `OomMonitor` in production). */
export type OomPort = Pick<OomMonitor, "prime" | "hostKills" | "track" | "untrack" | "evidence">;

/** Where a unit's task events go. */
export type TaskEventSink = (
  task: { taskId: string; allocId: string; taskName: string },
  message: string,
  annotations: Record<string, string>,
) => void;
