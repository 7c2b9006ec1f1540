import { D, Tag, type Data } from "../axdr.js";
import { dateTimeProblem } from "../datetime.js";
import { ActionResult, DataAccessResult, type AccessContext, type ActionOutcome, type CosemObject, type GetResult, classTable, defineClass, type TableDefined } from "../interface-class.js";
import { Obis } from "../obis.js";
import { normalizeCalendar, type ActivityCalendar, type CalendarSet, type DayProfile, type SeasonProfile, type WeekProfile } from "../../tariff/calendar.js";
import { isInternal } from "../../tariff/script-table.js";
import { asDateTime, asInt, asList, asOctets, asTime, dateTimeOs, timeOs } from "../axdr-helpers.js";

/**
 * Activity calendar, class 20 version 0 (0.0.13.0.0.255).
 * 2..5 active calendar_name, season_profile, week_profile_table,
 * day_profile_table (read-only); 6..9 the passive ones (writable);
 * 10 activate_passive_calendar_time. Method 1 activate_passive_calendar.
 * season: {name octet-string, season_start octet-string(12), week_name};
 * week: {name, monday..sunday day_id unsigned};
 * day: {day_id unsigned, day_schedule array of {start_time octet-string(4),
 * script_logical_name octet-string(6), script_selector long-unsigned}}.
 */
function encodeSeasons(s: SeasonProfile[]): Data {
  return D.array(s.map((x) => D.struct(D.octets(x.name.slice()), dateTimeOs(x.start), D.octets(x.weekName.slice()))));
}

function encodeWeeks(w: WeekProfile[]): Data {
  return D.array(w.map((x) => D.struct(D.octets(x.name.slice()), ...x.days.map(D.u8))));
}

function encodeDays(d: DayProfile[]): Data {
  return D.array(d.map((x) => D.struct(D.u8(x.dayId), D.array(x.actions.map((a) => D.struct(timeOs(a.start), D.octets(a.script.slice()), D.u16(a.selector)))))));
}

function decodeSeasons(d: Data): SeasonProfile[] | undefined {
  const list = asList(d, Tag.Array);
  if (!list) return undefined;
  const out: SeasonProfile[] = [];
  for (let i = 0; i < list.length; i++) {
    const x = list[i];
    const s = asList(x, Tag.Structure, 3);
    const name = asOctets(s?.[0]);
    const start = asDateTime(s?.[1]);
    const week = asOctets(s?.[2]);
    if (!name || !start || !week || dateTimeProblem(start) !== undefined) return undefined;
    out.push({ name: name.slice(), start, weekName: week.slice() });
  }
  return out;
}

function decodeWeeks(d: Data): WeekProfile[] | undefined {
  const list = asList(d, Tag.Array);
  if (!list) return undefined;
  const out: WeekProfile[] = [];
  for (let j = 0; j < list.length; j++) {
    const x = list[j];
    const s = asList(x, Tag.Structure, 8);
    const name = asOctets(s?.[0]);
    if (!s || !name) return undefined;
    const days: number[] = [];
    for (let i = 1; i <= 7; i++) {
      const id = asInt(s[i], Tag.Unsigned);
      if (id === undefined) return undefined;
      days.push(id);
    }
    out.push({ name: name.slice(), days });
  }
  return out;
}

function decodeDays(d: Data): DayProfile[] | undefined {
  const list = asList(d, Tag.Array);
  if (!list) return undefined;
  const out: DayProfile[] = [];
  for (let i = 0; i < list.length; i++) {
    const x = list[i];
    const s = asList(x, Tag.Structure, 2);
    const id = asInt(s?.[0], Tag.Unsigned);
    const sched = asList(s?.[1], Tag.Array);
    if (id === undefined || !sched) return undefined;
    const actions = [];
    for (let i = 0; i < sched.length; i++) {
      const y = sched[i];
      const a = asList(y, Tag.Structure, 3);
      const start = asTime(a?.[0]);
      const script = asOctets(a?.[1], 6);
      const sel = asInt(a?.[2], Tag.LongUnsigned);
      if (!start || !script || sel === undefined || (start.hour > 23 && start.hour !== 0xff) || (start.minute > 59 && start.minute !== 0xff)) return undefined;
      actions.push({ start, script: script.slice(), selector: sel });
    }
    out.push({ dayId: id, actions });
  }
  return out;
}

