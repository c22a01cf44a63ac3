/**
 * Test helpers shared by the driver's timer-driven components: a manual
 * clock and a logger that keeps its lines.
 *
 * @module
 */
import { Logger } from "../../src/plugin_log/mod.ts";
import type { Clock } from "../../src/driver/reconciler.ts";

/** A manual clock: timers fire only in {@link FakeClock.advance}. */
export class FakeClock implements Clock {
  t = 1_000_000;
  #next = 1;
  readonly timers = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Moves time forward, firing due timers in order and letting their async work settle. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      let due: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (!due || e[1].at < due[1].at)) due = e;
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
      await settle();
    }
    this.t = end;
    await settle();
  }
}

export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
}

/** A logger whose lines are kept. */
export function memLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = new Logger("test", {
    sink: { write: (l) => void lines.push(JSON.parse(l)) },
    level: "trace",
  });
  return { logger, lines };
}
