import { D, Tag, type Data } from "../axdr.js";
import { NOT_SPECIFIED_DATE_TIME } from "./prepay-common.js";
import { dateTimeOs } from "../axdr-helpers.js";
import type { DateTime } from "../datetime.js";
import { ActionResult, DataAccessResult, type AccessContext, type ActionOutcome, type CosemObject, type GetResult, classTable, defineClass, type TableDefined } from "../interface-class.js";
import type { Obis } from "../obis.js";
import type { PrepayService } from "../../prepay/service.js";
import { TOKEN_RESULT_NAMES, GatewayStatus, gatewayStatusOf } from "../../prepay/results.js";
import { utf8Decode, utf8Encode } from "../../util/bytes.js";

/**
 * Token Gateway, class 115 version 0 (0.0.19.40.0.255): the DLMS entry path
 * for STS tokens. Method 1 enter(octet-string) takes the 20 digits as ASCII
 * (dashes and spaces allowed) and hands them to src/prepay, which applies
 * the token rules; the outcome is in the attributes, not in the action
 * result (a rejected token was still entered):
 * 2 token (last token entered), 3 token_time, 4 token_description (the
 * result's name), 5 token_delivery_method (0 remote, 1 local, 2 manual),
 * 6 token_status {status_code enum, data_value bit-string(16) = the meter's
 * own TokenResult number, src/prepay/results.ts}.
 */
const METHODS = Object.freeze({ remote: 0, local: 1, manual: 2 } as const);

// The class as data (defineClass below): its table and constants live on the prototype, not in a slot per object.
export interface TokenGatewayObject extends TableDefined {}
export class TokenGatewayObject implements CosemObject {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare readonly prepay: PrepayService;
  declare readonly logicalName: Obis;
  declare readonly dateTimeAt: (utcMs: number) => DateTime;
  constructor(
    prepay: PrepayService,
    logicalName: Obis,
    dateTimeAt: (utcMs: number) => DateTime,
  ) {
    this.prepay = prepay;
    this.logicalName = logicalName;
    this.dateTimeAt = dateTimeAt;
  }

  get(attribute: number, _ctx: AccessContext): GetResult {
    const last = this.prepay.last;
    switch (attribute) {
      case 2:
        return { ok: true, value: D.octets(last ? utf8Encode(last.token) : new Uint8Array(0)) };
      case 3:
        return { ok: true, value: last ? dateTimeOs(this.dateTimeAt(last.utcMs)) : D.octets(NOT_SPECIFIED_DATE_TIME.slice()) };
      case 4:
        return { ok: true, value: D.array(last ? [D.octets(utf8Encode(TOKEN_RESULT_NAMES[last.result]))] : []) };
      case 5:
        return { ok: true, value: D.enum(last ? METHODS[last.method] : METHODS.remote) };
      case 6: {
        const code = last ? gatewayStatusOf(last.result) : GatewayStatus.notProcessed;
        const r = last ? last.result : 0;
        return { ok: true, value: D.struct(D.enum(code), D.bits(16, Uint8Array.of(r >>> 8, r & 0xff))) };
      }
      default:
        return { ok: false, error: DataAccessResult.objectUndefined };
    }
  }

  set(attribute: number, _value: Data, _ctx: AccessContext): DataAccessResult {
    return attribute >= 2 && attribute <= 6 ? DataAccessResult.readWriteDenied : DataAccessResult.objectUndefined;
  }

  action(method: number, parameters: Data | undefined, _ctx: AccessContext): ActionOutcome {
    if (method !== 1) return { result: ActionResult.objectUndefined };
    if (!parameters || (parameters.tag !== Tag.OctetString && parameters.tag !== Tag.VisibleString)) return { result: ActionResult.typeUnmatched };
    // A token is 20 digits plus separators: anything much longer is not one (and is not decoded into a big string).
    const raw = parameters.tag === Tag.OctetString ? (parameters.value.length <= 40 ? utf8Decode(parameters.value) : undefined) : parameters.value.length <= 40 ? parameters.value : undefined;
    try {
      this.prepay.enterToken(raw ?? "", "remote");
    } catch {
      // The store could not commit (flash fault): nothing was applied, and the client is told so.
      return { result: ActionResult.hardwareFault };
    }
    return { result: ActionResult.success };
  }
}
defineClass(
  TokenGatewayObject,
  classTable({
    classId: 115,
    version: 0,
    attributes: [
      "token:octet-string",
      "token_time:octet-string",
      "token_description:array",
      "token_delivery_method:enum",
      "token_status:structure",
    ],
    methods: ["enter"],
  }),
);