// The class as data (defineClass below): its table and constants live on the prototype, not in a slot per object.
export interface ActivityCalendarObject extends TableDefined {}
export class ActivityCalendarObject implements CosemObject {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare readonly calendar: ActivityCalendar;
  declare readonly logicalName: Obis;
  constructor(
    calendar: ActivityCalendar,
    logicalName: Obis = Obis.of(0, 0, 13, 0, 0, 255),
  ) {
    this.calendar = calendar;
    this.logicalName = logicalName;
  }

  private set_(attribute: number): CalendarSet {
    return attribute <= 5 ? this.calendar.active : this.calendar.passive;
  }

  get(attribute: number, _ctx: AccessContext): GetResult {
    if (attribute === 10) return { ok: true, value: dateTimeOs(this.calendar.activatePassiveTime) };
    if (attribute < 2 || attribute > 9) return { ok: false, error: DataAccessResult.objectUndefined };
    const c = this.set_(attribute);
    switch ((attribute - 2) % 4) {
      case 0:
        return { ok: true, value: D.octets(c.name.slice()) };
      case 1:
        return { ok: true, value: encodeSeasons(c.seasons) };
      case 2:
        return { ok: true, value: encodeWeeks(c.weeks) };
      default:
        return { ok: true, value: encodeDays(c.days) };
    }
  }

  set(attribute: number, value: Data, ctx: AccessContext): DataAccessResult {
    // The active calendar changes only by activation; the meter itself (client SAP 0) restores it from its settings at boot.
    if (attribute >= 2 && attribute <= 5) return isInternal(ctx) ? this.restoreActive(attribute, value) : DataAccessResult.readWriteDenied;
    const p = this.calendar.passive;
    switch (attribute) {
      case 6: {
        const n = asOctets(value);
        if (!n) return DataAccessResult.typeUnmatched;
        p.name = n.slice();
        return DataAccessResult.success;
      }
      case 7: {
        const s = decodeSeasons(value);
        if (!s) return DataAccessResult.typeUnmatched;
        p.seasons = s;
        return DataAccessResult.success;
      }
      case 8: {
        const w = decodeWeeks(value);
        if (!w) return DataAccessResult.typeUnmatched;
        p.weeks = w;
        return DataAccessResult.success;
      }
      case 9: {
        const d = decodeDays(value);
        if (!d) return DataAccessResult.typeUnmatched;
        p.days = d;
        normalizeCalendar(p);
        return DataAccessResult.success;
      }
      case 10: {
        const t = asDateTime(value);
        if (!t) return DataAccessResult.typeUnmatched;
        if (dateTimeProblem(t) !== undefined) return DataAccessResult.otherReason;
        this.calendar.activatePassiveTime = t;
        return DataAccessResult.success;
      }
      default:
        return DataAccessResult.objectUndefined;
    }
  }

  private restoreActive(attribute: number, value: Data): DataAccessResult {
    const a = this.calendar.active;
    if (attribute === 2) {
      const n = asOctets(value);
      if (!n) return DataAccessResult.typeUnmatched;
      a.name = n.slice();
    } else if (attribute === 3) {
      const s = decodeSeasons(value);
      if (!s) return DataAccessResult.typeUnmatched;
      a.seasons = s;
    } else if (attribute === 4) {
      const w = decodeWeeks(value);
      if (!w) return DataAccessResult.typeUnmatched;
      a.weeks = w;
    } else {
      const d = decodeDays(value);
      if (!d) return DataAccessResult.typeUnmatched;
      a.days = d;
    }
    normalizeCalendar(a);
    return DataAccessResult.success;
  }

  action(method: number, parameters: Data | undefined, ctx: AccessContext): ActionOutcome {
    if (method !== 1) return { result: ActionResult.objectUndefined };
    if (!parameters || parameters.tag !== Tag.Integer) return { result: ActionResult.typeUnmatched };
    this.calendar.activatePassive(ctx.nowUtcMs);
    return { result: ActionResult.success };
  }
}
defineClass(
  ActivityCalendarObject,
  classTable({
    classId: 20,
    version: 0,
    attributes: [
      "calendar_name_active:octet-string:w",
      "season_profile_active:array:w",
      "week_profile_table_active:array:w",
      "day_profile_table_active:array:w",
      "calendar_name_passive:octet-string:w",
      "season_profile_passive:array:w",
      "week_profile_table_passive:array:w",
      "day_profile_table_passive:array:w",
      "activate_passive_calendar_time:octet-string:w",
    ],
    methods: ["activate_passive_calendar"],
  }),
);
