import { D, Tag, type Data } from "../axdr.js";
import { dateTimeProblem } from "../datetime.js";
import { ActionResult, DataAccessResult, type AccessContext, type ActionOutcome, type CosemObject, type GetResult, classTable, defineClass, type TableDefined } from "../interface-class.js";
import { Obis } from "../obis.js";
import type { MeterClock } from "../../tariff/clock.js";
import { asBool, asDateTime, asInt, asList, dateTimeOs } from "../axdr-helpers.js";

/**
 * Clock, class 8 version 0 (0.0.1.0.0.255). Attributes: 2 time, 3 time_zone,
 * 4 status, 5 daylight_savings_begin, 6 daylight_savings_end,
 * 7 daylight_savings_deviation, 8 daylight_savings_enabled, 9 clock_base.
 * Methods: 1 adjust_to_quarter, 2 adjust_to_measuring_period,
 * 3 adjust_to_minute, 4 adjust_to_preset_time, 5 preset_adjusting_time,
 * 6 shift_time. Thin adapter over MeterClock (src/tariff/clock.ts).
 */
// The class as data (defineClass below): its table and constants live on the prototype, not in a slot per object.
export interface ClockObject extends TableDefined {}
export class ClockObject implements CosemObject {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare private readonly clock: MeterClock;
  declare readonly logicalName: Obis;
  constructor(
    clock: MeterClock,
    logicalName: Obis = Obis.of(0, 0, 1, 0, 0, 255),
  ) {
    this.clock = clock;
    this.logicalName = logicalName;
  }

  get(attribute: number, _ctx: AccessContext): GetResult {
    const c = this.clock;
    let value: Data;
    switch (attribute) {
      case 2:
        value = dateTimeOs(c.dateTime());
        break;
      case 3:
        value = D.i16(c.timeZone);
        break;
      case 4:
        value = D.u8(c.statusAt(c.now()));
        break;
      case 5:
        value = dateTimeOs(c.dstBegin);
        break;
      case 6:
        value = dateTimeOs(c.dstEnd);
        break;
      case 7:
        value = D.i8(c.dstDeviation);
        break;
      case 8:
        value = D.bool(c.dstEnabled);
        break;
      case 9:
        value = D.enum(c.clockBase);
        break;
      default:
        return { ok: false, error: DataAccessResult.objectUndefined };
    }
    return { ok: true, value };
  }

  set(attribute: number, value: Data, _ctx: AccessContext): DataAccessResult {
    const c = this.clock;
    switch (attribute) {
      case 2: {
        const dt = asDateTime(value);
        if (!dt) return DataAccessResult.typeUnmatched;
        if (dateTimeProblem(dt) !== undefined || !c.setDateTime(dt)) return DataAccessResult.otherReason;
        return DataAccessResult.success;
      }
      case 3: {
        const tz = asInt(value, Tag.Long);
        if (tz === undefined) return DataAccessResult.typeUnmatched;
        // Blue Book sign: UTC+14 (Kiribati) is -840, UTC-12 is +720.
        if (tz < -840 || tz > 720) return DataAccessResult.otherReason;
        c.setTimeZone(tz);
        return DataAccessResult.success;
      }
      case 5:
      case 6: {
        const dt = asDateTime(value);
        if (!dt) return DataAccessResult.typeUnmatched;
        if (dateTimeProblem(dt) !== undefined || dt.month < 1 || dt.month > 12) return DataAccessResult.otherReason;
        c.setDstRules(attribute === 5 ? dt : c.dstBegin, attribute === 6 ? dt : c.dstEnd, c.dstDeviation, c.dstEnabled);
        return DataAccessResult.success;
      }
      case 7: {
        const dev = asInt(value, Tag.Integer);
        if (dev === undefined) return DataAccessResult.typeUnmatched;
        if (dev < -120 || dev > 120) return DataAccessResult.otherReason;
        c.setDstRules(c.dstBegin, c.dstEnd, dev, c.dstEnabled);
        return DataAccessResult.success;
      }
      case 8: {
        const b = asBool(value);
        if (b === undefined) return DataAccessResult.typeUnmatched;
        c.setDstRules(c.dstBegin, c.dstEnd, c.dstDeviation, b);
        return DataAccessResult.success;
      }
      case 4:
      case 9:
        return DataAccessResult.readWriteDenied;
      default:
        return DataAccessResult.objectUndefined;
    }
  }

  action(method: number, parameters: Data | undefined, _ctx: AccessContext): ActionOutcome {
    const c = this.clock;
    const ok = { result: ActionResult.success };
    const intParam = () => parameters !== undefined && parameters.tag === Tag.Integer;
    switch (method) {
      case 1:
        if (!intParam()) return { result: ActionResult.typeUnmatched };
        return c.adjustToQuarter() ? ok : { result: ActionResult.otherReason };
      case 2:
        if (!intParam()) return { result: ActionResult.typeUnmatched };
        return c.adjustToMeasuringPeriod() ? ok : { result: ActionResult.otherReason };
      case 3:
        if (!intParam()) return { result: ActionResult.typeUnmatched };
        return c.adjustToMinute() ? ok : { result: ActionResult.otherReason };
      case 4:
        if (!intParam()) return { result: ActionResult.typeUnmatched };
        return c.adjustToPresetTime() ? ok : { result: ActionResult.otherReason };
      case 5: {
        const s = asList(parameters, Tag.Structure, 3);
        const p = asDateTime(s?.[0]);
        const f = asDateTime(s?.[1]);
        const t = asDateTime(s?.[2]);
        if (!p || !f || !t) return { result: ActionResult.typeUnmatched };
        return c.presetAdjustingTime(p, f, t) ? ok : { result: ActionResult.otherReason };
      }
      case 6: {
        const sh = asInt(parameters, Tag.Long);
        if (sh === undefined) return { result: ActionResult.typeUnmatched };
        return c.shiftTime(sh) ? ok : { result: ActionResult.otherReason };
      }
      default:
        return { result: ActionResult.objectUndefined };
    }
  }
}
defineClass(
  ClockObject,
  classTable({
    classId: 8,
    version: 0,
    attributes: [
      "time:octet-string:w",
      "time_zone:long:w",
      "status:unsigned",
      "daylight_savings_begin:octet-string:w",
      "daylight_savings_end:octet-string:w",
      "daylight_savings_deviation:integer:w",
      "daylight_savings_enabled:boolean:w",
      "clock_base:enum",
    ],
    methods: ["adjust_to_quarter", "adjust_to_measuring_period", "adjust_to_minute", "adjust_to_preset_time", "preset_adjusting_time", "shift_time"],
  }),
);
