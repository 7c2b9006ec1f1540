import { decodeData, encodeData, readData, readLength, D, type Data } from "../axdr.js";
import { decodeApdu, encodeApdu, type Apdu } from "../apdu/apdu.js";
import { AcseDiagnostic, AcseTag, ApplicationContext, AssociationResult, Mechanism, decodeAarq, encodeAare, encodeRlre, decodeRlrq, type Aarq, type Aare } from "../apdu/acse.js";
import { GENERAL_DED_CIPHERING, GENERAL_GLO_CIPHERING, isServiceCipheredTag, plainTagOf } from "../apdu/ciphered.js";
import { Conformance, SERVER_CONFORMANCE } from "../apdu/conformance.js";
import { InitiateError, type InitiateRequest } from "../apdu/initiate.js";
import {
  ServiceError,
  StateError,
  type ActionResultWithData,
  type AttributeDescriptor,
  type AttributeWithSelection,
  type DataResult,
  type MethodDescriptor,
  type ServiceApdu,
} from "../apdu/xdlms.js";
import {
  ActionResult,
  DataAccessResult,
  MethodAccess,
  canInvoke,
  canRead,
  canWrite,
  rights as rightsSpec,
  type AccessContext,
  type AccessSelection,
  type ObjectEntry,
  type ObjectRights,
} from "../interface-class.js";
import type { Obis } from "../obis.js";
import { AssociationLnObject, type AssociationBinding } from "../classes/association-ln.js";
import { SC_AUTHENTICATED, SC_BROADCAST, SC_ENCRYPTED, unsupportedReason } from "../security/header.js";
import { SecurityEvent } from "../security/events.js";
import { openApdu, readEnvelope, sealApdu } from "../security/protect.js";
import { Policy } from "../security/security-setup.js";
import { hlsEcdsaSign, hlsEcdsaVerify } from "../security/hls-ecdsa.js";
import { constantTimeEqual, hlsGmac } from "../security/suite0.js";
import type { ApduHandler, ApduSession } from "../../transport/apdu-port.js";
import { ByteReader, bytesEqual, concatBytes } from "../../util/bytes.js";
import { DecodeError } from "../../util/errors.js";
import type { TimerId } from "../../../hal/timer.js";
import { AuthGuard } from "./auth-guard.js";
import { BlockSource } from "./blocks.js";
import type { AssociationConfig, ServerOptions } from "./config.js";
import { CURRENT_ASSOCIATION, ObjectDirectory, attributeRight, methodRight, needsAuthenticatedRequest } from "./directory.js";
import { frozen } from "../../util/frozen.js";

/**
 * The xDLMS server: one ApduHandler for every transport. It opens
 * associations (AARQ/AARE, LLS, HLS-GMAC), unwraps and re-wraps ciphered
 * APDUs, checks the caller's rights in the catalog on every attribute and
 * method, runs block transfer in both directions and answers malformed or
 * forbidden requests with the Green Book's error replies. It never throws to
 * the transport.
 */

/** How the current request was protected; the response is protected the same way. */
interface Protection {
  /** Security control of the response. */
  sc: number;
  /** Whether the request itself carried an authentication tag: what authenticated rights require (the policy may add one only to the response). */
  requestAuthenticated: boolean;
  dedicated: boolean;
  general: boolean;
}

interface LongOut {
  invokeId: number;
  source: BlockSource;
  block: number;
}

interface LongIn {
  invokeId: number;
  kind: "set" | "set-list" | "action" | "action-list";
  descriptor?: AttributeDescriptor;
  access?: AccessSelection;
  items?: AttributeWithSelection[];
  method?: MethodDescriptor;
  methods?: MethodDescriptor[];
  chunks: Uint8Array[];
  size: number;
  block: number;
}

interface Association {
  readonly cfg: AssociationConfig;
  readonly session: ApduSession;
  /** 1 pending (HLS f(StoC) awaited), 2 associated. */
  status: 1 | 2;
  conformance: number;
  clientMaxPdu: number;
  clientTitle?: Uint8Array;
  dedicatedKey?: Uint8Array;
  ctos?: Uint8Array;
  stoc?: Uint8Array;
  getLong?: LongOut;
  actionOut?: LongOut;
  longIn?: LongIn;
  pushId: number;
  /** Ends a pending association whose pass 3 does not come in time. */
  pendingTimer?: TimerId;
}

const DEFAULT_MAX_PDU = 1024;
/** HLS pass 3 must follow pass 2 within this time (ServerOptions.pendingAssociationMs). */
export const DEFAULT_PENDING_ASSOCIATION_MS = 10_000;
/** Invoke-Id-And-Priority bit 6, service-class: 1 confirmed, 0 unconfirmed (IEC 62056-5-3, 8: COSEM APDUs in ASN.1). */
const SERVICE_CLASS_CONFIRMED = 0x40;
const NO_DATA = new Uint8Array(0);

function exception(stateError: number, serviceError: number, invocationCounter?: number): Uint8Array {
  return encodeApdu(
    invocationCounter === undefined
      ? { type: "exception-response", stateError, serviceError }
      : { type: "exception-response", stateError, serviceError, invocationCounter },
  );
}

/** Bytes the ciphered envelope adds around a plain APDU. */
function cipherOverhead(p: Protection | undefined): number {
  if (!p) return 0;
  return (p.general ? 10 : 1) + 3 + 5 + ((p.sc & SC_AUTHENTICATED) !== 0 ? 12 : 0);
}

/** The server as the Association LN views see it (one per server, shared by its associations). */
interface AssociationPort {
  readonly serverSap: number;
  readonly maxPdu: number;
  stateOf(cfg: AssociationConfig): Association | undefined;
  visibleEntries(role: AssociationConfig["role"]): readonly ObjectEntry[];
  replyToHls(cfg: AssociationConfig, fStoC: Uint8Array): Uint8Array | undefined;
  changeSecret(cfg: AssociationConfig, secret: Uint8Array): boolean;
}

/**
 * One association's view for its Association LN object: methods on a
 * prototype over (configuration, port), not seven closures per association
 * (a closure made at run time costs a function, a scope and a RAM copy of
 * its bytecode on XS: issue 13).
 */
class AssociationView implements AssociationBinding {
  constructor(
    readonly cfg: AssociationConfig,
    readonly port: AssociationPort,
  ) {}

