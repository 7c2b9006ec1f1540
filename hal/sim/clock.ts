/**
 * Simulated time for tests and the host simulator: one source for both the
 * RTC (UTC, settable, may be invalid after a long power loss) and the
 * monotonic clock (never jumps). Time moves only when the owner calls
 * advance() — by hand in tests, or from host time times an acceleration
 * factor in the simulator (elapse()) — so every run is deterministic.
 *
 * Anything that must see each instant as time passes (the simulated timers)
 * registers as a Scheduler: advance() stops at each due instant, moves the
 * clock there and lets the scheduler run, so a callback always reads the time
 * it was due at, never the end of a long step.
 */
import type { MonotonicClock, Rtc } from "../clock.js";

export interface Scheduler {
  /** Monotonic ms of the next due instant, or Infinity. */
  nextDueMs(): number;
  /** Runs everything due at or before the current monotonic time. */
  runDue(): void;
}

export interface SimClockOptions {
  /** UTC at monotonic 0. */
  startUtcMs: number;
  /** Simulated ms per host ms for elapse() (1 = real time). */
  speed?: number;
  /** False models an RTC that lost its time (e.g. battery-less board after a long outage). */
  valid?: boolean;
}

export class SimClock implements Rtc, MonotonicClock {
  #mono = 0;
  /** UTC = mono + offset; a time setting changes only the offset. */
  #offset: number;
  #valid: boolean;
  #speed: number;
  /** Fraction of a simulated ms carried between elapse() calls so that slow speeds do not stall. */
  #carry = 0;
  readonly #schedulers: Scheduler[] = [];

  constructor(options: SimClockOptions) {
    this.#offset = options.startUtcMs;
    this.#valid = options.valid ?? true;
    this.#speed = options.speed ?? 1;
  }

  nowMs(): number {
    return this.#mono;
  }

  nowUtcMs(): number {
    return this.#mono + this.#offset;
  }

  setUtcMs(utcMs: number): void {
    this.#offset = utcMs - this.#mono;
    this.#valid = true;
  }

  get valid(): boolean {
    return this.#valid;
  }

  get speed(): number {
    return this.#speed;
  }

  set speed(x: number) {
    if (!(x > 0) || x === Infinity) throw new RangeError("clock speed must be a positive finite number");
    this.#speed = x;
  }

  addScheduler(s: Scheduler): void {
    this.#schedulers.push(s);
  }

  /** Detaches a scheduler (the timers of a firmware instance that was restarted). */
  removeScheduler(s: Scheduler): void {
    const i = this.#schedulers.indexOf(s);
    if (i >= 0) this.#schedulers.splice(i, 1);
  }

  /**
   * Moves simulated time forward by ms (>= 0), stopping at every due
   * instant of the registered schedulers in time order.
   */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError("advance() takes a non-negative duration");
    const target = this.#mono + ms;
    for (;;) {
      let next = Infinity;
      let which: Scheduler | undefined;
      for (const s of this.#schedulers) {
        const d = s.nextDueMs();
        if (d < next) {
          next = d;
          which = s;
        }
      }
      if (which === undefined || next > target) break;
      if (next > this.#mono) this.#mono = next;
      which.runDue();
    }
    this.#mono = target;
  }

  /**
   * Time a busy-waiting CPU spends (hal/sim/delay.ts): the clock moves on by
   * `ms` without running any scheduler; what fell due runs at the next
   * advance(), late, as on a device.
   */
  stall(ms: number): void {
    if (!(ms >= 0) || ms === Infinity) throw new RangeError("stall() takes a non-negative finite duration");
    this.#mono += ms;
  }

  /** Host time passed (ms): advances by hostMs * speed, whole ms, carrying the fraction. */
  elapse(hostMs: number): void {
    const sim = hostMs * this.#speed + this.#carry;
    const whole = Math.floor(sim);
    this.#carry = sim - whole;
    if (whole > 0) this.advance(whole);
  }

  /**
   * A power loss of `ms`: the monotonic clock restarts in the next firmware
   * (the caller builds a new meter), the RTC keeps running on its backup
   * supply unless `rtcLost`, in which case its time becomes invalid.
   */
  powerLoss(ms: number, rtcLost = false): void {
    if (!(ms >= 0)) throw new RangeError("powerLoss() takes a non-negative duration");
    this.#offset += ms;
    if (rtcLost) this.#valid = false;
  }
}
