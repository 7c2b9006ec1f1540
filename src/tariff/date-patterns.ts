import { DAY_LAST, DAY_SECOND_LAST, DEVIATION_NOT_SPECIFIED, NOT_SPECIFIED, civilFromDays, dayOfWeekFromDays, daysFromCivil, type CosemDate, type CosemTime, type DateTime } from "../cosem/datetime.js";

/**
 * COSEM date patterns (wildcards, last / second last day, day of week) as
 * calendars, special days, schedules and DST rules use them: which day a
 * pattern selects, and whether a day matches one. Pure date arithmetic on
 * days since 1970-01-01, no clock.
 */

export const MS_PER_DAY = 86400000;

/** Milliseconds into the day of a time of day, an unspecified hour, minute or second counting as 0. */
export function msOfTime(t: CosemTime): number {
  const h = t.hour === NOT_SPECIFIED ? 0 : t.hour;
  const m = t.minute === NOT_SPECIFIED ? 0 : t.minute;
  const s = t.second === NOT_SPECIFIED ? 0 : t.second;
  return ((h * 60 + m) * 60 + s) * 1000;
}

/** A pattern for "last Sunday of <month> at hh:00 local time" (day 0xFE, day of week 7). */
export function lastSundayPattern(month: number, hour: number): DateTime {
  return {
    year: 0xffff,
    month,
    day: DAY_LAST,
    dayOfWeek: 7,
    hour,
    minute: 0,
    second: 0,
    hundredths: 0,
    deviation: DEVIATION_NOT_SPECIFIED,
    status: NOT_SPECIFIED,
  };
}

/**
 * Day (days since epoch) that a date pattern selects in a given year and month:
 * day 0xFE / 0xFD = last / second last day of month; a day of week together
 * with a day of month selects the first such weekday on or after it, or with
 * last / second last the last such weekday on or before it; a day of week with
 * an unspecified day selects the first such weekday of the month.
 * Returns undefined when the pattern does not select a day in that month.
 */
function patternDayInMonth(year: number, month: number, day: number, dayOfWeek: number): number | undefined {
  const first = daysFromCivil(year, month, 1);
  const next = month === 12 ? daysFromCivil(year + 1, 1, 1) : daysFromCivil(year, month + 1, 1);
  const last = next - 1;
  let base: number;
  let backwards = false;
  if (day === DAY_LAST) {
    base = last;
    backwards = true;
  } else if (day === DAY_SECOND_LAST) {
    base = last - 1;
    backwards = true;
  } else if (day === NOT_SPECIFIED) {
    base = first;
  } else {
    if (day < 1 || day > 31) return undefined;
    base = first + day - 1;
    if (base > last) return undefined;
  }
  if (dayOfWeek === NOT_SPECIFIED) return base;
  if (dayOfWeek < 1 || dayOfWeek > 7) return undefined;
  const dow = dayOfWeekFromDays(base);
  const shift = backwards ? -((dow - dayOfWeek + 7) % 7) : (dayOfWeek - dow + 7) % 7;
  const d = base + shift;
  return d >= first && d <= last ? d : undefined;
}

/** True when a date (days since epoch) matches a COSEM date pattern with wildcards and special values. */
export function dateMatches(pattern: CosemDate, days: number): boolean {
  const c = civilFromDays(days);
  if (pattern.year !== 0xffff && pattern.year !== c.year) return false;
  if (pattern.month !== NOT_SPECIFIED) {
    // 0xFD/0xFE (DST end/begin month) are not resolvable from the date alone: no match.
    if (pattern.month !== c.month) return false;
  }
  if (pattern.day === DAY_LAST || pattern.day === DAY_SECOND_LAST || (pattern.day !== NOT_SPECIFIED && pattern.dayOfWeek !== NOT_SPECIFIED)) {
    return patternDayInMonth(c.year, c.month, pattern.day, pattern.dayOfWeek) === days;
  }
  if (pattern.day !== NOT_SPECIFIED && pattern.day !== c.day) return false;
  if (pattern.dayOfWeek !== NOT_SPECIFIED && pattern.dayOfWeek !== dayOfWeekFromDays(days)) return false;
  return true;
}

/**
 * Local ms (since 1970-01-01 local midnight) of a date-time pattern in a
 * given year: a season start, a DST rule. NaN when the pattern names another
 * year or selects no day.
 */
export function patternLocalMs(p: DateTime, year: number): number {
  if (p.year !== 0xffff && p.year !== year) return NaN;
  if (p.month < 1 || p.month > 12) return NaN;
  const d = patternDayInMonth(year, p.month, p.day, p.dayOfWeek);
  return d === undefined ? NaN : d * MS_PER_DAY + msOfTime(p);
}
