import { decodeData, encodeData, readData, readList, D, type Data } from "../axdr.js";
import { decodeApdu, encodeApdu, type Apdu } from "../apdu/apdu.js";
import { Conformance } from "../apdu/conformance.js";
import {
  ServiceError,
  StateError,
  type ActionResultWithData,
  type AttributeDescriptor,
  type AttributeWithSelection,
  type DataBlockSA,
  type DataResult,
  type MethodDescriptor,
  type ServiceApdu,
} from "../apdu/xdlms.js";
import {
  ActionResult,
  AttributeAccess,
  DataAccessResult,
  MethodAccess,
  canInvoke,
  canRead,
  canWrite,
  selectorsOf,
  type AccessContext,
  type AccessSelection,
  type CosemObject,
  type ObjectEntry,
  type ObjectRights,
} from "../interface-class.js";
import type { Obis } from "../obis.js";
import { ByteReader } from "../../util/bytes.js";
import { DecodeError } from "../../util/errors.js";
import { frozen } from "../../util/frozen.js";
import type { Association } from "./association.js";
import { BlockSource, LONG_ACTION, LONG_GET, assembled, continueLong, receiveBlock, refuseLongIn, startLong, type LongIn } from "./blocks.js";
import { CURRENT_ASSOCIATION, type ObjectDirectory, attributeRight, methodRight, needsAuthenticatedRequest } from "./directory.js";
import { cipherOverhead, type Protection } from "./protection.js";
import { NO_DATA, exception } from "./replies.js";

/**
 * The server's service room: decodes a plain xDLMS request of an open
 * association, checks its conformance, finds each object and the caller's
 * rights in the directory (including whether the request was authenticated),
 * runs GET/SET/ACTION on the interface class, and sizes the response to the
 * client and transport, starting a block transfer when it does not fit.
 */

/** Invoke-Id-And-Priority bit 6, service-class: 1 confirmed, 0 unconfirmed (IEC 62056-5-3, 8: COSEM APDUs in ASN.1). */
const SERVICE_CLASS_CONFIRMED = 0x40;

const PENDING_RIGHTS: ObjectRights = frozen({ attributes: [], methods: [MethodAccess.access] });
const NO_RIGHTS: ObjectRights = frozen({ attributes: [], methods: [] });

/** The largest plain APDU that still fits the client and the transport once protected. */
function responseRoom(a: Association, prot: Protection | undefined): number {
  const t = a.session.maxApduSize > 0 ? a.session.maxApduSize : 0xffff;
  return Math.max(32, Math.min(a.clientMaxPdu, t) - cipherOverhead(prot));
}

export class Services {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare private readonly directory: ObjectDirectory;
  /** Each association's own Association LN entry: what the current-association name means. */
  declare private readonly own: (a: Association) => ObjectEntry;
  declare private readonly maxAssembly: number;
  declare private readonly now: () => number;

  constructor(directory: ObjectDirectory, own: (a: Association) => ObjectEntry, maxAssembly: number, now: () => number) {
    this.rights = NO_RIGHTS;
    this.directory = directory;
    this.own = own;
    this.maxAssembly = maxAssembly;
    this.now = now;
  }

