import { D, Tag, type Data } from "../axdr.js";
import { DataAccessResult, type AccessContext, type CosemObject, type GetResult, classTable, defineClass, type TableDefined, type WithoutMethods } from "../interface-class.js";
import { Obis } from "../obis.js";
import type { ExecutionTime, SingleActionSchedule } from "../../tariff/schedule.js";
import { asDate, asInt, asList, asOctets, asTime, dateOs, timeOs } from "../axdr-helpers.js";

/**
 * Single action schedule, class 22 version 0 (end of billing period
 * 0.0.15.0.0.255, passive calendar activation, ...).
 * 2 executed_script {script_logical_name octet-string, script_selector long-unsigned};
 * 3 type enum 1..5; 4 execution_time array of {time octet-string(4), date octet-string(5)}.
 */
// The class as data (defineClass below): its table and constants live on the prototype, not in a slot per object.
export interface SingleActionScheduleObject extends TableDefined, WithoutMethods {}
export class SingleActionScheduleObject implements CosemObject {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare readonly schedule: SingleActionSchedule;
  declare readonly logicalName: Obis;
  constructor(
    schedule: SingleActionSchedule,
    logicalName: Obis = Obis.of(0, 0, 15, 0, 0, 255),
  ) {
    this.schedule = schedule;
    this.logicalName = logicalName;
  }

  get(attribute: number, _ctx: AccessContext): GetResult {
    const s = this.schedule;
    switch (attribute) {
      case 2:
        return { ok: true, value: D.struct(D.octets(s.scriptLn.slice()), D.u16(s.selector)) };
      case 3:
        return { ok: true, value: D.enum(s.type) };
      case 4:
        return { ok: true, value: D.array(s.times.map((t) => D.struct(timeOs(t.time), dateOs(t.date)))) };
      default:
        return { ok: false, error: DataAccessResult.objectUndefined };
    }
  }

  set(attribute: number, value: Data, _ctx: AccessContext): DataAccessResult {
    const s = this.schedule;
    switch (attribute) {
      case 2: {
        const v = asList(value, Tag.Structure, 2);
        const ln = asOctets(v?.[0], 6);
        const sel = asInt(v?.[1], Tag.LongUnsigned);
        if (!ln || sel === undefined) return DataAccessResult.typeUnmatched;
        s.scriptLn = ln.slice();
        s.selector = sel;
        return DataAccessResult.success;
      }
      case 3: {
        const t = asInt(value, Tag.Enum);
        if (t === undefined) return DataAccessResult.typeUnmatched;
        if (t < 1 || t > 5) return DataAccessResult.otherReason;
        s.type = t;
        return DataAccessResult.success;
      }
      case 4: {
        const list = asList(value, Tag.Array);
        if (!list) return DataAccessResult.typeUnmatched;
        const times: ExecutionTime[] = [];
        for (let i = 0; i < list.length; i++) {
          const x = list[i];
          const e = asList(x, Tag.Structure, 2);
          const time = asTime(e?.[0]);
          const date = asDate(e?.[1]);
          if (!time || !date) return DataAccessResult.typeUnmatched;
          if ((time.hour > 23 && time.hour !== 0xff) || (time.minute > 59 && time.minute !== 0xff)) return DataAccessResult.otherReason;
          times.push({ time, date });
        }
        if (s.type === 1 && times.length > 1) return DataAccessResult.otherReason;
        s.times = times;
        return DataAccessResult.success;
      }
      default:
        return DataAccessResult.objectUndefined;
    }
  }

}
defineClass(
  SingleActionScheduleObject,
  classTable({
    classId: 22,
    version: 0,
    attributes: [
      "executed_script:structure:w",
      "type:enum:w",
      "execution_time:array:w",
    ],
  }),
);
