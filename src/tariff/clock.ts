import type { Rtc } from "../../hal/clock.js";
import type { EventSink } from "../events.js";
import { ClockStatus, DEVIATION_NOT_SPECIFIED, civilFromDays, dateTimeFromUtcMs, dateTimeToUtcMs, daysFromCivil, type DateTime } from "../cosem/datetime.js";
import { StandardEventCode } from "./event-codes.js";
import { MS_PER_DAY, patternLocalMs } from "./date-patterns.js";

/**
 * The meter clock (the domain behind COSEM class 8).
 *
 * The RTC keeps UTC and so does every computation here: local time is a view,
 * `local = UTC - deviation` (Blue Book sign, CET winter = -60), where the
 * deviation is the time zone plus, while daylight saving is active, the DST
 * shift (CEST = -60 - 60 = -120). Profiles, calendars and schedules ask this
 * class for the local view of a UTC instant and convert local patterns back
 * to UTC instants, so a DST or time-zone change never moves stored UTC data.
 */


const MS_PER_MINUTE = 60000;

/** Clock base (class 8 attribute 9). */
const ClockBase = Object.freeze({ notDefined: 0, crystal: 1, frequency50: 2, frequency60: 3, gps: 4, radioControlled: 5 } as const);

export interface ClockConfig {
  /** Minutes, Blue Book sign (local = UTC - timeZone): CET = -60. */
  timeZone: number;
  /** DST begin/end as COSEM date-time patterns (year/deviation usually not specified). */
  dstBegin: DateTime;
  dstEnd: DateTime;
  /** DST shift in minutes added to local time while active (Blue Book daylight_savings_deviation, +60 in Europe). */
  dstDeviation: number;
  dstEnabled: boolean;
  clockBase?: number;
  /** Measuring period in seconds for adjust_to_measuring_period (default 900). */
  measuringPeriodS?: number;
}

export type TimeChangeListener = (oldUtcMs: number, newUtcMs: number) => void;

/**
 * The instants the meter's clock can be set to: the UTC seconds that profiles
 * and event logs store (unsigned, 32 bits in the event chain), i.e.
 * 1970-01-01T00:00:00Z up to 2106-02-07T06:28:15Z. A date-time the standard
 * can express outside this range (years 0..0xFFFE) is refused as a whole
 * with other-reason, before anything changes, rather than accepted and then
 * unrepresentable in storage.
 */
const CLOCK_MIN_UTC_MS = 0;
const CLOCK_MAX_UTC_MS = 0xffffffff * 1000;

function inClockRange(utcMs: number): boolean {
  return Number.isFinite(utcMs) && utcMs >= CLOCK_MIN_UTC_MS && utcMs <= CLOCK_MAX_UTC_MS;
}

export class MeterClock {
  timeZone: number;
  dstBegin: DateTime;
  dstEnd: DateTime;
  dstDeviation: number;
  dstEnabled: boolean;
  clockBase: number;
  measuringPeriodS: number;
  /** Set when the time is known to be wrong (RTC lost, never set). Cleared by a time setting. */
  private invalid: boolean;
  private doubtful = false;
  private preset: { presetUtc: number; fromUtc: number; toUtc: number } | undefined;
  private readonly listeners: TimeChangeListener[] = [];
  private lastDst: boolean | undefined;
  // Cache of the DST switch instants of one year (the year of the last query).
  private cacheYear = NaN;
  private cacheBegin = NaN;
  private cacheEnd = NaN;

  constructor(
    private readonly rtc: Rtc,
    private readonly events: EventSink,
    config: ClockConfig,
  ) {
    this.timeZone = config.timeZone;
    this.dstBegin = config.dstBegin;
    this.dstEnd = config.dstEnd;
    this.dstDeviation = config.dstDeviation;
    this.dstEnabled = config.dstEnabled;
    this.clockBase = config.clockBase ?? ClockBase.crystal;
    this.measuringPeriodS = config.measuringPeriodS ?? 900;
    // An RTC outside the settable range (a dead backup battery) is as good as no time.
    this.invalid = !rtc.valid || !inClockRange(rtc.nowUtcMs());
    if (this.invalid) events.record({ log: "standard", code: StandardEventCode.clockInvalid, utcMs: rtc.nowUtcMs() });
    this.lastDst = this.dstActiveAt(rtc.nowUtcMs());
  }

  now(): number {
    return this.rtc.nowUtcMs();
  }

  /** Called with (old, new) UTC on every time setting or adjustment. */
  onTimeChange(listener: TimeChangeListener): void {
    this.listeners.push(listener);
  }

  /** Any configuration change (time zone, DST rules) must drop the cached switch instants. */
  configChanged(): void {
    this.cacheYear = NaN;
  }

  private switchInstants(year: number): void {
    if (year === this.cacheYear) return;
    this.cacheYear = year;
    this.cacheBegin = this.ruleInstant(this.dstBegin, year, this.timeZone);
    // The end is given in local summer time.
    this.cacheEnd = this.ruleInstant(this.dstEnd, year, this.timeZone - this.dstDeviation);
  }

