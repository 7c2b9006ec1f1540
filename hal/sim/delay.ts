import type { Delay } from "../delay.js";
import type { SimClock } from "./clock.js";

/**
 * A blocking wait on simulated time: the clock moves on by `ms` without
 * running any timer (a CPU busy-waiting runs none); timers that fell due meanwhile run,
 * late, at the next SimClock.advance(), as on a device. The chip models read
 * the same clock, so they see the wait (hal/sim/atm90e32.ts enforces its reset time).
 */
export function simDelay(clock: SimClock): Delay {
  return { wait: (ms) => clock.stall(ms) };
}
