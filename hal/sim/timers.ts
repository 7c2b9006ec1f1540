/**
 * The Timers port on simulated time. Callbacks run inside SimClock.advance()
 * when their instant is reached, in (due time, creation order) order, so a
 * run is reproducible bit for bit. A repeating timer keeps its phase (next
 * due = previous due + period) however coarse the clock steps are, like a
 * hardware timer; a step of an hour runs an every-second timer 3600 times.
 */
import type { TimerId, Timers } from "../timer.js";
import type { Scheduler, SimClock } from "./clock.js";

interface Entry {
  id: TimerId;
  due: number;
  /** 0 for a one-shot timer. */
  period: number;
  callback: () => void;
}

export class SimTimers implements Timers, Scheduler {
  readonly #clock: SimClock;
  /** Kept sorted by (due, id). Few timers exist at once, so insertion is a linear scan. */
  readonly #queue: Entry[] = [];
  #nextId = 1;

  constructor(clock: SimClock) {
    this.#clock = clock;
    clock.addScheduler(this);
  }

  once(ms: number, callback: () => void): TimerId {
    return this.#add(ms, 0, callback);
  }

  repeat(ms: number, callback: () => void): TimerId {
    // A zero period would never let time pass: one ms is the port's resolution.
    return this.#add(ms, Math.max(1, ms), callback);
  }

  clear(id: TimerId): void {
    const q = this.#queue;
    for (let i = 0; i < q.length; i++) {
      if (q[i].id === id) {
        q.splice(i, 1);
        return;
      }
    }
  }

  /** The firmware instance is gone (restart): its timers never fire again. */
  dispose(): void {
    this.#queue.length = 0;
    this.#clock.removeScheduler(this);
  }

  /** Timers pending (for tests and the simulator's shutdown check). */
  get pending(): number {
    return this.#queue.length;
  }

  nextDueMs(): number {
    return this.#queue.length ? this.#queue[0].due : Infinity;
  }

  runDue(): void {
    const now = this.#clock.nowMs();
    const q = this.#queue;
    while (q.length && q[0].due <= now) {
      const e = q.shift() as Entry;
      // Rescheduled before the callback runs, so that the callback may clear its own timer.
      if (e.period > 0) {
        e.due += e.period;
        this.#insert(e);
      }
      e.callback();
    }
  }

  #add(ms: number, period: number, callback: () => void): TimerId {
    const delay = ms > 0 && ms !== Infinity ? Math.floor(ms) : 0;
    const e: Entry = { id: this.#nextId++, due: this.#clock.nowMs() + delay, period, callback };
    this.#insert(e);
    return e.id;
  }

  #insert(e: Entry): void {
    const q = this.#queue;
    let i = q.length;
    while (i > 0 && (q[i - 1].due > e.due || (q[i - 1].due === e.due && q[i - 1].id > e.id))) i--;
    q.splice(i, 0, e);
  }
}
