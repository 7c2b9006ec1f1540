import { D, Tag, type Data } from "../axdr.js";
import { dateTimeFromUtcMs } from "../datetime.js";
import { ActionResult, DataAccessResult, type AccessContext, type ActionOutcome, type CosemObject, type GetResult, classTable, defineClass, type TableDefined } from "../interface-class.js";
import type { Obis } from "../obis.js";
import { dateTimeOs } from "../axdr-helpers.js";

/**
 * Register, class 3 version 0: 2 value, 3 scaler_unit {integer scaler, enum
 * unit}; method 1 reset. The value comes from a domain service (an energy
 * accumulator, an instantaneous value, a calibration constant) through the
 * subclass the composition root writes for it, so the class only encodes.
 * Units are the Blue Book enum (27 W, 28 VA, 29 var, 30 Wh, 31 VAh,
 * 32 varh, 33 A, 35 V, 44 Hz, 255 none).
 */
export const Unit = Object.freeze({ W: 27, VA: 28, var: 29, Wh: 30, VAh: 31, varh: 32, A: 33, V: 35, Hz: 44, none: 255 } as const);

export interface ScalerUnit {
  scaler: number;
  unit: number;
}

export function scalerUnitData(su: ScalerUnit): Data {
  return D.struct(D.i8(su.scaler), D.enum(su.unit));
}

/** A physical value as the integer a register of this scaler carries: value / 10^scaler. */
export function scaled(value: number, scaler: number): number {
  return Math.round(value / 10 ** scaler);
}

/** A value of the given A-XDR integer tag, clamped to its range (a register never throws on a bad reading). */
export function intData(tag: number, v: number): Data {
  const ranges: Record<number, [number, number]> = {
    [Tag.Integer]: [-128, 127],
    [Tag.Long]: [-32768, 32767],
    [Tag.Unsigned]: [0, 255],
    [Tag.LongUnsigned]: [0, 65535],
    [Tag.DoubleLong]: [-2147483648, 2147483647],
    [Tag.DoubleLongUnsigned]: [0, 4294967295],
  };
  const r = ranges[tag] ?? [0, 4294967295];
  const x = Number.isFinite(v) ? Math.min(r[1], Math.max(r[0], Math.round(v))) : 0;
  return { tag, value: x } as Data;
}

/** capture_time and similar: date-time octet-string in UTC (deviation 0) unless the caller maps it to local time. */
export function utcDateTime(utcMs: number): Data {
  return dateTimeOs(dateTimeFromUtcMs(utcMs, 0, 0));
}

/**
 * A register row is one object: the subclass holds only what differs per
 * row (which value of which service) and reads it itself, its scaler_unit
 * usually from a frozen table; everything else is on prototypes. A binding
 * object beside each register cost 4 to 6 slots a row, 93 rows on the sim
 * board (issue 13).
 */
// The class as data (defineClass below): its table and constants live on the prototype, not in a slot per object.
export interface RegisterObject extends TableDefined {}
export abstract class RegisterObject implements CosemObject {
  abstract readonly logicalName: Obis;
  abstract readonly scalerUnit: ScalerUnit;

  /** Attribute 2, as the integer its scaler gives. */
  abstract read(): Data;
  /** A write of attribute 2; absent: read-only whatever the rights say. */
  write?(value: Data): DataAccessResult;
  /** Method reset; absent: the register cannot be reset (billing registers). */
  reset?(): boolean;

  get(attribute: number, _ctx: AccessContext): GetResult {
    if (attribute === 2) return { ok: true, value: this.read() };
    if (attribute === 3) return { ok: true, value: scalerUnitData(this.scalerUnit) };
    return { ok: false, error: DataAccessResult.objectUndefined };
  }

  set(attribute: number, value: Data, _ctx: AccessContext): DataAccessResult {
    if (attribute === 2) return this.write ? this.write(value) : DataAccessResult.readWriteDenied;
    if (attribute === 3) return DataAccessResult.readWriteDenied;
    return DataAccessResult.objectUndefined;
  }

  action(method: number, parameters: Data | undefined, _ctx: AccessContext): ActionOutcome {
    if (method !== 1) return { result: ActionResult.objectUndefined };
    // reset(data): the Blue Book parameter is integer 0.
    if (!parameters || parameters.tag !== Tag.Integer) return { result: ActionResult.typeUnmatched };
    if (!this.reset) return { result: ActionResult.readWriteDenied };
    return { result: this.reset() ? ActionResult.success : ActionResult.otherReason };
  }
}
defineClass(
  RegisterObject,
  classTable({
    classId: 3,
    version: 0,
    attributes: [
      "value:*:w",
      "scaler_unit:structure",
    ],
    methods: ["reset"],
  }),
);
