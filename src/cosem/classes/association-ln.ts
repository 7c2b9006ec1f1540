import { D, Tag, writeLength, type Data } from "../axdr.js";
import {
  ActionResult,
  DataAccessResult,
  classTable,
  defineClass,
  type AccessContext,
  type ActionOutcome,
  type CosemObject,
  type EncodedStream,
  type GetResult,
  type ObjectRights,
  type Role,
  type TableDefined,
} from "../interface-class.js";
import type { Obis } from "../obis.js";
import { ByteWriter } from "../../util/bytes.js";

/**
 * Association LN, class 15 version 1. The association's state lives in the
 * server; this adapter reads it through AssociationBinding, so the class
 * knows nothing of APDUs or sessions.
 * 2 object_list (this association's view: only objects its role can see,
 *   with that role's access rights), 3 associated_partners_id,
 *   4 application_context_name, 5 xDLMS_context_info,
 *   6 authentication_mechanism_name, 7 secret (write only),
 *   8 association_status, 9 security_setup_reference.
 * Methods: 1 reply_to_HLS_authentication, 2 change_HLS_secret
 *   (3 add_object, 4 remove_object: the catalog is fixed at build time).
 */
/** A role's object_list rows by position (ObjectDirectory.visibleRows): no entry object per row. */
export interface ObjectRows {
  readonly length: number;
  objectAt(i: number): CosemObject;
  /** The role's rights on row i. */
  rightsAt(i: number): ObjectRights;
}

export interface AssociationBinding {
  readonly role: Role;
  readonly clientSap: number;
  readonly serverSap: number;
  readonly applicationContext: number;
  readonly mechanism: number;
  /** Logical name of the Security Setup object, or undefined. */
  readonly securitySetup: Obis | undefined;
  /** The catalog rows this association sees (its object_list), by position. */
  visibleRows(): ObjectRows;
  /** 0 non-associated, 1 association-pending, 2 associated. */
  status(): number;
  contextInfo(): { conformance: number; maxReceivePdu: number; maxSendPdu: number; dlmsVersion: number; qualityOfService: number };
  /** Checks f(StoC); returns f(CtoS) when it verifies, undefined otherwise. */
  replyToHls(fStoC: Uint8Array): Uint8Array | undefined;
  /** Replaces the secret (LLS password, HLS secret); false when refused. */
  changeSecret(secret: Uint8Array): boolean;
}

function contextName(kind: number, id: number): Data {
  // {joint-iso-ctt 2, country 16, country-name 756, identified-organization 5, DLMS-UA 8, kind, id}
  return D.struct(D.u8(2), D.u8(16), D.u16(756), D.u8(5), D.u8(8), D.u8(kind), D.u8(id));
}

/**
 * Writes one object_list element straight as A-XDR, the same bytes as
 * the element's Data definition (host-tests/support/object-list-element.ts)
 * without building the Data tree: on
 * a device every slot of that tree is heap, and the list is read often.
 * Returns the offset after the element; when that is beyond `out`, the
 * element did not fit (typed arrays drop writes past their end) and the
 * caller retries with a larger buffer.
 */
export function writeObjectListElement(out: Uint8Array, at: number, o: CosemObject, r: ObjectRights): number {
  const t = o.classTable;
  const ln = o.logicalName;
  const selectors = t.selectors;
  const methodCount = t.methods.length;
  let i = at;
  out[i++] = Tag.Structure;
  out[i++] = 4;
  out[i++] = Tag.LongUnsigned;
  out[i++] = t.classId >> 8;
  out[i++] = t.classId & 0xff;
  out[i++] = Tag.Unsigned;
  out[i++] = t.version;
  out[i++] = Tag.OctetString;
  out[i++] = 6;
  ln.writeTo(out, i);
  i += 6;
  out[i++] = Tag.Structure;
  out[i++] = 2;
  out[i++] = Tag.Array;
  out[i++] = selectors.length; // class attribute and method counts are below 128: one length byte
  for (let a = 0; a < selectors.length; a++) {
    out[i++] = Tag.Structure;
    out[i++] = 3;
    out[i++] = Tag.Integer;
    out[i++] = a + 1;
    out[i++] = Tag.Enum;
    out[i++] = r.attributes[a] ?? 0;
    const sel = selectors[a];
    if (sel.length) {
      out[i++] = Tag.Array;
      out[i++] = sel.length;
      for (let j = 0; j < sel.length; j++) {
        const x = sel[j];
        out[i++] = Tag.Integer;
        out[i++] = x;
      }
    } else out[i++] = Tag.NullData;
  }
  out[i++] = Tag.Array;
  out[i++] = methodCount;
  for (let m = 0; m < methodCount; m++) {
    out[i++] = Tag.Structure;
    out[i++] = 2;
    out[i++] = Tag.Integer;
    out[i++] = m + 1;
    out[i++] = Tag.Enum;
    out[i++] = r.methods[m] ?? 0;
  }
  return i;
}

/**
 * object_list pulled element by element into one scratch buffer, so a large
 * catalog is never encoded whole in RAM and nothing is allocated per
 * element. The bytes returned by next() are valid until the next call (the
 * server's BlockSource copies them at once).
 */
