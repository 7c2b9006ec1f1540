import { D, Tag, type Data } from "../axdr.js";
import { ActionResult, DataAccessResult, type AccessContext, type ActionOutcome, type CosemObject, type GetResult, classTable, defineClass, type TableDefined } from "../interface-class.js";
import type { Obis } from "../obis.js";
import type { DemandMeter } from "../../metrology/demand.js";
import { asInt } from "../axdr-helpers.js";
import { intData, scaled, scalerUnitData, utcDateTime, type ScalerUnit } from "./register.js";

/**
 * Demand Register, class 5 version 0, over a DemandMeter (src/metrology):
 * 2 current_average_value, 3 last_average_value, 4 scaler_unit, 5 status,
 * 6 capture_time, 7 start_time_current, 8 period (double-long-unsigned, s),
 * 9 number_of_periods (long-unsigned); methods 1 reset, 2 next_period.
 * Averages are double-long-unsigned of W / 10^scaler.
 */
// The class as data (defineClass below): its table and constants live on the prototype, not in a slot per object.
export interface DemandRegisterObject extends TableDefined {}
export class DemandRegisterObject implements CosemObject {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare readonly logicalName: Obis;
  declare readonly scalerUnit: ScalerUnit;
  declare private readonly demand: DemandMeter;
  declare private readonly nowUtc: () => number;
  declare private readonly toDateTime: (utcMs: number) => Data;
  constructor(
    logicalName: Obis,
    scalerUnit: ScalerUnit,
    demand: DemandMeter,
    nowUtc: () => number,
    toDateTime: (utcMs: number) => Data = utcDateTime,
  ) {
    this.logicalName = logicalName;
    this.scalerUnit = scalerUnit;
    this.demand = demand;
    this.nowUtc = nowUtc;
    this.toDateTime = toDateTime;
  }

  get(attribute: number, _ctx: AccessContext): GetResult {
    const d = this.demand;
    const s = this.scalerUnit.scaler;
    switch (attribute) {
      case 2:
        return { ok: true, value: intData(Tag.DoubleLongUnsigned, scaled(d.currentAverageW, s)) };
      case 3:
        return { ok: true, value: intData(Tag.DoubleLongUnsigned, scaled(d.lastAverageW, s)) };
      case 4:
        return { ok: true, value: scalerUnitData(this.scalerUnit) };
      case 5:
        return { ok: true, value: D.u8(0) };
      case 6:
        return { ok: true, value: this.toDateTime(d.captureTime) };
      case 7:
        return { ok: true, value: this.toDateTime(d.startTimeCurrent) };
      case 8:
        return { ok: true, value: D.u32(d.periodS) };
      case 9:
        return { ok: true, value: D.u16(d.numberOfPeriods) };
      default:
        return { ok: false, error: DataAccessResult.objectUndefined };
    }
  }

  set(attribute: number, value: Data, _ctx: AccessContext): DataAccessResult {
    const d = this.demand;
    switch (attribute) {
      case 8: {
        const p = asInt(value, Tag.DoubleLongUnsigned, 1, 86400);
        if (p === undefined) return value.tag === Tag.DoubleLongUnsigned ? DataAccessResult.otherReason : DataAccessResult.typeUnmatched;
        d.configure(this.nowUtc(), p, d.numberOfPeriods);
        return DataAccessResult.success;
      }
      case 9: {
        const n = asInt(value, Tag.LongUnsigned, 1, 60);
        if (n === undefined) return value.tag === Tag.LongUnsigned ? DataAccessResult.otherReason : DataAccessResult.typeUnmatched;
        d.configure(this.nowUtc(), d.periodS, n);
        return DataAccessResult.success;
      }
      case 2:
      case 3:
      case 4:
      case 5:
      case 6:
      case 7:
        return DataAccessResult.readWriteDenied;
      default:
        return DataAccessResult.objectUndefined;
    }
  }

  action(method: number, parameters: Data | undefined, _ctx: AccessContext): ActionOutcome {
    if (method !== 1 && method !== 2) return { result: ActionResult.objectUndefined };
    if (!parameters || parameters.tag !== Tag.Integer) return { result: ActionResult.typeUnmatched };
    if (method === 1) this.demand.reset(this.nowUtc());
    else this.demand.nextPeriod(this.nowUtc());
    return { result: ActionResult.success };
  }
}
defineClass(
  DemandRegisterObject,
  classTable({
    classId: 5,
    version: 0,
    attributes: [
      "current_average_value:*",
      "last_average_value:*",
      "scaler_unit:structure",
      "status:*",
      "capture_time:octet-string",
      "start_time_current:octet-string",
      "period:double-long-unsigned:w",
      "number_of_periods:long-unsigned:w",
    ],
    methods: ["reset", "next_period"],
  }),
);
