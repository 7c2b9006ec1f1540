/**
 * A short blocking wait between two bus accesses: what a peripheral needs
 * after a reset or a mode change (the ATM90E32 is not ready for 5 ms after
 * its soft reset). The caller stops for at least `ms`; no timer or I/O
 * callback runs meanwhile, so it is only for a few milliseconds at start-up
 * or reconfiguration. Anything longer, or anything periodic, is a timer
 * (hal/timer.ts).
 */
export interface Delay {
  /** Returns after at least `ms` milliseconds (a non-negative finite number). */
  wait(ms: number): void;
}
