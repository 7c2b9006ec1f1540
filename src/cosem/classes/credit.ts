import { D, type Data } from "../axdr.js";
import { NOT_SPECIFIED_DATE_TIME } from "./prepay-common.js";
import { ActionResult, DataAccessResult, type AccessContext, type ActionOutcome, type CosemObject, type GetResult, classTable, defineClass, type TableDefined } from "../interface-class.js";
import type { Obis } from "../obis.js";
import type { PrepayService } from "../../prepay/service.js";

/**
 * Credit, class 112 version 0: one object per credit the account holds,
 * here token credit (0.0.19.10.0.255, credit_type 0) and emergency credit
 * (0.0.19.10.1.255, credit_type 2), both views of src/prepay in Wh.
 * 2 current_credit_amount, 3 credit_type, 4 priority, 5 warning_threshold,
 * 6 limit, 7 credit_configuration bit-string(5), 8 credit_status (0 enabled,
 * 1 selectable, 2 selected/invoked, 3 in use, 4 exhausted), 9 preset_credit_amount,
 * 10 credit_available_threshold, 11 period.
 * Methods: 1 update_amount and 2 set_amount_to_value are refused (credit
 * changes only by tokens and consumption: that is the point of STS);
 * 3 invoke_credit(integer) invokes emergency credit once credit is low.
 */
export const CreditType = Object.freeze({ token: 0, emergency: 2 } as const);

// The class as data (defineClass below): its table and constants live on the prototype, not in a slot per object.
export interface CreditObject extends TableDefined {}
export class CreditObject implements CosemObject {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare readonly prepay: PrepayService;
  declare readonly logicalName: Obis;
  declare readonly creditType: (typeof CreditType)[keyof typeof CreditType];
  constructor(
    prepay: PrepayService,
    logicalName: Obis,
    creditType: (typeof CreditType)[keyof typeof CreditType],
  ) {
    this.prepay = prepay;
    this.logicalName = logicalName;
    this.creditType = creditType;
  }

  private amount(): number {
    const p = this.prepay;
    if (this.creditType === CreditType.token) return p.creditWh;
    return p.emergencyActive ? p.config.emergencyCreditWh - p.record.emergencyUsedWh : p.config.emergencyCreditWh;
  }

  private status(): number {
    const p = this.prepay;
    if (this.creditType === CreditType.token) return p.creditWh > 0 ? 3 : 4;
    if (p.emergencyActive) return p.creditWh > 0 ? 2 : this.amount() > 0 ? 3 : 4;
    return p.available() <= p.config.lowCreditWh ? 1 : 0;
  }

  get(attribute: number, _ctx: AccessContext): GetResult {
    const p = this.prepay;
    const token = this.creditType === CreditType.token;
    const i32 = (v: number) => D.i32(Math.max(-2147483648, Math.min(2147483647, Math.floor(v))));
    switch (attribute) {
      case 2:
        return { ok: true, value: i32(this.amount()) };
      case 3:
        return { ok: true, value: D.enum(this.creditType) };
      case 4:
        return { ok: true, value: D.u8(token ? 1 : 2) };
      case 5:
        return { ok: true, value: i32(token ? p.config.lowCreditWh : 0) };
      case 6:
        return { ok: true, value: i32(token ? p.config.maxCreditWh : p.config.emergencyCreditWh) };
      case 7:
        // token: bit 4 receives token amounts; emergency: bit 1 requires confirmation, bit 2 paid back from tokens.
        return { ok: true, value: D.bits(5, Uint8Array.of(token ? 0x08 : 0x60)) };
      case 8:
        return { ok: true, value: D.enum(this.status()) };
      case 9:
        return { ok: true, value: i32(token ? 0 : p.config.emergencyCreditWh) };
      case 10:
        return { ok: true, value: i32(token ? 0 : p.config.lowCreditWh) };
      case 11:
        return { ok: true, value: D.octets(NOT_SPECIFIED_DATE_TIME.slice()) };
      default:
        return { ok: false, error: DataAccessResult.objectUndefined };
    }
  }

  set(attribute: number, _value: Data, _ctx: AccessContext): DataAccessResult {
    return attribute >= 2 && attribute <= 11 ? DataAccessResult.readWriteDenied : DataAccessResult.objectUndefined;
  }

  action(method: number, _parameters: Data | undefined, _ctx: AccessContext): ActionOutcome {
    if (method < 1 || method > 3) return { result: ActionResult.objectUndefined };
    if (method !== 3 || this.creditType !== CreditType.emergency) return { result: ActionResult.readWriteDenied };
    return { result: this.prepay.activateEmergency() ? ActionResult.success : ActionResult.otherReason };
  }
}
defineClass(
  CreditObject,
  classTable({
    classId: 112,
    version: 0,
    attributes: [
      "current_credit_amount:double-long",
      "type:enum",
      "priority:unsigned",
      "warning_threshold:double-long",
      "limit:double-long",
      "credit_configuration:bit-string",
      "status:enum",
      "preset_credit_amount:double-long",
      "credit_available_threshold:double-long",
      "period:octet-string",
    ],
    methods: ["update_amount", "set_amount_to_value", "invoke_credit"],
  }),
);
