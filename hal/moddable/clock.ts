import type { MonotonicClock, Rtc } from "../clock.js";

/**
 * Monotonic milliseconds from Moddable's `Time.ticks`, a 32-bit millisecond
 * counter on the microcontrollers that wraps after 49.7 days (and may read
 * negative once past 2^31). Differences are taken modulo 2^32 and accumulated
 * in a double, so the clock never wraps as long as it is read at least once
 * per wrap period (the metrology tick reads it every second).
 */
export class WrappingTicksClock implements MonotonicClock {
  private declare readonly ticks: () => number;
  private declare last: number;
  private declare elapsed: number;

  constructor(ticks: () => number) {
    this.elapsed = 0;
    this.ticks = ticks;
    this.last = ticks() >>> 0;
  }

  nowMs(): number {
    const now = this.ticks() >>> 0;
    this.elapsed += (now - this.last + 0x100000000) % 0x100000000;
    this.last = now;
    return this.elapsed;
  }
}

/**
 * The RTC port on a board without a battery-backed RTC chip (both reference
 * boards): UTC = the time last set + monotonic time since. It is invalid
 * after every start until a client or the time source sets it; the system
 * clock (`Time.set`) is kept in step for SDK modules that read Date.
 */
export class MonotonicRtc implements Rtc {
  private declare readonly mono: MonotonicClock;
  private declare readonly setSystemSeconds: (seconds: number) => void;
  private declare baseUtc: number;
  private declare baseMono: number;
  private declare isValid: boolean;

  constructor(mono: MonotonicClock, setSystemSeconds: (seconds: number) => void = () => {}) {
    this.baseUtc = 0;
    this.baseMono = 0;
    this.isValid = false;
    this.mono = mono;
    this.setSystemSeconds = setSystemSeconds;
  }

  get valid(): boolean {
    return this.isValid;
  }

  nowUtcMs(): number {
    return this.baseUtc + (this.mono.nowMs() - this.baseMono);
  }

  setUtcMs(utcMs: number): void {
    if (!Number.isFinite(utcMs)) throw new RangeError("UTC time must be finite");
    this.baseMono = this.mono.nowMs();
    this.baseUtc = utcMs;
    this.isValid = true;
    this.setSystemSeconds(Math.floor(utcMs / 1000));
  }
}
