import type { CryptoPort } from "../../../hal/crypto.js";
import { decodeData, encodeData, readData, type Data } from "../axdr.js";
import { decodeApdu, encodeApdu, type Apdu } from "./codec.js";
import { AssociationResult, AcseDiagnostic, ApplicationContext, Mechanism } from "../apdu/acse.js";
import { decodeAare, decodeRlre, encodeAarq, encodeRlrq } from "./client-apdu.js";
import { isServiceCipheredTag, GENERAL_GLO_CIPHERING, GENERAL_DED_CIPHERING } from "../apdu/ciphered.js";
import { Conformance } from "../apdu/conformance.js";
import type { ActionResultWithData, AttributeWithSelection, DataNotification, DataResult, ExceptionResponse, ServiceApdu } from "../apdu/xdlms.js";
import type { AccessSelection } from "../interface-class.js";
import { Obis } from "../obis.js";
import { SC_AUTHENTICATED, SC_ENCRYPTED } from "../security/header.js";
import { openApdu, readEnvelope, sealApdu } from "../security/protect.js";
import { hlsEcdsaSign, hlsEcdsaVerify } from "../security/hls-ecdsa.js";
import { constantTimeEqual, hlsGmac, type Suite0Keys } from "../security/suite0.js";
import { ByteReader, concatBytes } from "../../util/bytes.js";
import { DecodeError } from "../../util/errors.js";

/**
 * A DLMS/COSEM client over an APDU exchange (send one request APDU, get the
 * response APDU): associate with no security, LLS or HLS-GMAC, with or
 * without ciphering; GET (block transfer, selective access, with-list), SET
 * and ACTION (with blocks when the value exceeds the server's PDU), release.
 * The tests drive the server with it; the lab client puts a transport under
 * the exchange function.
 */
/** Sends one request APDU and resolves with the response APDU (undefined: none came). Sync results are fine too. */
export type Exchange = (request: Uint8Array) => Uint8Array | undefined | Promise<Uint8Array | undefined>;

export interface ClientCiphering {
  crypto: CryptoPort;
  systemTitle: Uint8Array;
  keys: Suite0Keys;
  /** The first invocation counter to use (the server refuses any value not above the last it accepted). */
  invocationCounter: number;
  /** Security control of requests: 0x30 authenticated encryption (default), 0x10 authentication only, 0x20 encryption only. */
  securityControl?: number;
  /** Proposed in the InitiateRequest; then requests use ded- ciphering. */
  dedicatedKey?: Uint8Array;
  /** general-glo-ciphering instead of the service-specific glo- tags. */
  general?: boolean;
}

export interface ClientOptions {
  exchange: Exchange;
  mechanism?: number;
  /** LLS password. */
  password?: Uint8Array;
  /** HLS-ECDSA (mechanism 7): the client's P-256 private key and the meter's public key. */
  ecdsa?: { clientPrivateKey: Uint8Array; serverPublicKey: Uint8Array };
  /** For LN with ciphering and for HLS-GMAC (which needs keys and a system title too). */
  ciphering?: ClientCiphering;
  conformance?: number;
  maxReceivePduSize?: number;
}

/** A protocol failure: no answer, an undecodable answer, an exception-response, a refused association. */
export class ClientError extends Error {
  readonly exception: ExceptionResponse | undefined;
  readonly response: Apdu | undefined;
  constructor(message: string, response?: Apdu) {
    super(message);
    this.name = "ClientError";
    this.response = response;
    this.exception = response?.type === "exception-response" ? response : undefined;
  }
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: number };

const DEFAULT_CONFORMANCE =
  Conformance.blockTransferWithGet |
  Conformance.blockTransferWithSet |
  Conformance.blockTransferWithAction |
  Conformance.multipleReferences |
  Conformance.get |
  Conformance.set |
  Conformance.selectiveAccess |
  Conformance.action;

const CURRENT_ASSOCIATION = Obis.of(0, 0, 40, 0, 0, 255);
/** Reassembled long responses larger than this are refused (a server cannot make the client allocate without bound). */
const MAX_LONG = 1 << 20;

export class DlmsClient {
  readonly #o: ClientOptions;
  #invoke = 0;
  #ic: number;
  #serverTitle: Uint8Array | undefined;
  #lastServerIc = -1;
  #lastPushIc = -1;
  conformance = 0;
  serverMaxReceivePdu = 0;
  associated = false;