  get role(): AssociationConfig["role"] {
    return this.cfg.role;
  }
  get clientSap(): number {
    return this.cfg.clientSap;
  }
  get serverSap(): number {
    return this.port.serverSap;
  }
  get applicationContext(): number {
    return this.cfg.ciphered ? ApplicationContext.lnCiphered : ApplicationContext.ln;
  }
  get mechanism(): number {
    return this.cfg.mechanism;
  }
  get securitySetup(): Obis | undefined {
    return this.cfg.securitySetup?.logicalName;
  }

  visibleEntries(): readonly ObjectEntry[] {
    return this.port.visibleEntries(this.cfg.role);
  }

  status(): number {
    return this.port.stateOf(this.cfg)?.status ?? 0;
  }

  contextInfo(): { conformance: number; maxReceivePdu: number; maxSendPdu: number; dlmsVersion: number; qualityOfService: number } {
    const a = this.port.stateOf(this.cfg);
    return {
      conformance: a?.conformance ?? this.cfg.conformance ?? SERVER_CONFORMANCE,
      maxReceivePdu: this.port.maxPdu,
      maxSendPdu: a?.clientMaxPdu ?? this.port.maxPdu,
      dlmsVersion: 6,
      qualityOfService: 0,
    };
  }

  replyToHls(fStoC: Uint8Array): Uint8Array | undefined {
    return this.port.replyToHls(this.cfg, fStoC);
  }

  changeSecret(secret: Uint8Array): boolean {
    return this.port.changeSecret(this.cfg, secret);
  }
}

export class CosemServer implements ApduHandler {
  readonly directory: ObjectDirectory;
  readonly #o: ServerOptions;
  readonly #maxPdu: number;
  readonly #maxAssembly: number;
  readonly #serverSap: number;
  readonly #sessions = new Map<ApduSession, Association>();
  readonly #assocEntries = new Map<AssociationConfig, ObjectEntry>();
  /** Requests that ended in an unexpected exception (an adapter or encoder fault); tests expect 0. */
  faults = 0;
  /** Failed association attempts per client SAP: lockout and aggregated security events. */
  readonly authGuard: AuthGuard;
  /** The association of the request being handled (handle() is synchronous). */
  #current: Association | undefined;

