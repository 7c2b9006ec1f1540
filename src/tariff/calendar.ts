import type { EventSink } from "../events.js";
import {
  DEVIATION_NOT_SPECIFIED,
  NOT_SPECIFIED,
  dateTimeToUtcMs,
  dayOfWeekFromDays,
  type CosemDate,
  type CosemTime,
  type DateTime,
} from "../cosem/datetime.js";
import type { MeterClock } from "./clock.js";
import { MS_PER_DAY, dateMatches, msOfTime, patternLocalMs } from "./date-patterns.js";
import { StandardEventCode } from "./event-codes.js";
import { civilFromDays } from "../cosem/datetime.js";
import { bytesEqual } from "../util/bytes.js";

/**
 * Activity calendar and special days (the domain behind COSEM classes 20 and
 * 11). All lookups take local wall-clock milliseconds (MeterClock.localMsAt):
 * the calendar is written in local time, the meter runs in UTC.
 */

export interface SeasonProfile {
  name: Uint8Array;
  /** Local start, usually with the year not specified (every year). */
  start: DateTime;
  weekName: Uint8Array;
}

export interface WeekProfile {
  name: Uint8Array;
  /** Day ids Monday..Sunday. */
  days: number[];
}

export interface DayAction {
  start: CosemTime;
  /** Logical name (6 bytes) of the script table to run. */
  script: Uint8Array;
  selector: number;
}

export interface DayProfile {
  dayId: number;
  /** Kept sorted by start time. */
  actions: DayAction[];
}

export interface CalendarSet {
  name: Uint8Array;
  seasons: SeasonProfile[];
  weeks: WeekProfile[];
  days: DayProfile[];
}

export interface SpecialDay {
  index: number;
  date: CosemDate;
  dayId: number;
}

function emptyCalendar(): CalendarSet {
  return { name: new Uint8Array(0), seasons: [], weeks: [], days: [] };
}

export function sameAction(a: DayAction | undefined, b: DayAction | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return a.selector === b.selector && bytesEqual(a.script, b.script);
}

function byStart(x: DayAction, y: DayAction): number {
  return msOfTime(x.start) - msOfTime(y.start);
}

function sortedActions(d: DayProfile): boolean {
  for (let i = 1; i < d.actions.length; i++) if (byStart(d.actions[i - 1], d.actions[i]) > 0) return false;
  return true;
}

/**
 * Puts the actions of every day profile in start-time order (call after any
 * change). Copy on write: a day already in order is kept as it is, so the
 * configuration's frozen calendar (src/meter/config.ts, in flash on a
 * device) is shared, never written; `c.days` is replaced when one is not.
 */
export function normalizeCalendar(c: CalendarSet): void {
  if (c.days.every(sortedActions)) return;
  c.days = c.days.map((d) => (sortedActions(d) ? d : { dayId: d.dayId, actions: d.actions.slice().sort(byStart) }));
}

export class SpecialDaysTable {
  entries: SpecialDay[] = [];

  /** Inserts or replaces the entry with the same index (class 11 method 1). */
  insert(entry: SpecialDay): void {
    const i = this.entries.findIndex((e) => e.index === entry.index);
    if (i >= 0) this.entries[i] = entry;
    else this.entries.push(entry);
  }

  /** Deletes the entry with this index (class 11 method 2); false if absent. */
  delete(index: number): boolean {
    const i = this.entries.findIndex((e) => e.index === index);
    if (i < 0) return false;
    this.entries.splice(i, 1);
    return true;
  }

  /** Day id that a special day imposes on a local day, or undefined. */
  dayIdFor(days: number): number | undefined {
    for (let j = 0; j < this.entries.length; j++) {
      const e = this.entries[j];
      if (dateMatches(e.date, days)) return e.dayId;
    }
    return undefined;
  }
}

export class ActivityCalendar {
  active: CalendarSet;
  passive: CalendarSet;
  /** activate_passive_calendar_time; all fields not specified = no automatic activation. */
  activatePassiveTime: DateTime;

