/**
 * communication_window and restriction dates with wildcards. A date-time
 * field that is not specified takes the value of the reference instant's
 * local date (so `*-*-* 06:00` is 06:00 of that day: a daily window); an
 * unspecified hour, minute or second is 0. The deviation of the given
 * date-time is ignored: windows are in the meter's local time.
 */
import { NOT_SPECIFIED, YEAR_NOT_SPECIFIED, civilFromDays, daysFromCivil } from "../cosem/datetime.js";
import type { PushWindow } from "./setup.js";

export const MS_PER_DAY = 86_400_000;

/** What window and restriction arithmetic needs of the meter's clock. */
export interface LocalClock {
  localMsAt(utcMs: number): number;
  utcOfLocal(localMs: number): number;
}

/**
 * Local ms of a 12-byte date-time whose unspecified date fields come from
 * the local day `day` (days since 1970-01-01); undefined when the bytes are
 * not a date-time or a field is a special value this meter does not resolve.
 */
export function localMsOf(dt: Uint8Array, day: number): number | undefined {
  if (dt.length !== 12) return undefined;
  const ref = civilFromDays(day);
  const y = (dt[0] << 8) | dt[1];
  const year = y === YEAR_NOT_SPECIFIED ? ref.year : y;
  const month = dt[2] === NOT_SPECIFIED ? ref.month : dt[2];
  const dom = dt[3] === NOT_SPECIFIED ? ref.day : dt[3];
  const hour = dt[5] === NOT_SPECIFIED ? 0 : dt[5];
  const minute = dt[6] === NOT_SPECIFIED ? 0 : dt[6];
  const second = dt[7] === NOT_SPECIFIED ? 0 : dt[7];
  if (month < 1 || month > 12 || dom < 1 || dom > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  return daysFromCivil(year, month, dom) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000;
}

/** Whether any window contains the instant; no windows at all means always. */
export function inAnyWindow(windows: readonly PushWindow[], clock: LocalClock, utcMs: number): boolean {
  if (windows.length === 0) return true;
  const local = clock.localMsAt(utcMs);
  const today = Math.floor(local / MS_PER_DAY);
  // A daily window that crosses midnight began yesterday: look at both days.
  for (let day = today - 1; day <= today; day++) {
    for (let i = 0; i < windows.length; i++) {
      const w = windows[i];
      const start = localMsOf(w.start, day);
      let end = localMsOf(w.end, day);
      if (start === undefined || end === undefined) continue;
      if (end <= start) end += MS_PER_DAY;
      if (local >= start && local < end) return true;
    }
  }
  return false;
}