  /** Serves one plain request; undefined for an unconfirmed service, which gets no answer. */
  serve(a: Association, plain: Uint8Array, prot: Protection | undefined): Uint8Array | undefined {
    let req: Apdu;
    try {
      req = decodeApdu(plain);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      const known = plain[0] === 0xc0 || plain[0] === 0xc1 || plain[0] === 0xc3;
      return exception(known ? StateError.serviceNotAllowed : StateError.serviceUnknown, known ? ServiceError.otherReason : ServiceError.serviceNotSupported);
    }
    // A new request ends any long transfer it does not continue (Green Book: long GET aborted).
    if (req.type !== "get-request-next") a.getLong = undefined;
    if (req.type !== "action-request-next-pblock") a.actionOut = undefined;
    if (req.type !== "set-request-with-datablock" && req.type !== "action-request-with-pblock") a.longIn = undefined;
    const need = neededConformance(req);
    if (need === undefined) return exception(StateError.serviceUnknown, ServiceError.serviceNotSupported);
    const service = req as ServiceApdu;
    // An unconfirmed SET or ACTION (service-class bit clear in Invoke-Id-And-Priority) is carried
    // out but never answered, not even with an error (IEC 62056-5-3, 8 and Green Book 9.3:
    // unconfirmed services have no .response). Block transfers need their answers.
    const silent = isUnconfirmable(service) && "invokeId" in service && (service.invokeId & SERVICE_CLASS_CONFIRMED) === 0;
    if ((a.conformance & need) !== need) return silent ? undefined : exception(StateError.serviceNotAllowed, ServiceError.serviceNotSupported);
    const response = this.dispatch(a, service, prot);
    return silent ? undefined : response;
  }

  private dispatch(a: Association, service: ServiceApdu, prot: Protection | undefined): Uint8Array | undefined {
    switch (service.type) {
      case "get-request-normal":
        return this.getNormal(a, service.invokeId, service.descriptor, service.access, prot);
      case "get-request-next":
        return continueLong(a, LONG_GET, service.invokeId, service.blockNumber, responseRoom(a, prot));
      case "get-request-with-list":
        return this.getList(a, service.invokeId, service.items, prot);
      case "set-request-normal":
        return encodeApdu({ type: "set-response-normal", invokeId: service.invokeId, result: this.set(a, service.descriptor, "data" in service.value ? service.value.data : decodeData(service.value.encoded), prot) });
      case "set-request-with-list":
        return encodeApdu({ type: "set-response-with-list", invokeId: service.invokeId, results: service.items.map((it, i) => this.set(a, it.descriptor, service.values[i], prot)) });
      case "set-request-with-first-datablock": {
        const check = this.changeable(a, service.descriptor.classId, service.descriptor.instance, service.descriptor.attribute, false, prot);
        if (typeof check === "number") return encodeApdu({ type: "set-response-last-datablock", invokeId: service.invokeId, result: check, blockNumber: service.block.blockNumber });
        const longIn: LongIn = { invokeId: service.invokeId, kind: "set", descriptor: service.descriptor, access: service.access, chunks: [], size: 0, block: 0 };
        return this.blockIn(a, longIn, service.block, prot);
      }
      case "set-request-with-list-and-first-datablock":
        return this.blockIn(a, { invokeId: service.invokeId, kind: "set-list", items: service.items, chunks: [], size: 0, block: 0 }, service.block, prot);
      case "set-request-with-datablock":
        if (!a.longIn || (a.longIn.kind !== "set" && a.longIn.kind !== "set-list")) {
          return encodeApdu({ type: "set-response-last-datablock", invokeId: service.invokeId, result: DataAccessResult.noLongSetInProgress, blockNumber: service.block.blockNumber });
        }
        return this.blockIn(a, a.longIn, service.block, prot);
      case "action-request-normal":
        return this.actionResponse(a, service.invokeId, this.invoke(a, service.descriptor, service.parameters, prot), prot);
      case "action-request-with-list":
        return encodeApdu({
          type: "action-response-with-list",
          invokeId: service.invokeId,
          responses: service.descriptors.map((d, i) => this.invoke(a, d, service.parameters[i], prot)),
        });
      case "action-request-with-first-pblock": {
        const check = this.changeable(a, service.descriptor.classId, service.descriptor.instance, service.descriptor.method, true, prot);
        if (typeof check === "number") return encodeApdu({ type: "action-response-normal", invokeId: service.invokeId, response: { result: check } });
        return this.blockIn(a, { invokeId: service.invokeId, kind: "action", method: service.descriptor, chunks: [], size: 0, block: 0 }, service.block, prot);
      }
      case "action-request-with-list-and-first-pblock":
        return this.blockIn(a, { invokeId: service.invokeId, kind: "action-list", methods: service.descriptors, chunks: [], size: 0, block: 0 }, service.block, prot);
      case "action-request-with-pblock":
        if (!a.longIn || (a.longIn.kind !== "action" && a.longIn.kind !== "action-list")) {
          return encodeApdu({ type: "action-response-normal", invokeId: service.invokeId, response: { result: ActionResult.noLongActionInProgress } });
        }
        return this.blockIn(a, a.longIn, service.block, prot);
      case "action-request-next-pblock":
        return continueLong(a, LONG_ACTION, service.invokeId, service.blockNumber, responseRoom(a, prot));
      default:
        return exception(StateError.serviceUnknown, ServiceError.serviceNotSupported);
    }
  }