  constructor(options: ServerOptions) {
    this.#o = options;
    this.#maxPdu = options.maxReceivePduSize ?? DEFAULT_MAX_PDU;
    this.#maxAssembly = options.maxBlockAssembly ?? 16384;
    this.#serverSap = options.serverSap ?? 1;
    // One catalog (issue 13/18): the meter's directory is served as it is, not copied and indexed again.
    const directory = options.catalog instanceof ObjectDirectory ? options.catalog : new ObjectDirectory(options.catalog);
    for (const cfg of options.associations) {
      const object = new AssociationLnObject(cfg.logicalName, this.#binding(cfg));
      let entry: ObjectEntry = { object, rights: { [cfg.role]: cfg.associationRights ?? defaultAssociationRights(cfg.mechanism) } };
      if (!directory.find(cfg.logicalName)) entry = directory.insert(entry);
      this.#assocEntries.set(cfg, entry);
    }
    directory.trim();
    this.directory = directory;
    this.authGuard = new AuthGuard(options.kv, options.events, options.nowUtcMs, (sap) => this.#configFor(sap) !== undefined, options.authGuard);
  }

  // ---------------------------------------------------------------- transport port

  handle(apdu: Uint8Array, session: ApduSession): Uint8Array | undefined {
    try {
      return this.#handle(apdu, session);
    } catch {
      // Only a fault in an adapter or encoder lands here: answer, never take the transport down.
      this.faults++;
      return exception(StateError.serviceNotAllowed, ServiceError.otherReason);
    } finally {
      this.#current = undefined;
      // New keys from key_transfer take effect only after the response went out under the old ones.
      const list = this.#o.associations;
      for (let i = 0; i < list.length; i++) list[i].securitySetup?.applyPendingKeys();
    }
  }

  sessionClosed(session: ApduSession): void {
    this.#drop(session);
  }

  /**
   * Whether the session holds an association that authenticated (LLS, or HLS past pass 3): what
   * a transport keeps when it must displace a connection to admit a new one.
   */
  authenticated(session: ApduSession): boolean {
    const a = this.#sessions.get(session);
    return a !== undefined && a.status === 2 && a.cfg.mechanism !== Mechanism.none;
  }

  /** Ends the session's association (release, link closed, failed or late HLS pass 3). */
  #drop(session: ApduSession): void {
    const a = this.#sessions.get(session);
    if (!a) return;
    if (a.pendingTimer !== undefined) this.#o.timers?.clear(a.pendingTimer);
    a.pendingTimer = undefined;
    this.#sessions.delete(session);
  }

  /** Open associations (pending or established) over all sessions. */
  get associationCount(): number {
    return this.#sessions.size;
  }

  /** 0 no association, 1 HLS pending, 2 associated (association_status of the session's association). */
  status(session: ApduSession): number {
    return this.#sessions.get(session)?.status ?? 0;
  }

  /** Sends a data-notification to the client of a session (ciphered when its association is). Returns false if none is open. */
  push(session: ApduSession, body: Data, dateTime: Uint8Array = NO_DATA): boolean {
    const a = this.#sessions.get(session);
    if (!a || a.status !== 2) return false;
    a.pushId = (a.pushId + 1) & 0x00ffffff;
    let apdu = encodeApdu({ type: "data-notification", longInvokeId: a.pushId, dateTime, body });
    if (a.cfg.ciphered) {
      const sealed = this.#seal(a, apdu, { sc: SC_AUTHENTICATED | SC_ENCRYPTED, requestAuthenticated: false, dedicated: false, general: true });
      if (!sealed) return false;
      apdu = sealed;
    }
    session.push(apdu);
    return true;
  }

  /**
   * Reads one attribute from the catalog for the meter itself (Push Setup, displays): no
   * association and no rights, a stream is gathered up to the block assembly limit.
   */
  readAttribute(classId: number, logicalName: Obis, attribute: number): Data | undefined {
    const entry = this.directory.byName(logicalName);
    if (!entry || entry.object.classId !== classId || attribute < 1 || attribute > entry.object.attributeCount) return undefined;
    if (attribute === 1) return D.octets(logicalName.toBytes());
    const r = entry.object.get(attribute, { role: "management", clientSap: 0, nowUtcMs: this.#now() });
    if (!r.ok) return undefined;
    if (!("kind" in r.value)) return r.value;
    const src = new BlockSource(NO_DATA, r.value);
    if (!src.fitsIn(this.#maxAssembly)) return undefined;
    try {
      return decodeData(src.take(this.#maxAssembly).bytes);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      return undefined;
    }
  }

  #now(): number {
    return this.#o.nowUtcMs();
  }

  #event(code: number, value?: number): void {
    this.#o.events.record(value === undefined ? { log: "security", code, utcMs: this.#now() } : { log: "security", code, utcMs: this.#now(), value });
  }

  #handle(apdu: Uint8Array, session: ApduSession): Uint8Array | undefined {
    if (apdu.length === 0) return undefined;
    const tag = apdu[0];
    if (tag === AcseTag.aarq) {
      // IEC 62056-5-3 / Green Book, the application layer state machine: COSEM-OPEN is valid only
      // in IDLE, never in ASSOCIATED. The AARQ is refused (rather than ignored, which would leave
      // the client waiting) and the established association kept, so a second AARQ can neither
      // tear down nor silently replace an authenticated session.
      const held = this.#sessions.get(session);
      if (held?.status === 2) {
        const context = held.cfg.ciphered ? ApplicationContext.lnCiphered : ApplicationContext.ln;
        return this.#aare(context, AssociationResult.rejectedPermanent, AcseDiagnostic.noReasonGiven);
      }
      return this.#aarq(apdu, session);
    }
    if (tag === AcseTag.rlrq) return this.#rlrq(apdu, session);
    const a = this.#sessions.get(session);
    if (!a) return exception(StateError.serviceNotAllowed, ServiceError.operationNotPossible);
    this.#current = a;
    if (apdu.length > this.#maxPdu + 32) return exception(StateError.serviceNotAllowed, ServiceError.pduTooLong);
    let plain = apdu;
    let prot: Protection | undefined;
    if (isServiceCipheredTag(tag) || tag === GENERAL_GLO_CIPHERING || tag === GENERAL_DED_CIPHERING) {
      const opened = this.#unwrap(a, apdu);
      if (opened instanceof Uint8Array) return opened;
      plain = opened.plain;
      prot = opened.prot;
    } else if (a.cfg.securitySetup && (a.cfg.securitySetup.policy & (Policy.authenticatedRequest | Policy.encryptedRequest)) !== 0 && a.cfg.ciphered) {
      this.#event(SecurityEvent.policyViolation, a.cfg.clientSap);
      return exception(StateError.serviceNotAllowed, ServiceError.operationNotPossible);
    }
    if (plain.length > this.#maxPdu) return exception(StateError.serviceNotAllowed, ServiceError.pduTooLong);
    const response = this.#service(a, plain, prot);
    if (!response || !prot) return response;
    // Error replies about the request itself stay plain: the client may be unable to open anything.
    return this.#seal(a, response, prot);
  }

  // ---------------------------------------------------------------- ciphering

  #unwrap(a: Association, apdu: Uint8Array): { plain: Uint8Array; prot: Protection } | Uint8Array {
    const setup = a.cfg.securitySetup;
    if (!a.cfg.ciphered || !setup) return exception(StateError.serviceNotAllowed, ServiceError.operationNotPossible);
    let env;
    try {
      env = readEnvelope(apdu);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      env = undefined;
    }
    if (!env) {
      this.#event(SecurityEvent.decipheringFailed, a.cfg.clientSap);
      return exception(StateError.serviceNotAllowed, ServiceError.decipheringError);
    }
    const general = env.type !== "ciphered";
    const dedicated = env.type === "ciphered" ? env.dedicated : env.type === "general-ded-ciphering";
    const title = env.type !== "ciphered" && env.systemTitle.length > 0 ? env.systemTitle : a.clientTitle;
    const keys = setup.suite0Keys(dedicated ? a.dedicatedKey : undefined, (env.securityControl & SC_BROADCAST) !== 0);
    // The security control byte must name the suite of this Security Setup (Green Book 9.2.7.2.4).
    if (unsupportedReason(env.securityControl) !== undefined || (env.securityControl & 0x0f) !== setup.suite) {
      this.#event(SecurityEvent.unsupportedSecurity, env.securityControl);
      return exception(StateError.serviceNotAllowed, ServiceError.decipheringError);
    }
    if (!title || (a.clientTitle && !bytesEqual(title, a.clientTitle)) || !keys || (dedicated && !a.dedicatedKey)) {
      this.#event(SecurityEvent.decipheringFailed, a.cfg.clientSap);
      return exception(StateError.serviceNotAllowed, ServiceError.decipheringError);
    }
    if (!setup.rx.fresh(env.invocationCounter)) {
      this.#event(SecurityEvent.replay, env.invocationCounter);
      return exception(StateError.serviceNotAllowed, ServiceError.invocationCounterError, setup.rx.expected);
    }
    // After storage damage only HLS pass 3 (a pending association) may prove the counter again (counters.ts).
    if (!setup.rx.proven && a.status !== 1) {
      this.#event(SecurityEvent.receiveCounterUnproven, a.cfg.clientSap);
      return exception(StateError.serviceNotAllowed, ServiceError.invocationCounterError, setup.rx.expected);
    }
    const opened = openApdu(this.#o.crypto, env, title, keys);
    const expectTag = env.type === "ciphered" ? plainTagOf(env.tag) : undefined;
    if (!opened.ok || opened.plain.length === 0 || (expectTag !== undefined && opened.plain[0] !== expectTag)) {
      this.#event(SecurityEvent.decipheringFailed, a.cfg.clientSap);
      return exception(StateError.serviceNotAllowed, ServiceError.decipheringError);
    }
    const sc = env.securityControl;
    const policy = setup.policy;
    if (((policy & Policy.authenticatedRequest) !== 0 && (sc & SC_AUTHENTICATED) === 0) || ((policy & Policy.encryptedRequest) !== 0 && (sc & SC_ENCRYPTED) === 0)) {
      this.#event(SecurityEvent.policyViolation, a.cfg.clientSap);
      return exception(StateError.serviceNotAllowed, ServiceError.operationNotPossible);
    }
    // Committed only now: a forged APDU must not move the counter and lock the real client out.
    setup.rx.commit(env.invocationCounter);
    let out = sc & (SC_AUTHENTICATED | SC_ENCRYPTED);
    if (policy & Policy.authenticatedResponse) out |= SC_AUTHENTICATED;
    if (policy & Policy.encryptedResponse) out |= SC_ENCRYPTED;
    return { plain: opened.plain, prot: { sc: out, requestAuthenticated: (sc & SC_AUTHENTICATED) !== 0, dedicated, general } };
  }

  #seal(a: Association, plain: Uint8Array, prot: Protection): Uint8Array | undefined {
    const setup = a.cfg.securitySetup;
    const keys = setup?.suite0Keys(prot.dedicated ? a.dedicatedKey : undefined);
    if (!setup || !keys) return undefined;
    const ic = setup.tx.take();
    if (ic === undefined) {
      this.#event(SecurityEvent.counterExhausted);
      return undefined;
    }
    return sealApdu(this.#o.crypto, plain, {
      securityControl: prot.sc,
      systemTitle: setup.serverSystemTitle,
      invocationCounter: ic,
      keys,
      dedicated: prot.dedicated,
      general: prot.general,
    });
  }

  // ---------------------------------------------------------------- association control

  #configFor(sap: number): AssociationConfig | undefined {
    return this.#o.associations.find((c) => c.clientSap === sap);
  }

  #aare(context: number, result: number, diagnostic: number, extra: Partial<Aare> = {}): Uint8Array {
    return encodeAare({ type: "aare", applicationContext: context, result, diagnosticSource: 1, diagnostic, authenticationRequested: false, ...extra });
  }

  #initiateError(context: number, value: number, extra: Partial<Aare> = {}): Uint8Array {
    const ui = encodeApdu({ type: "confirmed-service-error", service: 1, errorKind: 6, value });
    return this.#aare(context, AssociationResult.rejectedPermanent, AcseDiagnostic.noReasonGiven, { ...extra, userInformation: ui });
  }

  #aarq(bytes: Uint8Array, session: ApduSession): Uint8Array {
    // A new AARQ replaces a pending association (an established one never gets here).
    this.#drop(session);
    const cfg = this.#configFor(session.clientSap);
    const context = cfg?.ciphered ? ApplicationContext.lnCiphered : ApplicationContext.ln;
    const refuse = (code: number): void => this.authGuard.failed(session.clientSap, code, cfg !== undefined && cfg.mechanism !== Mechanism.none);
    // Locked out after repeated failures: refused before the password or challenge is looked at.
    if (cfg && cfg.mechanism !== Mechanism.none && this.authGuard.lockedFor(cfg.clientSap) > 0) {
      return this.#aare(context, AssociationResult.rejectedTransient, AcseDiagnostic.noReasonGiven);
    }
    let aarq: Aarq;
    try {
      aarq = decodeAarq(bytes);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      return this.#aare(context, AssociationResult.rejectedPermanent, AcseDiagnostic.noReasonGiven);
    }
    if (!cfg) {
      refuse(SecurityEvent.associationRefused);
      return this.#aare(aarq.applicationContext, AssociationResult.rejectedPermanent, AcseDiagnostic.noReasonGiven);
    }
    const setup = cfg.securitySetup;
    const hls = cfg.mechanism === Mechanism.hlsGmac || cfg.mechanism === Mechanism.hlsEcdsa;
    const apTitle = setup && (cfg.ciphered || hls) ? { respondingApTitle: setup.serverSystemTitle } : {};
    if (aarq.applicationContext !== context) {
      refuse(SecurityEvent.associationRefused);
      return this.#aare(context, AssociationResult.rejectedPermanent, AcseDiagnostic.applicationContextNameNotSupported);
    }
    const mechanism = aarq.mechanism ?? Mechanism.none;
    if (mechanism !== cfg.mechanism) {
      refuse(SecurityEvent.associationRefused);
      const diag = aarq.mechanism === undefined ? AcseDiagnostic.authenticationMechanismNameRequired : AcseDiagnostic.authenticationMechanismNameNotRecognised;
      return this.#aare(context, AssociationResult.rejectedPermanent, diag);
    }
    const title = aarq.callingApTitle;
    const needsTitle = cfg.ciphered || hls;
    if (needsTitle && (!setup || !title || title.length !== 8 || (setup.clientSystemTitle && !bytesEqual(setup.clientSystemTitle, title)))) {
      refuse(SecurityEvent.associationRefused);
      return this.#aare(context, AssociationResult.rejectedPermanent, AcseDiagnostic.callingApTitleNotRecognized);
    }
    // The xDLMS InitiateRequest, plain or glo-ciphered.
    if (!aarq.userInformation) return this.#aare(context, AssociationResult.rejectedPermanent, AcseDiagnostic.noReasonGiven);
    let initiate: InitiateRequest | undefined;
    let initiateSc = 0;
    try {
      let ui = aarq.userInformation;
      if (ui[0] !== 0x01) {
        const env = cfg.ciphered && setup && title ? readEnvelope(ui) : undefined;
        const keys = setup?.suite0Keys();
        if (!env || !setup || !keys || !title || env.type !== "ciphered" || env.tag !== 0x21) throw new DecodeError("bad-tag", "not an InitiateRequest");
        if (unsupportedReason(env.securityControl) !== undefined || (env.securityControl & 0x0f) !== setup.suite) {
          refuse(SecurityEvent.unsupportedSecurity);
          return this.#initiateError(context, InitiateError.other, apTitle);
        }
        if (!setup.rx.fresh(env.invocationCounter)) {
          refuse(SecurityEvent.replay);
          return this.#initiateError(context, InitiateError.other, apTitle);
        }
        const opened = openApdu(this.#o.crypto, env, title, keys);
        if (!opened.ok) {
          refuse(SecurityEvent.decipheringFailed);
          return this.#initiateError(context, InitiateError.other, apTitle);
        }
        setup.rx.commit(env.invocationCounter);
        initiateSc = env.securityControl & (SC_AUTHENTICATED | SC_ENCRYPTED);
        ui = opened.plain;
      } else if (cfg.ciphered && setup && (setup.policy & (Policy.authenticatedRequest | Policy.encryptedRequest)) !== 0) {
        refuse(SecurityEvent.policyViolation);
        return this.#initiateError(context, InitiateError.other, apTitle);
      }
      const decoded = decodeApdu(ui);
      if (decoded.type !== "initiate-request") throw new DecodeError("bad-tag", "not an InitiateRequest");
      initiate = decoded;
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      return this.#aare(context, AssociationResult.rejectedPermanent, AcseDiagnostic.noReasonGiven);
    }
    if (initiate.proposedDlmsVersion < 6) return this.#initiateError(context, InitiateError.dlmsVersionTooLow, apTitle);
    const offered = (cfg.conformance ?? SERVER_CONFORMANCE) & (cfg.ciphered ? 0xffffff : ~Conformance.generalProtection);
    const conformance = initiate.proposedConformance & offered;
    if ((conformance & (Conformance.get | Conformance.set | Conformance.action)) === 0) return this.#initiateError(context, InitiateError.incompatibleConformance, apTitle);
    if (initiate.clientMaxReceivePduSize !== 0 && initiate.clientMaxReceivePduSize < 64) return this.#initiateError(context, InitiateError.pduSizeTooShort, apTitle);
    if (initiate.dedicatedKey && initiate.dedicatedKey.length !== 16) return this.#initiateError(context, InitiateError.other, apTitle);

    const a: Association = {
      cfg,
      session,
      status: 2,
      conformance,
      clientMaxPdu: initiate.clientMaxReceivePduSize === 0 ? 0xffff : initiate.clientMaxReceivePduSize,
      pushId: 0,
    };
    if (title) a.clientTitle = title.slice();
    if (initiate.dedicatedKey && initiateSc & SC_ENCRYPTED) a.dedicatedKey = initiate.dedicatedKey;

    let diagnostic: number = AcseDiagnostic.null;
    const extra: Partial<Aare> = { ...apTitle };
    if (cfg.mechanism === Mechanism.lls) {
      if (!aarq.authenticationValue || !constantTimeEqual(aarq.authenticationValue, this.#secret(cfg) ?? NO_DATA)) {
        refuse(SecurityEvent.authenticationFailed);
        return this.#aare(context, AssociationResult.rejectedPermanent, AcseDiagnostic.authenticationFailure);
      }
      this.authGuard.succeeded(cfg.clientSap);
    } else if (hls) {
      const ctos = aarq.authenticationValue;
      const min = cfg.mechanism === Mechanism.hlsEcdsa ? 32 : 8;
      if (!ctos || ctos.length < min || ctos.length > 64 || (cfg.mechanism === Mechanism.hlsEcdsa && !cfg.ecdsa)) {
        refuse(SecurityEvent.authenticationFailed);
        return this.#aare(context, AssociationResult.rejectedPermanent, AcseDiagnostic.authenticationFailure);
      }
      a.ctos = ctos.slice();
      a.stoc = this.#o.crypto.randomBytes(cfg.mechanism === Mechanism.hlsEcdsa ? 32 : 16);
      a.status = 1;
      diagnostic = AcseDiagnostic.authenticationRequired;
      extra.authenticationRequested = true;
      extra.mechanism = cfg.mechanism;
      extra.authenticationValue = a.stoc;
    } else if (cfg.mechanism !== Mechanism.none) {
      return this.#aare(context, AssociationResult.rejectedPermanent, AcseDiagnostic.authenticationMechanismNameNotRecognised);
    }
    let ui = encodeApdu({
      type: "initiate-response",
      negotiatedDlmsVersion: 6,
      negotiatedConformance: conformance,
      serverMaxReceivePduSize: this.#maxPdu,
      vaaName: 0x0007,
    });
    if (initiateSc !== 0) {
      const sealed = this.#seal(a, ui, { sc: initiateSc, requestAuthenticated: (initiateSc & SC_AUTHENTICATED) !== 0, dedicated: false, general: false });
      if (!sealed) return this.#aare(context, AssociationResult.rejectedTransient, AcseDiagnostic.noReasonGiven);
      ui = sealed;
    }
    this.#sessions.set(session, a);
    const timers = this.#o.timers;
    if (a.status === 1 && timers) {
      // Pass 3 must come in time: a pending association must not hold the session (and its connection's standing) forever.
      a.pendingTimer = timers.once(this.#o.pendingAssociationMs ?? DEFAULT_PENDING_ASSOCIATION_MS, () => {
        a.pendingTimer = undefined;
        if (this.#sessions.get(session) === a && a.status === 1) this.#sessions.delete(session);
      });
    }
    return this.#aare(context, AssociationResult.accepted, diagnostic, { ...extra, userInformation: ui });
  }

  #rlrq(bytes: Uint8Array, session: ApduSession): Uint8Array {
    try {
      decodeRlrq(bytes);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      // Not understood: the association stays, the release is "not finished".
      return encodeRlre({ type: "rlre", reason: 1 });
    }
    this.#drop(session);
    return encodeRlre({ type: "rlre", reason: 0 });
  }

  #secret(cfg: AssociationConfig): Uint8Array | undefined {
    return this.#o.kv.get(`assoc.${cfg.clientSap}.secret`) ?? cfg.secret;
  }