  /** UTC instant of a DST rule pattern in a year, its local time taken with `deviation`; NaN if the pattern selects nothing. */
  private ruleInstant(p: DateTime, year: number, deviation: number): number {
    return patternLocalMs(p, year) + deviation * MS_PER_MINUTE;
  }

  /** Is daylight saving in force at this UTC instant? */
  dstActiveAt(utcMs: number): boolean {
    if (!this.dstEnabled) return false;
    const year = civilFromDays(Math.floor((utcMs - this.timeZone * MS_PER_MINUTE) / MS_PER_DAY)).year;
    this.switchInstants(year);
    const b = this.cacheBegin;
    const e = this.cacheEnd;
    if (b !== b || e !== e) return false; // NaN: rule not applicable this year
    if (b < e) return utcMs >= b && utcMs < e;
    return utcMs >= b || utcMs < e; // southern hemisphere: DST spans the new year
  }

  /**
   * The first UTC instant after utcMs at which deviationAt or the DST bit of
   * statusAt may change (the next DST switch, or the next year's rules):
   * a reader of many time stamps (the profile buffer) asks once per span.
   */
  steadyUntil(utcMs: number): number {
    if (!this.dstEnabled) return Infinity;
    const year = civilFromDays(Math.floor((utcMs - this.timeZone * MS_PER_MINUTE) / MS_PER_DAY)).year;
    this.switchInstants(year);
    let next = daysFromCivil(year + 1, 1, 1) * MS_PER_DAY + this.timeZone * MS_PER_MINUTE;
    if (this.cacheBegin > utcMs && this.cacheBegin < next) next = this.cacheBegin;
    if (this.cacheEnd > utcMs && this.cacheEnd < next) next = this.cacheEnd;
    return next;
  }

  /** Total deviation (minutes, Blue Book sign) in force at a UTC instant. */
  deviationAt(utcMs: number): number {
    return this.dstActiveAt(utcMs) ? this.timeZone - this.dstDeviation : this.timeZone;
  }

  /** Local wall-clock milliseconds (as if local time were UTC) of a UTC instant. */
  localMsAt(utcMs: number): number {
    return utcMs - this.deviationAt(utcMs) * MS_PER_MINUTE;
  }

  /** Clock status byte for a UTC instant. */
  statusAt(utcMs: number): number {
    let s = 0;
    if (this.invalid || !this.rtc.valid) s |= ClockStatus.invalidValue;
    if (this.doubtful) s |= ClockStatus.doubtfulValue;
    if (this.dstActiveAt(utcMs)) s |= ClockStatus.daylightSavingActive;
    return s;
  }

  /** The local date-time of a UTC instant, with its deviation and clock status (what attribute 2 reports). */
  dateTimeAt(utcMs: number): DateTime {
    return dateTimeFromUtcMs(utcMs, this.deviationAt(utcMs), this.statusAt(utcMs));
  }

  /** Current local date-time. */
  dateTime(): DateTime {
    return this.dateTimeAt(this.now());
  }

  /**
   * UTC instant of a wall-clock local time. In the hour that DST skips the
   * local time does not exist: it maps to the instant the skipped time would
   * have had in standard time (i.e. just after the switch). In the repeated
   * hour the first occurrence is taken.
   */
  utcOfLocal(localMs: number): number {
    const std = localMs + this.timeZone * MS_PER_MINUTE;
    const dst = localMs + (this.timeZone - this.dstDeviation) * MS_PER_MINUTE;
    const dstOk = this.dstActiveAt(dst);
    const stdOk = !this.dstActiveAt(std);
    if (dstOk && stdOk) return Math.min(std, dst);
    if (dstOk) return dst;
    if (stdOk) return std;
    return std; // skipped local time
  }

  /**
   * Changes the time zone (class 8 attribute 3). UTC does not move but local
   * time does, so it is a time change: events 4/5 at the same UTC instant
   * with the old and the new deviation in force as values (project-defined use
   * of the IDIS codes).
   */
  setTimeZone(tz: number): void {
    const now = this.now();
    const old = this.deviationAt(now);
    this.timeZone = tz;
    this.configChanged();
    this.events.record({ log: "standard", code: StandardEventCode.clockAdjustedOld, utcMs: now, value: old });
    this.events.record({ log: "standard", code: StandardEventCode.clockAdjustedNew, utcMs: now, value: this.deviationAt(now) });
    this.lastDst = this.dstActiveAt(now);
  }

  /** Changes the DST rules (class 8 attributes 5..8); a change of DST state is recorded as event 3. */
  setDstRules(begin: DateTime, end: DateTime, deviation: number, enabled: boolean): void {
    this.dstBegin = begin;
    this.dstEnd = end;
    this.dstDeviation = deviation;
    this.dstEnabled = enabled;
    this.configChanged();
    this.poll();
  }

  /** Periodic duty: records DST switches as events (code 3) once they happen. */
  poll(): void {
    const now = this.now();
    const dst = this.dstActiveAt(now);
    if (this.lastDst !== undefined && dst !== this.lastDst) {
      this.events.record({ log: "standard", code: StandardEventCode.dstChanged, utcMs: now, value: dst ? 1 : 0 });
    }
    this.lastDst = dst;
  }