  private ctx(a: Association): AccessContext {
    return { role: a.cfg.role, clientSap: a.cfg.clientSap, nowUtcMs: this.now() };
  }

  // ---------------------------------------------------------------- rights

  /**
   * The caller's rights on the object resolve returned last: handed over in
   * a field, not in an object made per request (requests are handled one at
   * a time, synchronously).
   */
  declare private rights: ObjectRights;

  /** Finds the object and the caller's rights (in rights), or the data-access-result that refuses it. */
  private resolve(a: Association, classId: number, ln: Obis): CosemObject | number {
    const own = this.own(a);
    const current = ln.key === CURRENT_ASSOCIATION.key;
    // One lookup, the row's rights in the directory's `found`: it keeps no entry object per row (issue 13).
    const object = current ? own.object : this.directory.lookup(ln.key);
    if (!object) return DataAccessResult.objectUndefined;
    let rights = (current ? own.rights : this.directory.found)[a.cfg.role];
    if (!rights) return DataAccessResult.objectUndefined;
    if (object.classId !== classId) return DataAccessResult.objectClassInconsistent;
    // Before HLS completes the client may only answer the challenge (Green Book 9.2.7.4).
    if (a.status === 1) rights = object === own.object ? PENDING_RIGHTS : NO_RIGHTS;
    this.rights = rights;
    return object;
  }

  /**
   * The object whose attribute the caller may read (with this selective access), or the refusal.
   * The steps of changeable, written out for reading alone: this runs on every GET, and the
   * shared form costs a GET of a register 40 to 70 more XS computations (hdlc.get.register.plain).
   */
  private readable(a: Association, d: AttributeDescriptor, access: AccessSelection | undefined, prot: Protection | undefined): CosemObject | number {
    const o = this.resolve(a, d.classId, d.instance);
    if (typeof o === "number") return o;
    if (d.attribute < 1 || d.attribute > o.attributeCount) return DataAccessResult.objectUndefined;
    const right = this.rights.attributes[d.attribute - 1] ?? AttributeAccess.none; // attributeRight written out: every GET pays the call
    if (!canRead(right) || (needsAuthenticatedRequest(right, false) && !prot?.requestAuthenticated)) return DataAccessResult.readWriteDenied;
    if (access) {
      const selectors = selectorsOf(o, d.attribute);
      if (!(a.conformance & Conformance.selectiveAccess) || !selectors.includes(access.selector)) return DataAccessResult.scopeOfAccessViolated;
    }
    return o;
  }

  /**
   * The object whose attribute the caller may write (`method` false) or whose method it may
   * invoke (`method` true), or the refusal: one check for both changes, each answering in its
   * own result enumeration (they share these codes).
   */
  private changeable(a: Association, classId: number, instance: Obis, index: number, method: boolean, prot: Protection | undefined): CosemObject | number {
    const o = this.resolve(a, classId, instance);
    if (typeof o === "number") return o;
    if (index < 1 || index > (method ? o.methodCount : o.attributeCount)) return method ? ActionResult.objectUndefined : DataAccessResult.objectUndefined;
    const right = method ? methodRight(this.rights, index) : attributeRight(this.rights, index);
    // logical_name (attribute 1) is never written, whatever the rights say.
    const allows = method ? canInvoke(right as MethodAccess) : canWrite(right as AttributeAccess) && index !== 1;
    if (!allows || (needsAuthenticatedRequest(right, method) && !prot?.requestAuthenticated)) return method ? ActionResult.readWriteDenied : DataAccessResult.readWriteDenied;
    return o;
  }

