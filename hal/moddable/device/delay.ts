import Timer from "timer";
import type { Delay } from "../../delay.js";

/** The device's blocking wait: Moddable's `Timer.delay`, which spins without running other callbacks. */
export function moddableDelay(): Delay {
  return { wait: (ms) => Timer.delay(ms) };
}