class ObjectListStream implements EncodedStream {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare readonly rows: ObjectRows;
  declare readonly kind: "stream";
  declare private i: number;
  /** Large enough for the elements of every class the meter has; grows if one does not fit. */
  declare private scratch: Uint8Array;
  declare private start: number;
  declare private end: number;

  constructor(rows: ObjectRows) {
    this.rows = rows;
    this.kind = "stream";
    this.i = -1;
    this.scratch = new Uint8Array(192);
    this.start = 0;
    this.end = 0;
  }

  next(maxBytes: number): Uint8Array | undefined {
    while (this.start === this.end) {
      if (this.i < 0) {
        const w = new ByteWriter(4);
        w.u8(Tag.Array);
        writeLength(w, this.rows.length);
        const head = w.toBytes();
        this.scratch.set(head);
        this.end = head.length;
      } else if (this.i < this.rows.length) {
        const o = this.rows.objectAt(this.i);
        const r = this.rows.rightsAt(this.i);
        let end = writeObjectListElement(this.scratch, 0, o, r);
        if (end > this.scratch.length) {
          this.scratch = new Uint8Array(end);
          end = writeObjectListElement(this.scratch, 0, o, r);
        }
        this.end = end;
      } else return undefined;
      this.start = 0;
      this.i++;
    }
    const n = Math.min(Math.max(1, maxBytes), this.end - this.start);
    const out = this.scratch.subarray(this.start, this.start + n);
    this.start += n;
    return out;
  }
}

// The class as data (defineClass below): its table and constants live on the prototype, not in a slot per object.
export interface AssociationLnObject extends TableDefined {}
export class AssociationLnObject implements CosemObject {
  declare readonly logicalName: Obis;
  declare readonly binding: AssociationBinding;
  constructor(
    logicalName: Obis,
    binding: AssociationBinding,
  ) {
    this.logicalName = logicalName;
    this.binding = binding;
  }

  get(attribute: number, _ctx: AccessContext): GetResult {
    const b = this.binding;
    switch (attribute) {
      case 2:
        return { ok: true, value: new ObjectListStream(b.visibleRows()) };
      case 3:
        return { ok: true, value: D.struct(D.i8(b.clientSap > 127 ? 127 : b.clientSap), D.u16(b.serverSap)) };
      case 4:
        return { ok: true, value: contextName(1, b.applicationContext) };
      case 5: {
        const c = b.contextInfo();
        const conf = Uint8Array.of((c.conformance >>> 16) & 0xff, (c.conformance >>> 8) & 0xff, c.conformance & 0xff);
        return {
          ok: true,
          value: D.struct(D.bits(24, conf), D.u16(c.maxReceivePdu), D.u16(c.maxSendPdu), D.u8(c.dlmsVersion), D.i8(c.qualityOfService), D.octets(new Uint8Array(0))),
        };
      }
      case 6:
        return { ok: true, value: contextName(2, b.mechanism) };
      case 7:
        // The secret is never readable, whatever a catalog grants.
        return { ok: false, error: DataAccessResult.readWriteDenied };
      case 8:
        return { ok: true, value: D.enum(b.status()) };
      case 9:
        return { ok: true, value: D.octets(b.securitySetup ? b.securitySetup.toBytes() : new Uint8Array(6)) };
      default:
        return { ok: false, error: DataAccessResult.objectUndefined };
    }
  }

  set(attribute: number, value: Data, _ctx: AccessContext): DataAccessResult {
    if (attribute !== 7) return attribute >= 2 && attribute <= 9 ? DataAccessResult.readWriteDenied : DataAccessResult.objectUndefined;
    if (value.tag !== Tag.OctetString) return DataAccessResult.typeUnmatched;
    return this.binding.changeSecret(value.value) ? DataAccessResult.success : DataAccessResult.otherReason;
  }

  action(method: number, parameters: Data | undefined, _ctx: AccessContext): ActionOutcome {
    if (method === 1) {
      if (parameters?.tag !== Tag.OctetString) return { result: ActionResult.typeUnmatched };
      const f = this.binding.replyToHls(parameters.value);
      // A wrong f(StoC) is other-reason with no data (Green Book: the association stays pending, then is released).
      return f ? { result: ActionResult.success, returnData: D.octets(f) } : { result: ActionResult.otherReason };
    }
    if (method === 2) {
      if (parameters?.tag !== Tag.OctetString) return { result: ActionResult.typeUnmatched };
      return { result: this.binding.changeSecret(parameters.value) ? ActionResult.success : ActionResult.otherReason };
    }
    return { result: method === 3 || method === 4 ? ActionResult.readWriteDenied : ActionResult.objectUndefined };
  }
}
defineClass(
  AssociationLnObject,
  classTable({
    classId: 15,
    version: 1,
    attributes: [
      "object_list:array",
      "associated_partners_id:structure",
      "application_context_name:structure",
      "xDLMS_context_info:structure",
      "authentication_mechanism_name:structure",
      "secret:octet-string:w",
      "association_status:enum",
      "security_setup_reference:octet-string",
    ],
    methods: ["reply_to_HLS_authentication", "change_HLS_secret", "add_object", "remove_object"],
  }),
);
