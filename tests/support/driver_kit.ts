/**
 * The driver units' shared test wiring: a {@link FakePort}, a task store, an
 * exit watch and OOM sampler that only record, a real exit recorder, and the
 * events and log lines they produce.
 *
 * @module
 */
import { ExitRecorder } from "../../src/driver/exit_result.ts";
import type { HostFacts } from "../../src/driver/host_facts.ts";
import type { ExitWatch, OomPort, TaskEventSink } from "../../src/driver/ports.ts";
import { TaskStore } from "../../src/driver/task_store.ts";
import type { Logger } from "../../src/plugin_log/mod.ts";
import { memLogger } from "./test_clock.ts";
import { FakePort } from "./fake_port.ts";

/** Rootful Podman 4.3 on cgroup v1, 2 CPUs: the facts of the test machines. */
export const FAKE_HOST: HostFacts = {
  apiVersion: "4.3.1",
  rootless: false,
  cgroupVersion: 1,
  cgroupManager: "cgroupfs",
  numCpus: 2,
  memTotal: 24 << 30,
  appArmorEnabled: false,
  selinuxEnabled: false,
  seccompEnabled: true,
  capabilities: "CAP_CHOWN,CAP_KILL",
  ociRuntimePath: "/usr/bin/runc",
  remoteSocketPath: "",
};

/** Everything a unit under test is wired to. */
export interface DriverKit {
  port: FakePort;
  tasks: TaskStore<FakePort>;
  /** Containers under exit watch. */
  watched: Set<string>;
  exits: ExitWatch<FakePort>;
  /** OOM sampler calls (`prime id`, `track id`, `untrack id`). */
  oomCalls: string[];
  oom: OomPort;
  recorder: ExitRecorder<FakePort>;
  /** Task event messages. */
  events: string[];
  event: TaskEventSink;
  logger: Logger;
  lines: Record<string, unknown>[];
}

/** A fresh kit. */
export function driverKit(): DriverKit {
  const port = new FakePort();
  const tasks = new TaskStore<FakePort>();
  const watched = new Set<string>();
  const exits: ExitWatch<FakePort> = {
    watch: (_c, id) => void watched.add(id),
    unwatch: (_c, id) => void watched.delete(id),
  };
  const oomCalls: string[] = [];
  const oom: OomPort = {
    prime: (id) => Promise.resolve(void oomCalls.push(`prime ${id}`)),
    track: (id) => Promise.resolve(void oomCalls.push(`track ${id}`)),
    untrack: (id) => void oomCalls.push(`untrack ${id}`),
    evidence: () => Promise.resolve(undefined),
  };
  const events: string[] = [];
  const event: TaskEventSink = (_task, message) => void events.push(message);
  const { logger, lines } = memLogger();
  const recorder = new ExitRecorder({ tasks, exits, oom, logger, event });
  return { port, tasks, watched, exits, oomCalls, oom, recorder, events, event, logger, lines };
}