  // ---------------------------------------------------------------- GET

  /** Reads an attribute into a block source (or the refusal). */
  private read(a: Association, d: AttributeDescriptor, access: AccessSelection | undefined, prot: Protection | undefined): BlockSource | number {
    const object = this.readable(a, d, access, prot);
    if (typeof object === "number") return object;
    if (d.attribute === 1) return new BlockSource(encodeData(D.octets(object.logicalName.toBytes())));
    const res = object.get(d.attribute, this.ctx(a), access);
    if (!res.ok) return res.error;
    if ("kind" in res.value) return new BlockSource(NO_DATA, res.value);
    return new BlockSource(encodeData(res.value));
  }

  private getNormal(a: Association, invokeId: number, d: AttributeDescriptor, access: AccessSelection | undefined, prot: Protection | undefined): Uint8Array {
    const src = this.read(a, d, access, prot);
    if (typeof src === "number") return encodeApdu({ type: "get-response-normal", invokeId, result: { error: src } });
    const room = responseRoom(a, prot);
    if (src.fitsIn(room - 4)) return encodeApdu({ type: "get-response-normal", invokeId, result: { encoded: src.take(room).bytes } });
    if (!(a.conformance & Conformance.blockTransferWithGet)) return encodeApdu({ type: "get-response-normal", invokeId, result: { error: DataAccessResult.otherReason } });
    return startLong(a, LONG_GET, invokeId, src, room);
  }

  private getList(a: Association, invokeId: number, items: AttributeWithSelection[], prot: Protection | undefined): Uint8Array {
    const results: DataResult[] = [];
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      const src = this.read(a, it.descriptor, it.access, prot);
      if (typeof src === "number") results.push({ error: src });
      else if (!src.fitsIn(this.maxAssembly)) results.push({ error: DataAccessResult.otherReason });
      else results.push({ encoded: src.take(this.maxAssembly).bytes });
    }
    const whole = encodeApdu({ type: "get-response-with-list", invokeId, results });
    const room = responseRoom(a, prot);
    if (whole.length <= room) return whole;
    if (!(a.conformance & Conformance.blockTransferWithGet)) return encodeApdu({ type: "get-response-with-list", invokeId, results: results.map(() => ({ error: DataAccessResult.otherReason })) });
    // The raw data of a long with-list response is its SEQUENCE OF Get-Data-Result.
    return startLong(a, LONG_GET, invokeId, new BlockSource(whole.subarray(3)), room);
  }

  // ---------------------------------------------------------------- SET and ACTION

  private set(a: Association, d: AttributeDescriptor, value: Data, prot: Protection | undefined): number {
    const object = this.changeable(a, d.classId, d.instance, d.attribute, false, prot);
    if (typeof object === "number") return object;
    return object.set(d.attribute, value, this.ctx(a));
  }

  private invoke(a: Association, d: MethodDescriptor, params: Data | undefined, prot: Protection | undefined): ActionResultWithData {
    const object = this.changeable(a, d.classId, d.instance, d.method, true, prot);
    if (typeof object === "number") return { result: object };
    const out = object.action(d.method, params, this.ctx(a));
    return out.returnData === undefined ? { result: out.result } : { result: out.result, returnParameters: { data: out.returnData } };
  }

  private actionResponse(a: Association, invokeId: number, response: ActionResultWithData, prot: Protection | undefined): Uint8Array {
    const whole = encodeApdu({ type: "action-response-normal", invokeId, response });
    const room = responseRoom(a, prot);
    if (whole.length <= room || !(a.conformance & Conformance.blockTransferWithAction)) return whole;
    // The raw data of a long action response is its Action-Response-With-Optional-Data.
    return startLong(a, LONG_ACTION, invokeId, new BlockSource(whole.subarray(3)), room);
  }

  /** One block of a long SET or ACTION request; the last one runs the service on the assembled value. */
  private blockIn(a: Association, s: LongIn, block: DataBlockSA, prot: Protection | undefined): Uint8Array | undefined {
    const reply = receiveBlock(a, s, block, this.maxAssembly);
    if (reply) return reply;
    const raw = assembled(s);
    switch (s.kind) {
      case "set": {
        let value: Data;
        try {
          value = decodeData(raw);
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
          return refuseLongIn(a, s, DataAccessResult.typeUnmatched, s.block);
        }
        return encodeApdu({ type: "set-response-last-datablock", invokeId: s.invokeId, result: this.set(a, s.descriptor, value, prot), blockNumber: s.block });
      }
      case "set-list": {
        const values = readSequenceOfData(raw, s.items.length);
        const results = values ? s.items.map((it, i) => this.set(a, it.descriptor, values[i], prot)) : s.items.map(() => DataAccessResult.typeUnmatched);
        return encodeApdu({ type: "set-response-last-datablock-with-list", invokeId: s.invokeId, results, blockNumber: s.block });
      }
      case "action": {
        let params: Data | undefined;
        try {
          params = raw.length ? decodeData(raw) : undefined;
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
          return refuseLongIn(a, s, ActionResult.typeUnmatched, s.block);
        }
        return this.actionResponse(a, s.invokeId, this.invoke(a, s.method, params, prot), prot);
      }
      case "action-list": {
        const values = readSequenceOfData(raw, s.methods.length);
        const responses = values ? s.methods.map((m, i) => this.invoke(a, m, values[i], prot)) : s.methods.map(() => ({ result: ActionResult.typeUnmatched }));
        return encodeApdu({ type: "action-response-with-list", invokeId: s.invokeId, responses });
      }
    }
  }
}

