/**
 * The driver units' shared test wiring: a {@link FakePort}, a task store, an
 * exit watch and OOM sampler that only record, a real exit recorder, and the
 * events and log lines they produce.
 *
 * @module
 */
import { ExitRecorder } from "../../src/driver/exit_result.ts";
import type { ExitWatch, OomPort, TaskEventSink } from "../../src/driver/ports.ts";
import { TaskStore } from "../../src/driver/task_store.ts";
import type { HeldFifo } from "../../src/logs/mod.ts";
import type { Logger } from "../../src/plugin_log/mod.ts";
import { memLogger } from "./test_clock.ts";
import { FakePort } from "./fake_port.ts";

/** A stand-in for holding a task's log fifo: counts holds and releases; `reader` false: nobody reads. */
export interface FakeFifo {
  held: number;
  released: number;
  reader: boolean;
  hold: () => Promise<HeldFifo | null>;
}

/** A fresh {@link FakeFifo} with a reader. */
export function fakeFifo(): FakeFifo {
  const f: FakeFifo = {
    held: 0,
    released: 0,
    reader: true,
    hold: () => {
      if (!f.reader) return Promise.resolve(null);
      f.held++;
      return Promise.resolve({ release: () => void f.released++ });
    },
  };
  return f;
}

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
    hostKills: () => Promise.resolve(0),
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
