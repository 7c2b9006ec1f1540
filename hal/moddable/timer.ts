import type { TimerId, Timers } from "../timer.js";

/** What the HAL uses of Moddable's `timer` module. */
export interface TimerApi<Handle> {
  set(callback: () => void, interval: number, repeat?: number): Handle;
  clear(handle: Handle): void;
}

/**
 * The timer port over Moddable's `timer`: numeric ids (the port's contract,
 * so firmware can store them in plain fields) mapped to Timer handles. A
 * one-shot forgets its handle when it fires, so ids never leak.
 */
export class ModdableTimers<Handle> implements Timers {
  private declare readonly api: TimerApi<Handle>;
  private declare readonly handles: Map<TimerId, Handle>;
  private declare next: number;

  constructor(api: TimerApi<Handle>) {
    this.handles = new Map<TimerId, Handle>();
    this.next = 1;
    this.api = api;
  }

  once(ms: number, callback: () => void): TimerId {
    const id = this.id();
    this.handles.set(
      id,
      this.api.set(() => {
        this.handles.delete(id);
        callback();
      }, Math.max(0, ms)),
    );
    return id;
  }

  repeat(ms: number, callback: () => void): TimerId {
    const id = this.id();
    const interval = Math.max(1, ms);
    this.handles.set(id, this.api.set(callback, interval, interval));
    return id;
  }

  clear(id: TimerId): void {
    const handle = this.handles.get(id);
    if (handle === undefined) return;
    this.handles.delete(id);
    this.api.clear(handle);
  }

  /** Live timers, for leak checks. */
  get active(): number {
    return this.handles.size;
  }

  private id(): TimerId {
    const id = this.next;
    // Wrap well inside the small-integer range XS stores without boxing.
    this.next = id >= 0x3fffffff ? 1 : id + 1;
    return id;
  }
}
