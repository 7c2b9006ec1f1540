import { D, type Data } from "../axdr.js";
import { NOT_SPECIFIED_DATE_TIME } from "./prepay-common.js";
import { ActionResult, DataAccessResult, type AccessContext, type ActionOutcome, type CosemObject, type GetResult, classTable, defineClass, type TableDefined } from "../interface-class.js";
import type { Obis } from "../obis.js";
import type { PrepayService } from "../../prepay/service.js";

/**
 * Charge, class 113 version 0 (0.0.19.20.0.255): the consumption-based
 * charge that takes credit as import active energy accrues (1 Wh of credit
 * per Wh). The unit charge shows the rate the last Set Tariff Rate token
 * delivered (raw 16-bit STS rate; this meter keeps credit in energy, so the
 * rate is recorded, not applied).
 * 2 total_amount_paid, 3 charge_type (0 consumption based), 4 priority,
 * 5/6 unit_charge_active/passive, 7 unit_charge_activation_time, 8 period,
 * 9 charge_configuration, 10 last_collection_time, 11 last_collection_amount,
 * 12 total_amount_remaining, 13 proportion.
 * Methods 1..5 change what tokens and consumption alone may change: refused.
 */
// The class as data (defineClass below): its table and constants live on the prototype, not in a slot per object.
export interface ChargeObject extends TableDefined {}
export class ChargeObject implements CosemObject {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare readonly prepay: PrepayService;
  declare readonly logicalName: Obis;
  /** The energy register charged (class 3, attribute 2). */
  declare readonly commodity: Obis;
  constructor(
    prepay: PrepayService,
    logicalName: Obis,
    commodity: Obis,
  ) {
    this.prepay = prepay;
    this.logicalName = logicalName;
    this.commodity = commodity;
  }

  private unitCharge(): Data {
    return D.struct(
      D.struct(D.i8(0), D.i8(0)),
      D.struct(D.u16(3), D.octets(this.commodity.toBytes()), D.i8(2)),
      D.array([D.struct(D.octets(Uint8Array.of(1)), D.i16(Math.min(32767, this.prepay.tariffRate)))]),
    );
  }

  get(attribute: number, _ctx: AccessContext): GetResult {
    const p = this.prepay;
    switch (attribute) {
      case 2:
        return { ok: true, value: D.i32(Math.min(2147483647, Math.floor(p.consumedWh))) };
      case 3:
        return { ok: true, value: D.enum(0) };
      case 4:
        return { ok: true, value: D.u8(1) };
      case 5:
      case 6:
        return { ok: true, value: this.unitCharge() };
      case 7:
      case 10:
        return { ok: true, value: D.octets(NOT_SPECIFIED_DATE_TIME.slice()) };
      case 8:
        return { ok: true, value: D.u32(0) };
      case 9:
        return { ok: true, value: D.bits(2, Uint8Array.of(0)) };
      case 11:
      case 12:
        return { ok: true, value: D.i32(0) };
      case 13:
        return { ok: true, value: D.u16(10000) };
      default:
        return { ok: false, error: DataAccessResult.objectUndefined };
    }
  }

  set(attribute: number, _value: Data, _ctx: AccessContext): DataAccessResult {
    return attribute >= 2 && attribute <= 13 ? DataAccessResult.readWriteDenied : DataAccessResult.objectUndefined;
  }

  action(method: number, _parameters: Data | undefined, _ctx: AccessContext): ActionOutcome {
    return { result: method >= 1 && method <= 5 ? ActionResult.readWriteDenied : ActionResult.objectUndefined };
  }
}
defineClass(
  ChargeObject,
  classTable({
    classId: 113,
    version: 0,
    attributes: [
      "total_amount_paid:double-long",
      "charge_type:enum",
      "priority:unsigned",
      "unit_charge_active:structure",
      "unit_charge_passive:structure",
      "unit_charge_activation_time:octet-string",
      "period:double-long-unsigned",
      "charge_configuration:bit-string",
      "last_collection_time:octet-string",
      "last_collection_amount:double-long",
      "total_amount_remaining:double-long",
      "proportion:long-unsigned",
    ],
    methods: ["update_unit_charge", "activate_passive_unit_charge", "collect", "update_total_amount_remaining", "set_total_amount_remaining"],
  }),
);
