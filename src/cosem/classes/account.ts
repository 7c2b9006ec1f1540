import { D, Tag, type Data } from "../axdr.js";
import { asInt } from "../axdr-helpers.js";
import { NOT_SPECIFIED_DATE_TIME } from "./prepay-common.js";
import { ActionResult, DataAccessResult, type AccessContext, type ActionOutcome, type CosemObject, type GetResult, classTable, defineClass, type TableDefined } from "../interface-class.js";
import type { Obis } from "../obis.js";
import type { PrepayService } from "../../prepay/service.js";

/**
 * Account, class 111 version 0 (0.0.19.0.0.255): the prepayment account as
 * a thin view of src/prepay. Credit is kept in Wh (currency_unit
 * "consumption", scale 0), so available_credit and the thresholds are Wh.
 * 2 account_mode_and_status {payment_mode = 2 prepayment, account_status = 2 active}
 * 3 current_credit_in_use (index into credit_reference_list: 0 token, 1 emergency)
 * 4 current_credit_status bit-string(8): 0 in credit, 1 low credit, 5 selectable credit in use, 6 out of credit
 * 5 available_credit, 6 amount_to_clear, 7 clearance_threshold, 8 aggregated_debt (double-long)
 * 9 credit_reference_list, 10 charge_reference_list (arrays of logical names)
 * 11 credit_charge_configuration, 12 token_gateway_configuration
 * 13 account_activation_time, 14 account_closure_time, 15 currency
 * 16 low_credit_threshold (writable), 17 next_credit_available_threshold,
 * 18 max_provision, 19 max_provision_period.
 * Methods 1 activate_account, 2 close_account, 3 reset_account: this meter's
 * account is always active (provisioned at manufacture); they answer
 * other-reason rather than pretend.
 */
// The class as data (defineClass below): its table and constants live on the prototype, not in a slot per object.
export interface AccountObject extends TableDefined {}
export class AccountObject implements CosemObject {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare readonly prepay: PrepayService;
  declare readonly logicalName: Obis;
  declare readonly credits: readonly Obis[];
  declare readonly charges: readonly Obis[];
  declare readonly gateway: Obis;
  constructor(
    prepay: PrepayService,
    logicalName: Obis,
    credits: readonly Obis[],
    charges: readonly Obis[],
    gateway: Obis,
  ) {
    this.prepay = prepay;
    this.logicalName = logicalName;
    this.credits = credits;
    this.charges = charges;
    this.gateway = gateway;
  }

  private statusBits(): number {
    const p = this.prepay;
    const avail = p.available();
    let b = 0;
    if (avail > 0) b |= 0x80;
    if (avail <= p.config.lowCreditWh) b |= 0x40;
    if (p.emergencyActive) b |= 0x04;
    if (avail <= 0) b |= 0x02;
    return b;
  }

  get(attribute: number, _ctx: AccessContext): GetResult {
    const p = this.prepay;
    const i32 = (v: number) => D.i32(Math.max(-2147483648, Math.min(2147483647, Math.floor(v))));
    const lns = (l: readonly Obis[]) => D.array(l.map((o) => D.octets(o.toBytes())));
    switch (attribute) {
      case 2:
        return { ok: true, value: D.struct(D.enum(2), D.enum(2)) };
      case 3:
        return { ok: true, value: D.u8(p.emergencyActive && p.creditWh <= 0 ? 1 : 0) };
      case 4:
        return { ok: true, value: D.bits(8, Uint8Array.of(this.statusBits())) };
      case 5:
        return { ok: true, value: i32(p.available()) };
      case 6:
        return { ok: true, value: i32(p.amountToClear()) };
      case 7:
        return { ok: true, value: D.i32(0) };
      case 8:
        return { ok: true, value: i32(p.amountToClear()) };
      case 9:
        return { ok: true, value: lns(this.credits) };
      case 10:
        return { ok: true, value: lns(this.charges) };
      case 11: {
        const first = this.credits[0];
        const rows = this.charges.map((c) => D.struct(D.octets(first.toBytes()), D.octets(c.toBytes()), D.bits(3, Uint8Array.of(0x80))));
        return { ok: true, value: D.array(rows) };
      }
      case 12:
        return { ok: true, value: D.array([D.struct(D.octets(this.credits[0].toBytes()), D.u8(100))]) };
      case 13:
      case 14:
        return { ok: true, value: D.octets(NOT_SPECIFIED_DATE_TIME.slice()) };
      case 15:
        return { ok: true, value: D.struct(D.utf8("Wh"), D.i8(0), D.enum(1)) };
      case 16:
        return { ok: true, value: i32(p.config.lowCreditWh) };
      case 17:
        return { ok: true, value: D.i32(0) };
      case 18:
        return { ok: true, value: D.u16(0) };
      case 19:
        return { ok: true, value: D.u32(0) };
      default:
        return { ok: false, error: DataAccessResult.objectUndefined };
    }
  }

  set(attribute: number, value: Data, _ctx: AccessContext): DataAccessResult {
    if (attribute < 2 || attribute > 19) return DataAccessResult.objectUndefined;
    if (attribute !== 16) return DataAccessResult.readWriteDenied;
    const v = asInt(value, Tag.DoubleLong);
    if (v === undefined) return DataAccessResult.typeUnmatched;
    return this.prepay.setLowCredit(v) ? DataAccessResult.success : DataAccessResult.otherReason;
  }

  action(method: number, _parameters: Data | undefined, _ctx: AccessContext): ActionOutcome {
    if (method < 1 || method > 3) return { result: ActionResult.objectUndefined };
    return { result: ActionResult.otherReason };
  }
}
defineClass(
  AccountObject,
  classTable({
    classId: 111,
    version: 0,
    attributes: [
      "account_mode_and_status:structure",
      "current_credit_in_use:unsigned",
      "current_credit_status:bit-string",
      "available_credit:double-long",
      "amount_to_clear:double-long",
      "clearance_threshold:double-long",
      "aggregated_debt:double-long",
      "credit_reference_list:array",
      "charge_reference_list:array",
      "credit_charge_configuration:array",
      "token_gateway_configuration:array",
      "account_activation_time:octet-string",
      "account_closure_time:octet-string",
      "currency:structure",
      "low_credit_threshold:double-long:w",
      "next_credit_available_threshold:double-long",
      "max_provision:long-unsigned",
      "max_provision_period:double-long-unsigned",
    ],
    methods: ["activate_account", "close_account", "reset_account"],
  }),
);
