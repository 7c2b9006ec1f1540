/**
 * A bounded RAM event log: the meter's sink until the flash event logs
 * (src/storage) back it, and what tests and the live status read. Oldest
 * entries drop first, so a flood of events cannot exhaust RAM.
 */
import type { EventSink, MeterEvent } from "../events.js";

export class RamEventLog implements EventSink {
  readonly #ring: MeterEvent[] = [];
  readonly #capacity: number;
  #dropped = 0;
  /** Also forwards every event here (e.g. the flash logs once they exist). */
  readonly #next: EventSink | undefined;

  constructor(capacity = 64, next?: EventSink) {
    this.#capacity = Math.max(1, capacity);
    this.#next = next;
  }

  record(event: MeterEvent): void {
    if (this.#ring.length >= this.#capacity) {
      this.#ring.shift();
      this.#dropped++;
    }
    this.#ring.push(event);
    this.#next?.record(event);
  }

  /** Most recent events, oldest first. */
  recent(): readonly MeterEvent[] {
    return this.#ring;
  }

  get dropped(): number {
    return this.#dropped;
  }
}
