/**
 * Simulated system port. On a board reboot() does not return; here it is
 * recorded and the host (test or simulator) restarts the firmware: it builds
 * a new meter on the same flash with a SimSystem whose reset cause is the
 * one recorded (nextResetCause). The watchdog bites when simulated time
 * passes its timeout without a kick (checked at that simulated instant);
 * the bite is a recorded reboot too.
 */
import type { ResetCause, SystemPort } from "../system.js";
import type { Scheduler, SimClock } from "./clock.js";
import { runEach } from "../../src/util/isolate.js";

export interface SimSystemOptions {
  resetCause?: ResetCause;
  /** Watchdog timeout in monotonic ms; 0 or absent disables it. */
  watchdogMs?: number;
}

export class SimSystem implements SystemPort, Scheduler {
  readonly #clock: SimClock;
  readonly #cause: ResetCause;
  readonly #watchdogMs: number;
  readonly #powerFail: (() => void)[] = [];
  #lastKick: number;
  #restart: ResetCause | undefined;
  /** Called once when a restart becomes due (the simulator uses it to rebuild the meter). */
  onRestart: ((cause: ResetCause) => void) | undefined;

  constructor(clock: SimClock, options: SimSystemOptions = {}) {
    this.#clock = clock;
    this.#cause = options.resetCause ?? "power-on";
    this.#watchdogMs = options.watchdogMs ?? 0;
    this.#lastKick = clock.nowMs();
    // The watchdog bites at the exact simulated instant its timeout passes.
    if (this.#watchdogMs > 0) clock.addScheduler(this);
  }

  nextDueMs(): number {
    return this.#watchdogMs > 0 && this.#restart === undefined ? this.#lastKick + this.#watchdogMs + 1 : Infinity;
  }

  runDue(): void {
    this.checkWatchdog();
  }

  resetCause(): ResetCause {
    return this.#cause;
  }

  reboot(): void {
    this.#requestRestart("software");
  }

  onPowerFail(handler: () => void): void {
    this.#powerFail.push(handler);
  }

  kickWatchdog(): void {
    this.#lastKick = this.#clock.nowMs();
  }

  /**
   * The supply is going: every power-fail handler runs (in registration
   * order, each even if an earlier one threw, as each guards its own data:
   * the same runEach as the Moddable port). Returns the errors the handlers
   * threw, so a test can fail on them.
   */
  raisePowerFail(): unknown[] {
    return runEach(this.#powerFail);
  }

  /** Checks the watchdog at the current time; true if it bit (a restart is then due with cause "watchdog"). */
  checkWatchdog(): boolean {
    if (this.#watchdogMs <= 0 || this.#restart !== undefined) return false;
    if (this.#clock.nowMs() - this.#lastKick <= this.#watchdogMs) return false;
    this.#requestRestart("watchdog");
    return true;
  }

  /** The firmware instance is gone: its watchdog no longer runs. */
  dispose(): void {
    this.#clock.removeScheduler(this);
  }

  /** The reset cause the next firmware instance starts with, once a reboot or a bite happened. */
  get nextResetCause(): ResetCause | undefined {
    return this.#restart;
  }

  #requestRestart(cause: ResetCause): void {
    if (this.#restart !== undefined) return;
    this.#restart = cause;
    this.onRestart?.(cause);
  }
}
