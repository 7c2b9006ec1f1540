/**
 * A bounded RAM event log: the meter's sink until the flash event logs
 * (src/storage) back it, and what tests and the live status read. Oldest
 * entries drop first, so a flood of events cannot exhaust RAM.
 */
import type { EventSink, MeterEvent } from "../events.js";

export class RamEventLog implements EventSink {
  private readonly ring: MeterEvent[] = [];
  private readonly capacity: number;
  private droppedCount = 0;
  /** Also forwards every event here (the flash event logs, a board's sink). */
  private readonly next: EventSink[] = [];
  /** Events recorded before the flash logs were mounted, replayed into them on attach(). */
  private early: MeterEvent[] | undefined = [];
  private muted = false;

  constructor(capacity = 64, next?: EventSink) {
    this.capacity = Math.max(1, capacity);
    if (next) this.next.push(next);
  }

  record(event: MeterEvent): void {
    if (this.muted) return;
    if (this.ring.length >= this.capacity) {
      this.ring.shift();
      this.droppedCount++;
    }
    this.ring.push(event);
    if (this.early && this.early.length < this.capacity) this.early.push(event);
    // A sink that cannot take the event (flash full or failing) must not
    // undo what the caller already did: the change stands, the event is
    // kept in RAM, and the failure is counted (the meter reports it as a fault).
    for (let i = 0; i < this.next.length; i++) this.forward(this.next[i], event);
  }

  /** Events a forwarded sink threw on (counted, never thrown to the domain that reported them). */
  sinkFaults = 0;

  /**
   * Adds a sink that could not exist yet when the first events happened
   * (the flash logs mount after the clock reports an invalid time): the
   * events since start-up are replayed into it first.
   */
  attach(sink: EventSink): void {
    this.early?.forEach((e) => this.forward(sink, e));
    this.next.push(sink);
  }

  private forward(sink: EventSink, event: MeterEvent): void {
    try {
      sink.record(event);
    } catch {
      this.sinkFaults++;
    }
  }

  /**
   * Runs `fn` without recording: restoring stored settings at boot re-applies
   * changes that were logged when a client made them, and must not log them
   * again at every start.
   */
  quiet<T>(fn: () => T): T {
    this.muted = true;
    try {
      return fn();
    } finally {
      this.muted = false;
    }
  }

  /** Start-up is over: no more replay buffer. */
  started(): void {
    this.early = undefined;
  }

  /** Most recent events, oldest first. */
  recent(): readonly MeterEvent[] {
    return this.ring;
  }

  get dropped(): number {
    return this.droppedCount;
  }
}
