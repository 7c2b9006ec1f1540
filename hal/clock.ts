/**
 * Time ports. The RTC keeps UTC (never local time: time zone and DST live in
 * src/tariff). The monotonic clock never jumps, so intervals survive clock
 * adjustments.
 */
export interface Rtc {
  /** Milliseconds since 1970-01-01T00:00Z. */
  nowUtcMs(): number;
  setUtcMs(utcMs: number): void;
  /** False after a power loss long enough to stop the RTC (its time is then invalid). */
  readonly valid: boolean;
}

export interface MonotonicClock {
  /** Milliseconds since start-up; never decreases. */
  nowMs(): number;
}
