/**
 * Pull coordination: concurrent requests with the same key share ONE run
 * (singleflight), each waiter gets the run's events (late joiners first get
 * the "sticky" ones, e.g. "Pulling image …"), a waiter that is cancelled
 * leaves without disturbing the others, and the run is aborted only when
 * every waiter has left.
 *
 * @module
 */

import type { Logger } from "../plugin_log/mod.ts";
import { errorMessage } from "../common/mod.ts";

/** Receives task events ("Pulling image …"). */
export type ImageEventSink = (message: string, annotations: Record<string, string>) => void;

/** What a shared run sees: its own cancellation, and an event fan-out. */
export interface FlightContext {
  /** Aborted when every waiter has left. */
  signal: AbortSignal;
  /** Sends an event to all current waiters; `sticky` ones also reach later joiners. */
  emit(message: string, annotations: Record<string, string>, sticky?: boolean): void;
}

interface Waiter {
  onEvent: ImageEventSink;
}

interface Flight<T> {
  promise: Promise<T>;
  controller: AbortController;
  waiters: Set<Waiter>;
  sticky: Array<[string, Record<string, string>]>;
}

/** Shares identical concurrent work, keyed by a string. */
export class SingleFlight<T> {
  readonly #logger: Logger;
  readonly #flights = new Map<string, Flight<T>>();

  /** @param logger Where failing event sinks are reported. */
  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Number of runs in progress. */
  get size(): number {
    return this.#flights.size;
  }

  /**
   * Joins the run for `key`, starting it with `run` when there is none.
   *
   * @param key Identifies identical work.
   * @param onEvent This waiter's event sink.
   * @param signal This waiter's cancellation (rejects only this waiter).
   * @param run Starts the work (called at most once per flight).
   * @returns The run's result.
   */
  async join(
    key: string,
    onEvent: ImageEventSink,
    signal: AbortSignal | undefined,
    run: (ctx: FlightContext) => Promise<T>,
  ): Promise<T> {
    signal?.throwIfAborted();
    const waiter: Waiter = { onEvent };
    let flight = this.#flights.get(key);
    if (flight === undefined) {
      flight = this.#start(key, waiter, run);
    } else {
      flight.waiters.add(waiter);
      for (const [m, a] of flight.sticky) safeEmit(onEvent, m, a, this.#logger);
    }
    const current = flight;
    try {
      return await raceAbort(current.promise, signal);
    } finally {
      current.waiters.delete(waiter);
      this.#leave(key, current, signal);
    }
  }

  /** Starts a flight with its first waiter already in (the run may emit at once). */
  #start(key: string, first: Waiter, run: (ctx: FlightContext) => Promise<T>): Flight<T> {
    const controller = new AbortController();
    const created: Flight<T> = {
      promise: new Promise<T>(() => {}),
      controller,
      waiters: new Set([first]),
      sticky: [],
    };
    const ctx: FlightContext = {
      signal: controller.signal,
      emit: (message, annotations, sticky = false) => {
        if (sticky) created.sticky.push([message, annotations]);
        for (const w of created.waiters) safeEmit(w.onEvent, message, annotations, this.#logger);
      },
    };
    created.promise = (async () => await run(ctx))().finally(() => {
      if (this.#flights.get(key) === created) this.#flights.delete(key);
    });
    created.promise.catch(() => {}); // observed by the waiters
    this.#flights.set(key, created);
    return created;
  }

  /** Everybody left (cancelled): stop the shared work, and let the next caller start afresh. */
  #leave(key: string, flight: Flight<T>, signal: AbortSignal | undefined): void {
    if (flight.waiters.size !== 0 || flight.controller.signal.aborted) return;
    if (this.#flights.get(key) !== flight) return;
    this.#flights.delete(key);
    flight.controller.abort(
      signal?.reason ?? new DOMException("Image resolution cancelled", "AbortError"),
    );
  }
}

function safeEmit(
  sink: ImageEventSink,
  message: string,
  annotations: Record<string, string>,
  logger: Logger,
): void {
  try {
    sink(message, { ...annotations });
  } catch (err) {
    logger.warn("image event sink failed", { error: errorMessage(err) });
  }
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
