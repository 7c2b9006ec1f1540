import { Tag, type Data } from "../axdr.js";
import { ActionResult, DataAccessResult, type AccessContext, type ActionOutcome, type CosemObject, type GetResult, classTable, defineClass, type TableDefined } from "../interface-class.js";
import type { Obis } from "../obis.js";
import { scalerUnitData, utcDateTime, type ScalerUnit } from "./register.js";
import { frozen } from "../../util/frozen.js";

/**
 * Extended Register, class 4 version 0: 2 value, 3 scaler_unit, 4 status,
 * 5 capture_time (date-time octet-string); method 1 reset. Used for maximum
 * demand (1.0.1.6.0.255): the value with the time it was reached.
 */
export interface ExtendedRegisterBinding {
  read(): Data;
  status(): Data;
  /** UTC ms of the capture; 0 = never captured (the Blue Book's "not specified"). */
  captureUtc(): number;
  reset?(): boolean;
}

const NOT_SPECIFIED_DATE_TIME: Data = frozen({
  tag: Tag.OctetString,
  value: new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x80, 0x00, 0xff]),
});

// The class as data (defineClass below): its table and constants live on the prototype, not in a slot per object.
export interface ExtendedRegisterObject extends TableDefined {}
export class ExtendedRegisterObject implements CosemObject {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare readonly logicalName: Obis;
  declare readonly scalerUnit: ScalerUnit;
  declare readonly binding: ExtendedRegisterBinding;
  declare private readonly toDateTime: (utcMs: number) => Data;
  constructor(
    logicalName: Obis,
    scalerUnit: ScalerUnit,
    binding: ExtendedRegisterBinding,
    toDateTime: (utcMs: number) => Data = utcDateTime,
  ) {
    this.logicalName = logicalName;
    this.scalerUnit = scalerUnit;
    this.binding = binding;
    this.toDateTime = toDateTime;
  }

  get(attribute: number, _ctx: AccessContext): GetResult {
    switch (attribute) {
      case 2:
        return { ok: true, value: this.binding.read() };
      case 3:
        return { ok: true, value: scalerUnitData(this.scalerUnit) };
      case 4:
        return { ok: true, value: this.binding.status() };
      case 5: {
        const t = this.binding.captureUtc();
        return { ok: true, value: t > 0 ? this.toDateTime(t) : NOT_SPECIFIED_DATE_TIME };
      }
      default:
        return { ok: false, error: DataAccessResult.objectUndefined };
    }
  }

  set(attribute: number, _value: Data, _ctx: AccessContext): DataAccessResult {
    return attribute >= 2 && attribute <= 5 ? DataAccessResult.readWriteDenied : DataAccessResult.objectUndefined;
  }

  action(method: number, parameters: Data | undefined, _ctx: AccessContext): ActionOutcome {
    if (method !== 1) return { result: ActionResult.objectUndefined };
    if (!parameters || parameters.tag !== Tag.Integer) return { result: ActionResult.typeUnmatched };
    if (!this.binding.reset) return { result: ActionResult.readWriteDenied };
    return { result: this.binding.reset() ? ActionResult.success : ActionResult.otherReason };
  }
}
defineClass(
  ExtendedRegisterObject,
  classTable({
    classId: 4,
    version: 0,
    attributes: [
      "value:*",
      "scaler_unit:structure",
      "status:*",
      "capture_time:octet-string",
    ],
    methods: ["reset"],
  }),
);
