import { D, Tag, type Data } from "../axdr.js";
import { ActionResult, DataAccessResult, type AccessContext, type ActionOutcome, type CosemObject, type GetResult, classTable, defineClass, type TableDefined } from "../interface-class.js";
import type { Obis } from "../obis.js";
import type { SecuritySetup } from "../security/security-setup.js";

/**
 * Security Setup, class 64 version 1, over the security context in
 * src/cosem/security/security-setup.ts.
 * 2 security_policy (enum, v1 bits), 3 security_suite (enum),
 * 4 client_system_title, 5 server_system_title, 6 certificates (none: suite 0).
 * Methods: 1 security_activate(policy), 2 key_transfer(array of
 * {key_id enum, key_wrapped octet-string}) unwrapped under the master key
 * (RFC 3394 through the crypto port); 3..8 (key agreement and certificate
 * management) belong to suite 1 and answer other-reason.
 */
// The class as data (defineClass below): its table and constants live on the prototype, not in a slot per object.
export interface SecuritySetupObject extends TableDefined {}
export class SecuritySetupObject implements CosemObject {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare readonly setup: SecuritySetup;
  constructor(setup: SecuritySetup) {
    this.setup = setup;
  }

  get logicalName(): Obis {
    return this.setup.logicalName;
  }

  get(attribute: number, _ctx: AccessContext): GetResult {
    const s = this.setup;
    switch (attribute) {
      case 2:
        return { ok: true, value: D.enum(s.policy) };
      case 3:
        return { ok: true, value: D.enum(s.suite) };
      case 4:
        return { ok: true, value: D.octets(s.clientSystemTitle ?? new Uint8Array(0)) };
      case 5:
        return { ok: true, value: D.octets(s.serverSystemTitle) };
      case 6:
        return { ok: true, value: D.array([]) };
      default:
        return { ok: false, error: DataAccessResult.objectUndefined };
    }
  }

  set(attribute: number, value: Data, _ctx: AccessContext): DataAccessResult {
    if (attribute === 4) {
      if (value.tag !== Tag.OctetString || value.value.length !== 8) return DataAccessResult.typeUnmatched;
      this.setup.clientSystemTitle = value.value;
      return DataAccessResult.success;
    }
    return attribute >= 2 && attribute <= 6 ? DataAccessResult.readWriteDenied : DataAccessResult.objectUndefined;
  }

  action(method: number, parameters: Data | undefined, _ctx: AccessContext): ActionOutcome {
    if (method === 1) {
      if (parameters?.tag !== Tag.Enum) return { result: ActionResult.typeUnmatched };
      return { result: this.setup.activate(parameters.value) ? ActionResult.success : ActionResult.otherReason };
    }
    if (method === 2) {
      if (parameters?.tag !== Tag.Array) return { result: ActionResult.typeUnmatched };
      const keys: { id: number; wrapped: Uint8Array }[] = [];
      for (let i = 0; i < parameters.value.length; i++) {
        const item = parameters.value[i];
        if (item.tag !== Tag.Structure || item.value.length !== 2) return { result: ActionResult.typeUnmatched };
        const id = item.value[0], wrapped = item.value[1];
        if (id.tag !== Tag.Enum || wrapped.tag !== Tag.OctetString) return { result: ActionResult.typeUnmatched };
        keys.push({ id: id.value, wrapped: wrapped.value });
      }
      return { result: keys.length > 0 && this.setup.transferKeys(keys) ? ActionResult.success : ActionResult.otherReason };
    }
    return { result: method >= 3 && method <= 8 ? ActionResult.otherReason : ActionResult.objectUndefined };
  }
}
defineClass(
  SecuritySetupObject,
  classTable({
    classId: 64,
    version: 1,
    attributes: [
      "security_policy:enum",
      "security_suite:enum",
      "client_system_title:octet-string:w",
      "server_system_title:octet-string",
      "certificates:array",
    ],
    methods: ["security_activate", "key_transfer", "key_agreement", "generate_key_pair", "generate_certificate_request", "import_certificate", "export_certificate", "remove_certificate"],
  }),
);