  /** What the Association LN objects read of the server: one set of functions for every association (see AssociationView). */
  #port: AssociationPort | undefined;

  #binding(cfg: AssociationConfig): AssociationBinding {
    const server = this;
    this.#port ??= {
      serverSap: this.#serverSap,
      maxPdu: this.#maxPdu,
      stateOf: (c) => {
        const cur = server.#current;
        if (cur && cur.cfg === c) return cur;
        for (const a of server.#sessions.values()) if (a.cfg === c) return a;
        return undefined;
      },
      visibleEntries: (role) => server.directory.visibleTo(role),
      replyToHls: (c, f) => server.#replyToHls(c, f),
      changeSecret: (c, secret) => {
        if (c.mechanism !== Mechanism.lls || secret.length < 1 || secret.length > 64) return false;
        server.#o.kv.put(`assoc.${c.clientSap}.secret`, secret);
        server.#event(SecurityEvent.secretChanged, c.clientSap);
        return true;
      },
    };
    return new AssociationView(cfg, this.#port);
  }

  /**
   * HLS pass 3 and 4: check f(StoC) from the client, answer f(CtoS). One try per association:
   * a wrong f(StoC) ends the association (the client must start again with a new AARQ, which
   * the auth guard counts), so a second reply_to_HLS_authentication cannot succeed.
   */
  #replyToHls(cfg: AssociationConfig, f: Uint8Array): Uint8Array | undefined {
    const a = this.#current;
    const setup = cfg.securitySetup;
    if (!a || a.cfg !== cfg || a.status !== 1 || !setup || !a.stoc || !a.ctos || !a.clientTitle) return undefined;
    const answer = this.#checkPass3(a, cfg, setup, f);
    if (!answer) {
      this.authGuard.failed(cfg.clientSap, SecurityEvent.authenticationFailed);
      this.#drop(a.session);
      return undefined;
    }
    a.status = 2;
    if (a.pendingTimer !== undefined) this.#o.timers?.clear(a.pendingTimer);
    a.pendingTimer = undefined;
    this.authGuard.succeeded(cfg.clientSap);
    return answer;
  }

  /** f(CtoS) when f(StoC) verifies, undefined otherwise. */
  #checkPass3(a: Association, cfg: AssociationConfig, setup: NonNullable<AssociationConfig["securitySetup"]>, f: Uint8Array): Uint8Array | undefined {
    const stoc = a.stoc!;
    const ctos = a.ctos!;
    const clientTitle = a.clientTitle!;
    if (cfg.mechanism === Mechanism.hlsEcdsa && cfg.ecdsa) {
      const c = this.#o.crypto;
      if (!hlsEcdsaVerify(c, cfg.ecdsa.clientPublicKey, clientTitle, setup.serverSystemTitle, stoc, ctos, f)) return undefined;
      return hlsEcdsaSign(c, cfg.ecdsa.serverPrivateKey, setup.serverSystemTitle, clientTitle, ctos, stoc);
    }
    if (cfg.mechanism !== Mechanism.hlsGmac) return undefined;
    const keys = setup.suite0Keys();
    // The security control byte must be "authenticated" under this Security Setup's suite.
    if (!keys || f.length !== 17 || f[0] !== (SC_AUTHENTICATED | setup.suite)) return undefined;
    const ic = new ByteReader(f, 1).u32();
    const expected = hlsGmac(this.#o.crypto, keys, clientTitle, ic, stoc, f[0]);
    if (!constantTimeEqual(expected, f)) return undefined;
    // No counter check here: f(StoC) is bound to this association's fresh random StoC, so it
    // cannot be replayed, and its counter may precede the one of the APDU that carries it.
    // For the same reason it proves the client's current counter: a floor again after storage damage.
    if (setup.rx.prove(ic)) this.#event(SecurityEvent.receiveCounterProven, setup.rx.expected - 1);
    const own = setup.tx.take();
    if (own === undefined) return undefined;
    return hlsGmac(this.#o.crypto, keys, setup.serverSystemTitle, own, ctos);
  }

  // ---------------------------------------------------------------- services

  #ctx(a: Association): AccessContext {
    return { role: a.cfg.role, clientSap: a.cfg.clientSap, nowUtcMs: this.#now() };
  }

  /** The largest plain APDU that still fits the client and the transport once protected. */
  #budget(a: Association, prot: Protection | undefined): number {
    const t = a.session.maxApduSize > 0 ? a.session.maxApduSize : 0xffff;
    return Math.max(32, Math.min(a.clientMaxPdu, t) - cipherOverhead(prot));
  }

  #service(a: Association, plain: Uint8Array, prot: Protection | undefined): Uint8Array | undefined {
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
    const response = this.#dispatch(a, service, prot);
    return silent ? undefined : response;
  }

  #dispatch(a: Association, service: ServiceApdu, prot: Protection | undefined): Uint8Array | undefined {
    switch (service.type) {
      case "get-request-normal":
        return this.#getNormal(a, service.invokeId, service.descriptor, service.access, prot);
      case "get-request-next":
        return this.#getNext(a, service.invokeId, service.blockNumber, prot);
      case "get-request-with-list":
        return this.#getList(a, service.invokeId, service.items, prot);
      case "set-request-normal":
        return encodeApdu({ type: "set-response-normal", invokeId: service.invokeId, result: this.#set(a, service.descriptor, "data" in service.value ? service.value.data : decodeData(service.value.encoded), prot) });
      case "set-request-with-list":
        return encodeApdu({ type: "set-response-with-list", invokeId: service.invokeId, results: service.items.map((it, i) => this.#set(a, it.descriptor, service.values[i], prot)) });
      case "set-request-with-first-datablock": {
        const check = this.#writable(a, service.descriptor, prot);
        if (check !== DataAccessResult.success) return encodeApdu({ type: "set-response-last-datablock", invokeId: service.invokeId, result: check, blockNumber: service.block.blockNumber });
        const longIn: LongIn = { invokeId: service.invokeId, kind: "set", descriptor: service.descriptor, chunks: [], size: 0, block: 0 };
        if (service.access) longIn.access = service.access;
        return this.#blockIn(a, longIn, service.block, prot);
      }
      case "set-request-with-list-and-first-datablock":
        return this.#blockIn(a, { invokeId: service.invokeId, kind: "set-list", items: service.items, chunks: [], size: 0, block: 0 }, service.block, prot);
      case "set-request-with-datablock":
        if (!a.longIn || (a.longIn.kind !== "set" && a.longIn.kind !== "set-list")) {
          return encodeApdu({ type: "set-response-last-datablock", invokeId: service.invokeId, result: DataAccessResult.noLongSetInProgress, blockNumber: service.block.blockNumber });
        }
        return this.#blockIn(a, a.longIn, service.block, prot);
      case "action-request-normal":
        return this.#actionResponse(a, service.invokeId, this.#invoke(a, service.descriptor, service.parameters, prot), prot);
      case "action-request-with-list":
        return encodeApdu({
          type: "action-response-with-list",
          invokeId: service.invokeId,
          responses: service.descriptors.map((d, i) => this.#invoke(a, d, service.parameters[i], prot)),
        });
      case "action-request-with-first-pblock": {
        const check = this.#invocable(a, service.descriptor, prot);
        if (check !== ActionResult.success) return encodeApdu({ type: "action-response-normal", invokeId: service.invokeId, response: { result: check } });
        return this.#blockIn(a, { invokeId: service.invokeId, kind: "action", method: service.descriptor, chunks: [], size: 0, block: 0 }, service.block, prot);
      }
      case "action-request-with-list-and-first-pblock":
        return this.#blockIn(a, { invokeId: service.invokeId, kind: "action-list", methods: service.descriptors, chunks: [], size: 0, block: 0 }, service.block, prot);
      case "action-request-with-pblock":
        if (!a.longIn || (a.longIn.kind !== "action" && a.longIn.kind !== "action-list")) {
          return encodeApdu({ type: "action-response-normal", invokeId: service.invokeId, response: { result: ActionResult.noLongActionInProgress } });
        }
        return this.#blockIn(a, a.longIn, service.block, prot);
      case "action-request-next-pblock": {
        const out = a.actionOut;
        if (!out || service.blockNumber !== out.block) {
          a.actionOut = undefined;
          return encodeApdu({ type: "action-response-normal", invokeId: service.invokeId, response: { result: out ? ActionResult.longActionAborted : ActionResult.noLongActionInProgress } });
        }
        return this.#actionBlock(a, out, prot);
      }
      default:
        return exception(StateError.serviceUnknown, ServiceError.serviceNotSupported);
    }
  }

  /** Finds the object and the caller's rights, or the data-access-result that refuses it. */
  #resolve(a: Association, classId: number, ln: Obis): { entry: ObjectEntry; rights: ObjectRights } | number {
    const own = this.#assocEntries.get(a.cfg)!;
    const entry = ln.key === CURRENT_ASSOCIATION.key ? own : this.directory.byName(ln);
    if (!entry) return DataAccessResult.objectUndefined;
    let rights = entry.rights[a.cfg.role];
    if (!rights) return DataAccessResult.objectUndefined;
    if (entry.object.classId !== classId) return DataAccessResult.objectClassInconsistent;
    // Before HLS completes the client may only answer the challenge (Green Book 9.2.7.4).
    if (a.status === 1) rights = entry === own ? PENDING_RIGHTS : NO_RIGHTS;
    return { entry, rights };
  }

  #readable(a: Association, d: AttributeDescriptor, access: AccessSelection | undefined, prot: Protection | undefined): ObjectEntry | number {
    const r = this.#resolve(a, d.classId, d.instance);
    if (typeof r === "number") return r;
    if (d.attribute < 1 || d.attribute > r.entry.object.attributeCount) return DataAccessResult.objectUndefined;
    const right = attributeRight(r.rights, d.attribute);
    if (!canRead(right) || (needsAuthenticatedRequest(right, false) && !prot?.requestAuthenticated)) return DataAccessResult.readWriteDenied;
    if (access) {
      const selectors = r.entry.object.accessSelectors?.(d.attribute) ?? [];
      if (!(a.conformance & Conformance.selectiveAccess) || !selectors.includes(access.selector)) return DataAccessResult.scopeOfAccessViolated;
    }
    return r.entry;
  }

  /** Reads an attribute into a block source (or the refusal). */
  #read(a: Association, d: AttributeDescriptor, access: AccessSelection | undefined, prot: Protection | undefined): BlockSource | number {
    const entry = this.#readable(a, d, access, prot);
    if (typeof entry === "number") return entry;
    if (d.attribute === 1) return new BlockSource(encodeData(D.octets(entry.object.logicalName.toBytes())));
    const res = entry.object.get(d.attribute, this.#ctx(a), access);
    if (!res.ok) return res.error;
    if ("kind" in res.value) return new BlockSource(NO_DATA, res.value);
    return new BlockSource(encodeData(res.value));
  }

  #getNormal(a: Association, invokeId: number, d: AttributeDescriptor, access: AccessSelection | undefined, prot: Protection | undefined): Uint8Array {
    const src = this.#read(a, d, access, prot);
    if (typeof src === "number") return encodeApdu({ type: "get-response-normal", invokeId, result: { error: src } });
    const budget = this.#budget(a, prot);
    if (src.fitsIn(budget - 4)) return encodeApdu({ type: "get-response-normal", invokeId, result: { encoded: src.take(budget).bytes } });
    if (!(a.conformance & Conformance.blockTransferWithGet)) return encodeApdu({ type: "get-response-normal", invokeId, result: { error: DataAccessResult.otherReason } });
    a.getLong = { invokeId, source: src, block: 0 };
    return this.#getBlock(a, a.getLong, prot);
  }

  #getBlock(a: Association, g: LongOut, prot: Protection | undefined): Uint8Array {
    const { bytes, last } = g.source.take(this.#budget(a, prot) - 12);
    g.block++;
    if (last) a.getLong = undefined;
    return encodeApdu({ type: "get-response-with-datablock", invokeId: g.invokeId, block: { lastBlock: last, blockNumber: g.block, result: { raw: bytes } } });
  }

  #getNext(a: Association, invokeId: number, blockNumber: number, prot: Protection | undefined): Uint8Array {
    const g = a.getLong;
    if (!g || blockNumber !== g.block) {
      a.getLong = undefined;
      const error = g ? DataAccessResult.dataBlockNumberInvalid : DataAccessResult.noLongGetInProgress;
      return encodeApdu({ type: "get-response-with-datablock", invokeId, block: { lastBlock: true, blockNumber, result: { error } } });
    }
    return this.#getBlock(a, g, prot);
  }

  #getList(a: Association, invokeId: number, items: AttributeWithSelection[], prot: Protection | undefined): Uint8Array {
    const results: DataResult[] = [];
    for (const it of items) {
      const src = this.#read(a, it.descriptor, it.access, prot);
      if (typeof src === "number") results.push({ error: src });
      else if (!src.fitsIn(this.#maxAssembly)) results.push({ error: DataAccessResult.otherReason });
      else results.push({ encoded: src.take(this.#maxAssembly).bytes });
    }
    const whole = encodeApdu({ type: "get-response-with-list", invokeId, results });
    const budget = this.#budget(a, prot);
    if (whole.length <= budget) return whole;
    if (!(a.conformance & Conformance.blockTransferWithGet)) return encodeApdu({ type: "get-response-with-list", invokeId, results: results.map(() => ({ error: DataAccessResult.otherReason })) });
    // The raw data of a long with-list response is its SEQUENCE OF Get-Data-Result.
    a.getLong = { invokeId, source: new BlockSource(whole.subarray(3)), block: 0 };
    return this.#getBlock(a, a.getLong, prot);
  }

  #writable(a: Association, d: AttributeDescriptor, prot: Protection | undefined): number {
    const r = this.#resolve(a, d.classId, d.instance);
    if (typeof r === "number") return r;
    if (d.attribute < 1 || d.attribute > r.entry.object.attributeCount) return DataAccessResult.objectUndefined;
    const right = attributeRight(r.rights, d.attribute);
    if (!canWrite(right) || (needsAuthenticatedRequest(right, false) && !prot?.requestAuthenticated) || d.attribute === 1) return DataAccessResult.readWriteDenied;
    return DataAccessResult.success;
  }

  #set(a: Association, d: AttributeDescriptor, value: Data, prot: Protection | undefined): number {
    const check = this.#writable(a, d, prot);
    if (check !== DataAccessResult.success) return check;
    return this.directory.byName(d.instance.key === CURRENT_ASSOCIATION.key ? a.cfg.logicalName : d.instance)!.object.set(d.attribute, value, this.#ctx(a));
  }

  #invocable(a: Association, d: MethodDescriptor, prot: Protection | undefined): number {
    const r = this.#resolve(a, d.classId, d.instance);
    if (typeof r === "number") return r;
    if (d.method < 1 || d.method > r.entry.object.methodCount) return ActionResult.objectUndefined;
    const right = methodRight(r.rights, d.method);
    if (!canInvoke(right) || (needsAuthenticatedRequest(right, true) && !prot?.requestAuthenticated)) return ActionResult.readWriteDenied;
    return ActionResult.success;
  }

  #invoke(a: Association, d: MethodDescriptor, params: Data | undefined, prot: Protection | undefined): ActionResultWithData {
    const check = this.#invocable(a, d, prot);
    if (check !== ActionResult.success) return { result: check };
    const entry = d.instance.key === CURRENT_ASSOCIATION.key ? this.#assocEntries.get(a.cfg)! : this.directory.byName(d.instance)!;
    const out = entry.object.action(d.method, params, this.#ctx(a));
    return out.returnData === undefined ? { result: out.result } : { result: out.result, returnParameters: { data: out.returnData } };
  }

  #actionResponse(a: Association, invokeId: number, response: ActionResultWithData, prot: Protection | undefined): Uint8Array {
    const whole = encodeApdu({ type: "action-response-normal", invokeId, response });
    if (whole.length <= this.#budget(a, prot) || !(a.conformance & Conformance.blockTransferWithAction)) return whole;
    // The raw data of a long action response is its Action-Response-With-Optional-Data.
    a.actionOut = { invokeId, source: new BlockSource(whole.subarray(3)), block: 0 };
    return this.#actionBlock(a, a.actionOut, prot);
  }

  #actionBlock(a: Association, out: LongOut, prot: Protection | undefined): Uint8Array {
    const { bytes, last } = out.source.take(this.#budget(a, prot) - 12);
    out.block++;
    if (last) a.actionOut = undefined;
    return encodeApdu({ type: "action-response-with-pblock", invokeId: out.invokeId, block: { lastBlock: last, blockNumber: out.block, raw: bytes } });
  }

  /** One block of a long SET or ACTION request; the last one runs the service on the assembled value. */
  #blockIn(a: Association, s: LongIn, block: { lastBlock: boolean; blockNumber: number; raw: Uint8Array }, prot: Protection | undefined): Uint8Array | undefined {
    const isSet = s.kind === "set" || s.kind === "set-list";
    // A refused transfer is answered in the response form of its request (IEC 62056-5-3, 8: the
    // with-list requests get Set-Response-Last-Datablock-With-List / Action-Response-With-List,
    // one result per item), never in the single-item form a client would not match.
    const fail = (result: number): Uint8Array => {
      a.longIn = undefined;
      switch (s.kind) {
        case "set":
          return encodeApdu({ type: "set-response-last-datablock", invokeId: s.invokeId, result, blockNumber: block.blockNumber });
        case "set-list":
          return encodeApdu({ type: "set-response-last-datablock-with-list", invokeId: s.invokeId, results: s.items!.map(() => result), blockNumber: block.blockNumber });
        case "action":
          return encodeApdu({ type: "action-response-normal", invokeId: s.invokeId, response: { result } });
        case "action-list":
          return encodeApdu({ type: "action-response-with-list", invokeId: s.invokeId, responses: s.methods!.map(() => ({ result })) });
      }
    };
    // Action-Result has no data-block-number-invalid: a broken action transfer is long-action-aborted.
    if (block.blockNumber !== s.block + 1) return fail(isSet ? DataAccessResult.dataBlockNumberInvalid : ActionResult.longActionAborted);
    if (s.size + block.raw.length > this.#maxAssembly) return fail(isSet ? DataAccessResult.longSetAborted : ActionResult.longActionAborted);
    s.chunks.push(block.raw);
    s.size += block.raw.length;
    s.block = block.blockNumber;
    if (!block.lastBlock) {
      a.longIn = s;
      return isSet
        ? encodeApdu({ type: "set-response-datablock", invokeId: s.invokeId, blockNumber: s.block })
        : encodeApdu({ type: "action-response-next-pblock", invokeId: s.invokeId, blockNumber: s.block });
    }
    a.longIn = undefined;
    const raw = concatBytes(...s.chunks);
    switch (s.kind) {
      case "set": {
        let value: Data;
        try {
          value = decodeData(raw);
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
          return fail(DataAccessResult.typeUnmatched);
        }
        return encodeApdu({ type: "set-response-last-datablock", invokeId: s.invokeId, result: this.#set(a, s.descriptor!, value, prot), blockNumber: s.block });
      }
      case "set-list": {
        const values = readSequenceOfData(raw, s.items!.length);
        const results = values ? s.items!.map((it, i) => this.#set(a, it.descriptor, values[i], prot)) : s.items!.map(() => DataAccessResult.typeUnmatched);
        return encodeApdu({ type: "set-response-last-datablock-with-list", invokeId: s.invokeId, results, blockNumber: s.block });
      }
      case "action": {
        let params: Data | undefined;
        try {
          params = raw.length ? decodeData(raw) : undefined;
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
          return fail(ActionResult.typeUnmatched);
        }
        return this.#actionResponse(a, s.invokeId, this.#invoke(a, s.method!, params, prot), prot);
      }
      case "action-list": {
        const values = readSequenceOfData(raw, s.methods!.length);
        const responses = values ? s.methods!.map((m, i) => this.#invoke(a, m, values[i], prot)) : s.methods!.map(() => ({ result: ActionResult.typeUnmatched }));
        return encodeApdu({ type: "action-response-with-list", invokeId: s.invokeId, responses });
      }
    }
  }
}

/** The services a client may send unconfirmed. */
function isUnconfirmable(s: ServiceApdu): boolean {
  return s.type === "set-request-normal" || s.type === "set-request-with-list" || s.type === "action-request-normal" || s.type === "action-request-with-list";
}

const PENDING_RIGHTS: ObjectRights = frozen({ attributes: [], methods: [MethodAccess.access] });
const NO_RIGHTS: ObjectRights = frozen({ attributes: [], methods: [] });

function defaultAssociationRights(mechanism: number): ObjectRights {
  // The caller may read its own association (not the secret) and, with HLS, answer the challenge.
  return mechanism === Mechanism.hlsGmac || mechanism === Mechanism.hlsEcdsa ? rightsSpec("r r r r r r - r r", "x - - -") : rightsSpec("r r r r r r - r r", "- - - -");
}

/** SEQUENCE OF Data of exactly n items filling raw, or undefined. */
function readSequenceOfData(raw: Uint8Array, n: number): Data[] | undefined {
  try {
    const r = new ByteReader(raw);
    if (readLength(r) !== n) return undefined;
    const out: Data[] = [];
    for (let i = 0; i < n; i++) out.push(readData(r));
    return r.remaining === 0 ? out : undefined;
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

