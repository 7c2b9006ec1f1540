/**
 * Friendly periods: times in which running out of credit does not
 * disconnect (nights, weekends, public holidays), so that nobody is cut off
 * when no vendor is open. They come from the meter's calendar: the local
 * time of the meter's clock, and the special days table (a holiday entered
 * for the tariff is friendly all day).
 */
export interface FriendlyPeriods {
  /** Daily window in local minutes since midnight; start > end wraps over midnight (e.g. 18:00-08:00). Equal = none. */
  startMinute: number;
  endMinute: number;
  /** Saturdays and Sundays are friendly all day. */
  weekends: boolean;
  /** Days in the special days table are friendly all day. */
  specialDays: boolean;
}

export const DEFAULT_FRIENDLY: FriendlyPeriods = Object.freeze({ startMinute: 18 * 60, endMinute: 8 * 60, weekends: true, specialDays: true });

const MS_PER_DAY = 86400000;

/** Is local time `localMs` (ms since 1970-01-01 local) friendly? `isSpecialDay` gets the local day number. */
export function isFriendly(p: FriendlyPeriods, localMs: number, isSpecialDay: (localDays: number) => boolean): boolean {
  const days = Math.floor(localMs / MS_PER_DAY);
  if (p.specialDays && isSpecialDay(days)) return true;
  // 1970-01-01 was a Thursday: day 0 -> 4 (0 = Sunday).
  const dow = (((days + 4) % 7) + 7) % 7;
  if (p.weekends && (dow === 0 || dow === 6)) return true;
  const minute = Math.floor((localMs - days * MS_PER_DAY) / 60000);
  if (p.startMinute === p.endMinute) return false;
  return p.startMinute < p.endMinute ? minute >= p.startMinute && minute < p.endMinute : minute >= p.startMinute || minute < p.endMinute;
}