  constructor(
    private readonly clock: MeterClock,
    readonly specialDays: SpecialDaysTable,
    private readonly events: EventSink,
    active: CalendarSet = emptyCalendar(),
  ) {
    // The set's own fields are replaced by a restore (class 20 at boot); its profiles are shared with the configuration.
    this.active = { ...active };
    normalizeCalendar(this.active);
    this.passive = emptyCalendar();
    this.activatePassiveTime = {
      year: 0xffff,
      month: NOT_SPECIFIED,
      day: NOT_SPECIFIED,
      dayOfWeek: NOT_SPECIFIED,
      hour: NOT_SPECIFIED,
      minute: NOT_SPECIFIED,
      second: NOT_SPECIFIED,
      hundredths: NOT_SPECIFIED,
      deviation: DEVIATION_NOT_SPECIFIED,
      status: NOT_SPECIFIED,
    };
  }

  /** UTC instant of the pending passive activation, or undefined when none is set. */
  activationUtc(): number | undefined {
    const t = this.activatePassiveTime;
    if (t.deviation === DEVIATION_NOT_SPECIFIED) {
      const local = dateTimeToUtcMs(t, 0);
      return local === undefined ? undefined : this.clock.utcOfLocal(local);
    }
    return dateTimeToUtcMs(t);
  }

  /** Method 1: the passive calendar becomes active; the passive set stays as it was (Blue Book copies it). */
  activatePassive(utcMs: number): void {
    this.active = {
      name: this.passive.name.slice(),
      seasons: this.passive.seasons.slice(),
      weeks: this.passive.weeks.slice(),
      days: this.passive.days.map((d) => ({ dayId: d.dayId, actions: d.actions.slice() })),
    };
    normalizeCalendar(this.active);
    this.activatePassiveTime = { ...this.activatePassiveTime, year: 0xffff, month: NOT_SPECIFIED, day: NOT_SPECIFIED, dayOfWeek: NOT_SPECIFIED, hour: NOT_SPECIFIED, minute: NOT_SPECIFIED, second: NOT_SPECIFIED, hundredths: NOT_SPECIFIED, deviation: DEVIATION_NOT_SPECIFIED };
    this.events.record({ log: "standard", code: StandardEventCode.touActivated, utcMs });
  }

  /** The season in force at a local instant: the one whose latest start is at or before it. */
  seasonAt(localMs: number): SeasonProfile | undefined {
    const year = civilFromDays(Math.floor(localMs / MS_PER_DAY)).year;
    let best: SeasonProfile | undefined;
    let bestStart = -Infinity;
    for (let i = 0; i < this.active.seasons.length; i++) {
      const s = this.active.seasons[i];
      for (let y = year; y >= year - 1; y--) {
        const st = patternLocalMs(s.start, y);
        if (st === st && st <= localMs && st > bestStart) {
          bestStart = st;
          best = s;
        }
      }
    }
    return best;
  }

  /** Day profile of a local day (special days first, then the season's week profile). */
  dayProfileAt(localMs: number): DayProfile | undefined {
    const day = Math.floor(localMs / MS_PER_DAY);
    let dayId = this.specialDays.dayIdFor(day);
    if (dayId === undefined) {
      const season = this.seasonAt(localMs);
      if (!season) return undefined;
      let week: WeekProfile | undefined;
      for (let k = 0; k < this.active.weeks.length; k++) {
        const w = this.active.weeks[k];
        if (bytesEqual(w.name, season.weekName)) week = w;
      }
      if (!week) return undefined;
      dayId = week.days[dayOfWeekFromDays(day) - 1];
    }
    for (let j = 0; j < this.active.days.length; j++) {
      const d = this.active.days[j];
      if (d.dayId === dayId) return d;
    }
    return undefined;
  }

  /**
   * The day action in force at a local instant: the last one started today,
   * else the last action of the previous day (it runs on past midnight).
   */
  actionAt(localMs: number): DayAction | undefined {
    const day = Math.floor(localMs / MS_PER_DAY);
    const msOfDay = localMs - day * MS_PER_DAY;
    const today = this.dayProfileAt(localMs);
    if (today) {
      let found: DayAction | undefined;
      for (let i = 0; i < today.actions.length; i++) {
        const a = today.actions[i];
        if (msOfTime(a.start) <= msOfDay) found = a;
        else break;
      }
      if (found) return found;
    }
    const yesterday = this.dayProfileAt(day * MS_PER_DAY - 1);
    if (yesterday && yesterday.actions.length > 0) return yesterday.actions[yesterday.actions.length - 1];
    return undefined;
  }
}