  constructor(options: ClientOptions) {
    this.#o = options;
    this.#ic = options.ciphering?.invocationCounter ?? 0;
  }

  get serverSystemTitle(): Uint8Array | undefined {
    return this.#serverTitle;
  }

  /** The next invocation counter the client will use. */
  get invocationCounter(): number {
    return this.#ic;
  }

  #nextInvoke(): number {
    this.#invoke = (this.#invoke + 1) & 0x0f;
    return 0xc0 | this.#invoke;
  }

  async #exchange(request: Uint8Array): Promise<Uint8Array> {
    const r = await this.#o.exchange(request);
    if (!r) throw new ClientError("no response");
    return r;
  }

  // ------------------------------------------------------------ association

  async associate(): Promise<void> {
    const o = this.#o;
    const c = o.ciphering;
    const mechanism = o.mechanism ?? Mechanism.none;
    const initiate = encodeApdu({
      type: "initiate-request",
      ...(c?.dedicatedKey ? { dedicatedKey: c.dedicatedKey } : {}),
      proposedDlmsVersion: 6,
      proposedConformance: (o.conformance ?? DEFAULT_CONFORMANCE) | (c ? Conformance.generalProtection : 0),
      clientMaxReceivePduSize: o.maxReceivePduSize ?? 1024,
    });
    const sc = c?.securityControl ?? SC_AUTHENTICATED | SC_ENCRYPTED;
    const userInformation = c ? this.#seal(initiate, sc, false) : initiate;
    let ctos: Uint8Array | undefined;
    let authenticationValue: Uint8Array | undefined;
    if (mechanism === Mechanism.lls) authenticationValue = o.password;
    if (mechanism === Mechanism.hlsGmac || mechanism === Mechanism.hlsEcdsa) {
      if (!c) throw new ClientError("HLS needs keys and a system title");
      ctos = c.crypto.randomBytes(mechanism === Mechanism.hlsEcdsa ? 32 : 16);
      authenticationValue = ctos;
    }
    const aarq = encodeAarq({
      type: "aarq",
      applicationContext: c ? ApplicationContext.lnCiphered : ApplicationContext.ln,
      ...(c ? { callingApTitle: c.systemTitle } : {}),
      authenticationRequested: mechanism !== Mechanism.none,
      ...(mechanism !== Mechanism.none ? { mechanism } : {}),
      ...(authenticationValue ? { authenticationValue } : {}),
      userInformation,
    });
    let aare;
    const raw = await this.#exchange(aarq);
    try {
      aare = decodeAare(raw);
    } catch (e) {
      throw new ClientError(`undecodable AARE: ${(e as Error).message}`);
    }
    if (aare.respondingApTitle) this.#serverTitle = aare.respondingApTitle;
    if (aare.result !== AssociationResult.accepted) throw new ClientError(`association refused: result ${aare.result}, diagnostic ${aare.diagnostic}`, aare);
    if (!aare.userInformation) throw new ClientError("AARE without InitiateResponse", aare);
    const ui = c && aare.userInformation[0] !== 0x08 ? this.#open(aare.userInformation) : aare.userInformation;
    const ir = decodeApdu(ui);
    if (ir.type !== "initiate-response") throw new ClientError("AARE without InitiateResponse", ir);
    this.conformance = ir.negotiatedConformance;
    this.serverMaxReceivePdu = ir.serverMaxReceivePduSize;
    if (mechanism === Mechanism.hlsGmac) {
      if (aare.diagnostic !== AcseDiagnostic.authenticationRequired || !aare.authenticationValue || !this.#serverTitle) throw new ClientError("HLS-GMAC: no challenge", aare);
      const ic = this.#ic++;
      const f = hlsGmac(c!.crypto, c!.keys, c!.systemTitle, ic, aare.authenticationValue);
      const r = await this.action(15, CURRENT_ASSOCIATION, 1, { tag: 9, value: f });
      if (!r.ok || r.value?.tag !== 9) throw new ClientError(`HLS-GMAC: f(StoC) refused (${r.ok ? "no f(CtoS)" : r.error})`);
      const fc = r.value.value;
      if (fc.length !== 17) throw new ClientError("HLS-GMAC: malformed f(CtoS)");
      const expected = hlsGmac(c!.crypto, c!.keys, this.#serverTitle, new ByteReader(fc, 1).u32(), ctos!, fc[0]);
      if (!constantTimeEqual(expected, fc)) throw new ClientError("HLS-GMAC: the server's f(CtoS) does not verify");
    }
    if (mechanism === Mechanism.hlsEcdsa) {
      const e = o.ecdsa;
      const stoc = aare.authenticationValue;
      if (!e || aare.diagnostic !== AcseDiagnostic.authenticationRequired || !stoc || !this.#serverTitle) throw new ClientError("HLS-ECDSA: no challenge", aare);
      const f = hlsEcdsaSign(c!.crypto, e.clientPrivateKey, c!.systemTitle, this.#serverTitle, stoc, ctos!);
      if (!f) throw new ClientError("HLS-ECDSA: the crypto port cannot sign");
      const r = await this.action(15, CURRENT_ASSOCIATION, 1, { tag: 9, value: f });
      if (!r.ok || r.value?.tag !== 9) throw new ClientError(`HLS-ECDSA: f(StoC) refused (${r.ok ? "no f(CtoS)" : r.error})`);
      if (!hlsEcdsaVerify(c!.crypto, e.serverPublicKey, this.#serverTitle, c!.systemTitle, ctos!, stoc, r.value.value)) {
        throw new ClientError("HLS-ECDSA: the server's f(CtoS) does not verify");
      }
    }
    this.associated = true;
  }

  async release(): Promise<void> {
    const r = await this.#exchange(encodeRlrq({ type: "rlrq", reason: 0 }));
    let rlre;
    try {
      rlre = decodeRlre(r);
    } catch (e) {
      throw new ClientError(`undecodable RLRE: ${(e as Error).message}`);
    }
    if (rlre.reason !== undefined && rlre.reason !== 0) throw new ClientError(`release refused: ${rlre.reason}`, rlre);
    this.associated = false;
  }

  // ------------------------------------------------------------ ciphering

  /** Seals a request; the AARQ's InitiateRequest always goes glo- (the dedicated key is only being proposed). */
  #seal(plain: Uint8Array, sc: number, service = true): Uint8Array {
    const c = this.#o.ciphering!;
    const dedicated = service && c.dedicatedKey !== undefined;
    const keys = dedicated ? { encryptionKey: c.dedicatedKey!, authenticationKey: c.keys.authenticationKey } : c.keys;
    return sealApdu(c.crypto, plain, { securityControl: sc, systemTitle: c.systemTitle, invocationCounter: this.#ic++, keys, dedicated, general: service && (c.general ?? false) });
  }

  #open(bytes: Uint8Array, push = false): Uint8Array {
    const c = this.#o.ciphering!;
    let env;
    try {
      env = readEnvelope(bytes);
    } catch {
      env = undefined;
    }
    // A general-ciphered APDU names its sender, so a push needs no association to have told us the meter's title.
    const title = env && env.type !== "ciphered" && env.systemTitle.length ? env.systemTitle : this.#serverTitle;
    if (!env || !title) throw new ClientError("undecodable ciphered response");
    const dedicated = env.type === "ciphered" ? env.dedicated : env.type === "general-ded-ciphering";
    const keys = dedicated && c.dedicatedKey ? { encryptionKey: c.dedicatedKey, authenticationKey: c.keys.authenticationKey } : c.keys;
    // Pushes and responses interleave on the wire (a push may overtake the response sent after it),
    // so each stream is checked against its own last counter.
    const last = push ? this.#lastPushIc : this.#lastServerIc;
    if (env.invocationCounter <= last) throw new ClientError(`server invocation counter ${env.invocationCounter} replayed`);
    const r = openApdu(c.crypto, env, title, keys);
    if (!r.ok) throw new ClientError(`response does not decipher (${r.reason})`);
    if (push) this.#lastPushIc = env.invocationCounter;
    else this.#lastServerIc = env.invocationCounter;
    return r.plain;
  }

  /** Sends one service request (ciphered when the association is) and decodes the answer. */
  async request(req: ServiceApdu): Promise<Apdu> {
    const plain = encodeApdu(req);
    const c = this.#o.ciphering;
    const bytes = await this.#exchange(c ? this.#seal(plain, c.securityControl ?? SC_AUTHENTICATED | SC_ENCRYPTED) : plain);
    const tag = bytes[0];
    const opened = c && (isServiceCipheredTag(tag) || tag === GENERAL_GLO_CIPHERING || tag === GENERAL_DED_CIPHERING) ? this.#open(bytes) : bytes;
    let resp: Apdu;
    try {
      resp = decodeApdu(opened);
    } catch (e) {
      if (e instanceof DecodeError) throw new ClientError(`undecodable response: ${e.message}`);
      throw e;
    }
    if (resp.type === "exception-response") throw new ClientError(`exception-response ${resp.stateError}/${resp.serviceError}`, resp);
    return resp;
  }

  /** Opens a pushed APDU (plain or general-glo-ciphered data-notification). */
  notification(apdu: Uint8Array): DataNotification {
    const tag = apdu[0];
    const plain = this.#o.ciphering && (tag === GENERAL_GLO_CIPHERING || tag === GENERAL_DED_CIPHERING) ? this.#open(apdu, true) : apdu;
    let n: Apdu;
    try {
      n = decodeApdu(plain);
    } catch (e) {
      throw new ClientError(`undecodable push: ${(e as Error).message}`);
    }
    if (n.type !== "data-notification") throw new ClientError(`push is a ${n.type}`, n);
    return n;
  }

  // ------------------------------------------------------------ services

  async get(classId: number, instance: Obis, attribute: number, access?: AccessSelection): Promise<Result<Data>> {
    const invokeId = this.#nextInvoke();
    const req: ServiceApdu = access
      ? { type: "get-request-normal", invokeId, descriptor: { classId, instance, attribute }, access }
      : { type: "get-request-normal", invokeId, descriptor: { classId, instance, attribute } };
    const resp = await this.request(req);
    if (resp.type === "get-response-normal") return dataResult(resp.result);
    if (resp.type === "get-response-with-datablock") {
      const raw = await this.#collectGet(invokeId, resp.block);
      if (!(raw instanceof Uint8Array)) return raw;
      try {
        return { ok: true, value: decodeData(raw) };
      } catch {
        throw new ClientError("reassembled value does not decode");
      }
    }
    throw new ClientError(`unexpected ${resp.type}`, resp);
  }

  /** Follows a long GET: asks for each next block until the last; returns the raw data or the error. */
  async #collectGet(invokeId: number, first: { lastBlock: boolean; blockNumber: number; result: { raw: Uint8Array } | { error: number } }): Promise<Uint8Array | { ok: false; error: number }> {
    const parts: Uint8Array[] = [];
    let size = 0;
    let block = first;
    let expected = 1;
    for (;;) {
      if ("error" in block.result) return { ok: false, error: block.result.error };
      if (block.blockNumber !== expected) throw new ClientError(`block ${block.blockNumber} where ${expected} was due`);
      parts.push(block.result.raw);
      size += block.result.raw.length;
      if (size > MAX_LONG) throw new ClientError("long response too large");
      if (block.lastBlock) return concatBytes(...parts);
      const next = await this.request({ type: "get-request-next", invokeId, blockNumber: block.blockNumber });
      if (next.type !== "get-response-with-datablock") throw new ClientError(`unexpected ${next.type} in a long GET`, next);
      block = next.block;
      expected++;
    }
  }

  async getWithList(items: AttributeWithSelection[]): Promise<Result<Data>[]> {
    const invokeId = this.#nextInvoke();
    const resp = await this.request({ type: "get-request-with-list", invokeId, items });
    if (resp.type === "get-response-with-list") return resp.results.map(dataResult);
    if (resp.type === "get-response-with-datablock") {
      const raw = await this.#collectGet(invokeId, resp.block);
      if (!(raw instanceof Uint8Array)) return items.map(() => raw);
      // The raw data of a long with-list is its SEQUENCE OF Get-Data-Result.
      const again = decodeApdu(concatBytes(Uint8Array.of(0xc4, 3, invokeId), raw));
      if (again.type === "get-response-with-list") return again.results.map(dataResult);
    }
    throw new ClientError(`unexpected ${resp.type}`, resp);
  }

  /** Largest raw block the client puts in one SET/ACTION block request. */
  #blockSize(): number {
    const limit = this.serverMaxReceivePdu || 1024;
    return Math.max(16, limit - 40);
  }

  async set(classId: number, instance: Obis, attribute: number, value: Data): Promise<number> {
    const invokeId = this.#nextInvoke();
    const descriptor = { classId, instance, attribute };
    const encoded = encodeData(value);
    if (encoded.length + 16 + 40 <= (this.serverMaxReceivePdu || 1024) || !(this.conformance & Conformance.blockTransferWithSet)) {
      const resp = await this.request({ type: "set-request-normal", invokeId, descriptor, value: { encoded } });
      if (resp.type !== "set-response-normal") throw new ClientError(`unexpected ${resp.type}`, resp);
      return resp.result;
    }
    const size = this.#blockSize();
    for (let off = 0, n = 1; ; n++, off += size) {
      const raw = encoded.subarray(off, off + size);
      const lastBlock = off + size >= encoded.length;
      const block = { lastBlock, blockNumber: n, raw };
      const resp = await this.request(n === 1 ? { type: "set-request-with-first-datablock", invokeId, descriptor, block } : { type: "set-request-with-datablock", invokeId, block });
      if (resp.type === "set-response-last-datablock") return resp.result;
      if (resp.type !== "set-response-datablock" || resp.blockNumber !== n || lastBlock) throw new ClientError(`unexpected ${resp.type} in a long SET`, resp);
    }
  }

  async setWithList(items: AttributeWithSelection[], values: Data[]): Promise<number[]> {
    const resp = await this.request({ type: "set-request-with-list", invokeId: this.#nextInvoke(), items, values });
    if (resp.type !== "set-response-with-list") throw new ClientError(`unexpected ${resp.type}`, resp);
    return resp.results;
  }

  /** ACTION: the return data (if any) or the action-result error. */
  async action(classId: number, instance: Obis, method: number, parameters?: Data): Promise<Result<Data | undefined>> {
    const invokeId = this.#nextInvoke();
    const descriptor = { classId, instance, method };
    const encoded = parameters === undefined ? undefined : encodeData(parameters);
    let resp: Apdu;
    if (!encoded || encoded.length + 16 + 40 <= (this.serverMaxReceivePdu || 1024) || !(this.conformance & Conformance.blockTransferWithAction)) {
      resp = await this.request(parameters === undefined ? { type: "action-request-normal", invokeId, descriptor } : { type: "action-request-normal", invokeId, descriptor, parameters });
    } else {
      const size = this.#blockSize();
      for (let off = 0, n = 1; ; n++, off += size) {
        const lastBlock = off + size >= encoded.length;
        const block = { lastBlock, blockNumber: n, raw: encoded.subarray(off, off + size) };
        resp = await this.request(n === 1 ? { type: "action-request-with-first-pblock", invokeId, descriptor, block } : { type: "action-request-with-pblock", invokeId, block });
        if (resp.type !== "action-response-next-pblock") break;
        if (resp.blockNumber !== n || lastBlock) throw new ClientError("unexpected block acknowledgement in a long ACTION", resp);
      }
    }
    if (resp.type === "action-response-with-pblock") {
      const parts: Uint8Array[] = [];
      let size = 0;
      for (let n = 1; ; n++) {
        if (resp.type !== "action-response-with-pblock" || resp.block.blockNumber !== n) throw new ClientError("unexpected APDU in a long ACTION response", resp);
        parts.push(resp.block.raw);
        size += resp.block.raw.length;
        if (size > MAX_LONG) throw new ClientError("long response too large");
        if (resp.block.lastBlock) break;
        resp = await this.request({ type: "action-request-next-pblock", invokeId, blockNumber: n });
      }
      // The raw data of a long action response is its Action-Response-With-Optional-Data.
      resp = decodeApdu(concatBytes(Uint8Array.of(0xc7, 1, invokeId), ...parts));
    }
    if (resp.type !== "action-response-normal") throw new ClientError(`unexpected ${resp.type}`, resp);
    return actionResult(resp.response);
  }
}

function dataResult(r: DataResult): Result<Data> {
  if ("error" in r) return { ok: false, error: r.error };
  if ("data" in r) return { ok: true, value: r.data };
  return { ok: true, value: readData(new ByteReader(r.encoded)) };
}

function actionResult(r: ActionResultWithData): Result<Data | undefined> {
  if (r.result !== 0) return { ok: false, error: r.result };
  if (!r.returnParameters) return { ok: true, value: undefined };
  const d = dataResult(r.returnParameters);
  return d.ok ? d : { ok: false, error: d.error };
}