/** The services a client may send unconfirmed. */
function isUnconfirmable(s: ServiceApdu): boolean {
  return s.type === "set-request-normal" || s.type === "set-request-with-list" || s.type === "action-request-normal" || s.type === "action-request-with-list";
}

/** SEQUENCE OF Data of exactly n items filling raw, or undefined. */
function readSequenceOfData(raw: Uint8Array, n: number): Data[] | undefined {
  try {
    const r = new ByteReader(raw);
    const out = readList(r, 1, readData);
    return out.length === n && r.remaining === 0 ? out : undefined;
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return undefined;
  }
}

/** The conformance bits a request needs; undefined for an APDU a client may not send. */
function neededConformance(a: Apdu): number | undefined {
  switch (a.type) {
    case "get-request-normal":
      return Conformance.get | (a.access ? Conformance.selectiveAccess : 0);
    case "get-request-next":
      return Conformance.get | Conformance.blockTransferWithGet;
    case "get-request-with-list":
      return Conformance.get | Conformance.multipleReferences;
    case "set-request-normal":
      return Conformance.set;
    case "set-request-with-list":
      return Conformance.set | Conformance.multipleReferences;
    case "set-request-with-first-datablock":
    case "set-request-with-datablock":
      return Conformance.set | Conformance.blockTransferWithSet;
    case "set-request-with-list-and-first-datablock":
      return Conformance.set | Conformance.blockTransferWithSet | Conformance.multipleReferences;
    case "action-request-normal":
      return Conformance.action;
    case "action-request-with-list":
      return Conformance.action | Conformance.multipleReferences;
    case "action-request-next-pblock":
    case "action-request-with-first-pblock":
    case "action-request-with-pblock":
      return Conformance.action | Conformance.blockTransferWithAction;
    case "action-request-with-list-and-first-pblock":
      return Conformance.action | Conformance.blockTransferWithAction | Conformance.multipleReferences;
    default:
      return undefined;
  }
}