  /** The time is known to be wrong (e.g. behind data already stored): status invalid until the next time setting, with an event. */
  markInvalid(): void {
    this.invalid = true;
    this.events.record({ log: "standard", code: StandardEventCode.clockInvalid, utcMs: this.rtc.nowUtcMs() });
  }

  /**
   * Sets the time to a UTC instant and records old/new time events (IDIS 4/5).
   * Returns false, changing nothing, for an instant outside the clock's range.
   */
  setUtc(newUtcMs: number): boolean {
    if (!inClockRange(newUtcMs)) return false;
    const old = this.now();
    this.rtc.setUtcMs(newUtcMs);
    this.invalid = false;
    this.doubtful = false;
    this.events.record({ log: "standard", code: StandardEventCode.clockAdjustedOld, utcMs: old });
    this.events.record({ log: "standard", code: StandardEventCode.clockAdjustedNew, utcMs: newUtcMs });
    this.lastDst = this.dstActiveAt(newUtcMs);
    for (let i = 0; i < this.listeners.length; i++) {
      const l = this.listeners[i];
      l(old, newUtcMs);
    }
    return true;
  }

  /**
   * Sets the time from a date-time (class 8 attribute 2). A date-time without
   * a deviation is taken as local time of this meter. Returns false when it
   * is not a fully specified valid instant.
   */
  setDateTime(dt: DateTime): boolean {
    const utc = this.instantOf(dt);
    return utc !== undefined && this.setUtc(utc);
  }

  /** Rounds local time to the nearest multiple of `periodMs` (ties go up), keeping the deviation. */
  private roundLocal(periodMs: number): boolean {
    const now = this.now();
    const dev = this.deviationAt(now) * MS_PER_MINUTE;
    const local = now - dev;
    const rounded = Math.floor((local + periodMs / 2) / periodMs) * periodMs;
    return this.setUtc(rounded + dev);
  }

  /** Method 1: nearest quarter hour (*:00, *:15, *:30, *:45). */
  adjustToQuarter(): boolean {
    return this.roundLocal(15 * MS_PER_MINUTE);
  }

  /** Method 2: nearest start of a measuring period. */
  adjustToMeasuringPeriod(): boolean {
    return this.roundLocal(this.measuringPeriodS * 1000);
  }

  /** Method 3: seconds < 30 go down to the minute, >= 30 up to the next. */
  adjustToMinute(): boolean {
    return this.roundLocal(MS_PER_MINUTE);
  }

  /** Method 5: preset a time to be set by adjust_to_preset_time within a validity interval. */
  presetAdjustingTime(preset: DateTime, from: DateTime, to: DateTime): boolean {
    const p = this.instantOf(preset);
    const f = this.instantOf(from);
    const t = this.instantOf(to);
    if (p === undefined || f === undefined || t === undefined || f > t || !inClockRange(p)) return false;
    this.preset = { presetUtc: p, fromUtc: f, toUtc: t };
    return true;
  }

  /** Method 4: sets the preset time if now lies in its validity interval; false otherwise. */
  adjustToPresetTime(): boolean {
    const p = this.preset;
    const now = this.now();
    if (!p || now < p.fromUtc || now > p.toUtc) return false;
    this.preset = undefined;
    return this.setUtc(p.presetUtc);
  }

  /** Method 6: shifts the time by -900..900 s. */
  shiftTime(seconds: number): boolean {
    if (!Number.isInteger(seconds) || seconds < -900 || seconds > 900) return false;
    return this.setUtc(this.now() + seconds * 1000);
  }

  /** Marks the time doubtful (e.g. after running on a backup oscillator). */
  markDoubtful(): void {
    this.doubtful = true;
  }

  private instantOf(dt: DateTime): number | undefined {
    if (dt.deviation === DEVIATION_NOT_SPECIFIED) {
      const local = dateTimeToUtcMs(dt, 0);
      return local === undefined ? undefined : this.utcOfLocal(local);
    }
    return dateTimeToUtcMs(dt);
  }

  /**
   * The first capture instant strictly after `afterUtcMs` for a capture
   * period in seconds. Periods that divide an hour are aligned on local
   * standard time (UTC - time zone): DST moves local time by whole hours, so
   * the instants form one unbroken UTC grid across DST changes (no gap, no
   * duplicate). A period of a day is aligned on local midnight (days of 23 and
   * 25 hours). Other periods align on standard time.
   */
  nextCaptureAfter(afterUtcMs: number, periodS: number): number {
    const p = periodS * 1000;
    if (periodS === 86400) {
      const local = this.localMsAt(afterUtcMs);
      let day = Math.floor(local / MS_PER_DAY) + 1;
      for (;;) {
        const u = this.utcOfLocal(day * MS_PER_DAY);
        if (u > afterUtcMs) return u;
        day++;
      }
    }
    const offset = this.timeZone * MS_PER_MINUTE;
    const std = afterUtcMs - offset;
    return (Math.floor(std / p) + 1) * p + offset;
  }
}
