import { decodeApdu, encodeApdu } from "../apdu/apdu.js";
import { AcseDiagnostic, ApplicationContext, AssociationResult, Mechanism, decodeAarq, decodeRlrq, encodeAare, encodeRlre, type Aarq, type Aare } from "../apdu/acse.js";
import { Conformance, SERVER_CONFORMANCE } from "../apdu/conformance.js";
import { InitiateError, type InitiateRequest } from "../apdu/initiate.js";
import type { AssociationBinding } from "../classes/association-ln.js";
import type { Role } from "../interface-class.js";
import type { VisibleRows } from "./directory.js";
import type { Obis } from "../obis.js";
import { SecurityEvent } from "../security/events.js";
import { hlsEcdsaSign, hlsEcdsaVerify } from "../security/hls-ecdsa.js";
import { SC_AUTHENTICATED, SC_ENCRYPTED } from "../security/header.js";
import type { SecuritySetup } from "../security/security-setup.js";
import { constantTimeEqual, hlsGmac } from "../security/suite0.js";
import type { ApduSession } from "../../transport/apdu-port.js";
import { ByteReader, bytesEqual } from "../../util/bytes.js";
import { DecodeError } from "../../util/errors.js";
import type { TimerId } from "../../../hal/timer.js";
import { AuthGuard } from "./auth-guard.js";
import type { BlockTransfers } from "./blocks.js";
import type { AssociationConfig, ServerOptions } from "./config.js";
import type { ProtectedPeer, Protector } from "./protection.js";
import { NO_DATA } from "./replies.js";

/**
 * The server's association-control room: COSEM-OPEN and COSEM-RELEASE
 * (AARQ/AARE, RLRQ/RLRE), the xDLMS InitiateRequest negotiation, LLS and the
 * HLS passes (2 in the AARE, 3 and 4 through reply_to_HLS_authentication),
 * the pending-association time-out and the auth guard's lockout. It keeps
 * one association per session; the service room works on them.
 */

/** HLS pass 3 must follow pass 2 within this time (ServerOptions.pendingAssociationMs). */
export const DEFAULT_PENDING_ASSOCIATION_MS = 10_000;

/** The challenges of an HLS association: the client's CtoS and the meter's StoC. */
interface HlsChallenge {
  readonly ctos: Uint8Array;
  readonly stoc: Uint8Array;
}

/** One open association: its configuration, what the AARQ negotiated, and its running transfers. */
export interface Association extends ProtectedPeer, BlockTransfers {
  readonly cfg: AssociationConfig;
  readonly session: ApduSession;
  /** 1 pending (HLS f(StoC) awaited), 2 associated. */
  status: 1 | 2;
  conformance: number;
  clientMaxPdu: number;
  /** Set with HLS: pass 3 checks f(StoC) and answers f(CtoS). */
  hls?: HlsChallenge;
  /** Ends a pending association whose pass 3 does not come in time. */
  pendingTimer?: TimerId;
}

/** What the AARQ's ACSE part established before the InitiateRequest is looked at. */
interface Opening {
  readonly cfg: AssociationConfig;
  readonly session: ApduSession;
  readonly aarq: Aarq;
  readonly context: number;
  readonly hls: boolean;
  /** The calling AP title (client system title), if any. */
  readonly title: Uint8Array | undefined;
  /** The responding AP title for every AARE that follows. */
  readonly apTitle: Partial<Aare>;
  /** Counts a failed attempt (and its security event) with the auth guard. */
  readonly refuse: (code: number) => void;
}

/**
 * One association's view for its Association LN object: methods on a
 * prototype over (configuration, room), not closures per association (a
 * closure made at run time costs a function, a scope and a RAM copy of its
 * bytecode on XS: issue 13).
 */
class AssociationView implements AssociationBinding {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare readonly cfg: AssociationConfig;
  declare readonly room: Associations;
  constructor(
    cfg: AssociationConfig,
    room: Associations,
  ) {
    this.cfg = cfg;
    this.room = room;
  }

  get role(): Role {
    return this.cfg.role;
  }
  get clientSap(): number {
    return this.cfg.clientSap;
  }
  get serverSap(): number {
    return this.room.serverSap;
  }
  get applicationContext(): number {
    return contextOf(this.cfg);
  }
  get mechanism(): number {
    return this.cfg.mechanism;
  }
  get securitySetup(): Obis | undefined {
    return this.cfg.securitySetup?.logicalName;
  }

  visibleRows(): VisibleRows {
    return this.room.visibleRows(this.cfg.role);
  }

  status(): number {
    return this.room.stateOf(this.cfg)?.status ?? 0;
  }

  contextInfo(): { conformance: number; maxReceivePdu: number; maxSendPdu: number; dlmsVersion: number; qualityOfService: number } {
    const a = this.room.stateOf(this.cfg);
    return {
      conformance: a?.conformance ?? this.cfg.conformance ?? SERVER_CONFORMANCE,
      maxReceivePdu: this.room.maxPdu,
      maxSendPdu: a?.clientMaxPdu ?? this.room.maxPdu,
      dlmsVersion: 6,
      qualityOfService: 0,
    };
  }

  replyToHls(fStoC: Uint8Array): Uint8Array | undefined {
    return this.room.replyToHls(this.cfg, fStoC);
  }

  changeSecret(secret: Uint8Array): boolean {
    return this.room.changeSecret(this.cfg, secret);
  }
}

export class Associations {
  /** Failed association attempts per client SAP: lockout and aggregated security events. */
  declare readonly authGuard: AuthGuard;
  /** The association of the request being handled (CosemServer.handle is synchronous). */
  declare current: Association | undefined;
  /** The logical device's server SAP (associated_partners_id). */
  declare readonly serverSap: number;
  /** The largest APDU the server accepts. */
  declare readonly maxPdu: number;
  /** The catalog rows a role sees (its object_list). */
  declare readonly visibleRows: (role: Role) => VisibleRows;
  declare private readonly o: ServerOptions;
  declare private readonly protector: Protector;
  declare private readonly event: (code: number, value?: number) => void;
  declare private readonly sessions: Map<ApduSession, Association>;

  constructor(
    options: ServerOptions,
    limits: { maxPdu: number; serverSap: number },
    visibleRows: (role: Role) => VisibleRows,
    protector: Protector,
    event: (code: number, value?: number) => void,
  ) {
    this.sessions = new Map<ApduSession, Association>();
    this.o = options;
    this.maxPdu = limits.maxPdu;
    this.serverSap = limits.serverSap;
    this.visibleRows = visibleRows;
    this.protector = protector;
    this.event = event;
    this.authGuard = new AuthGuard(options.kv, options.events, options.nowUtcMs, (sap) => this.configFor(sap) !== undefined, options.authGuard);
  }

  /** The session's association, pending or established. */
  of(session: ApduSession): Association | undefined {
    return this.sessions.get(session);
  }

  /** Open associations (pending or established) over all sessions. */
  get size(): number {
    return this.sessions.size;
  }

  /** Ends the session's association (release, link closed, failed or late HLS pass 3). */
  drop(session: ApduSession): void {
    const a = this.sessions.get(session);
    if (!a) return;
    if (a.pendingTimer !== undefined) this.o.timers?.clear(a.pendingTimer);
    a.pendingTimer = undefined;
    this.sessions.delete(session);
  }

  /** COSEM-OPEN: the AARE for an AARQ. */
  open(bytes: Uint8Array, session: ApduSession): Uint8Array {
    // IEC 62056-5-3 / Green Book, the application layer state machine: COSEM-OPEN is valid only
    // in IDLE, never in ASSOCIATED. The AARQ is refused (rather than ignored, which would leave
    // the client waiting) and the established association kept, so a second AARQ can neither
    // tear down nor silently replace an authenticated session.
    const held = this.sessions.get(session);
    if (held?.status === 2) return aare(contextOf(held.cfg), AssociationResult.rejectedPermanent, AcseDiagnostic.noReasonGiven);
    // A new AARQ replaces a pending association.
    this.drop(session);
    const opening = this.acse(bytes, session);
    if (opening instanceof Uint8Array) return opening;
    const initiate = this.initiate(opening);
    if (initiate instanceof Uint8Array) return initiate;
    const a = this.negotiate(opening, initiate.request, initiate.sc);
    if (a instanceof Uint8Array) return a;
    const auth = this.authenticate(opening, a);
    if (auth instanceof Uint8Array) return auth;
    return this.accept(opening, a, initiate.sc, auth);
  }

  /** COSEM-RELEASE: the RLRE for an RLRQ. */
  release(bytes: Uint8Array, session: ApduSession): Uint8Array {
    try {
      decodeRlrq(bytes);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      // Not understood: the association stays, the release is "not finished".
      return encodeRlre({ type: "rlre", reason: 1 });
    }
    this.drop(session);
    return encodeRlre({ type: "rlre", reason: 0 });
  }

  private configFor(sap: number): AssociationConfig | undefined {
    return this.o.associations.find((c) => c.clientSap === sap);
  }

  /** The lockout, the AARQ's decoding and its ACSE fields: context, mechanism, calling AP title. */
  private acse(bytes: Uint8Array, session: ApduSession): Opening | Uint8Array {
    const cfg = this.configFor(session.clientSap);
    const context = cfg?.ciphered ? ApplicationContext.lnCiphered : ApplicationContext.ln;
    const refuse = (code: number): void => this.authGuard.failed(session.clientSap, code, cfg !== undefined && cfg.mechanism !== Mechanism.none);
    // Locked out after repeated failures: refused before the password or challenge is looked at.
    if (cfg && cfg.mechanism !== Mechanism.none && this.authGuard.lockedFor(cfg.clientSap) > 0) {
      return aare(context, AssociationResult.rejectedTransient, AcseDiagnostic.noReasonGiven);
    }
    let aarq: Aarq;
    try {
      aarq = decodeAarq(bytes);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      return aare(context, AssociationResult.rejectedPermanent, AcseDiagnostic.noReasonGiven);
    }
    if (!cfg) {
      refuse(SecurityEvent.associationRefused);
      return aare(aarq.applicationContext, AssociationResult.rejectedPermanent, AcseDiagnostic.noReasonGiven);
    }
    const setup = cfg.securitySetup;
    const hls = cfg.mechanism === Mechanism.hlsGmac || cfg.mechanism === Mechanism.hlsEcdsa;
    const apTitle = setup && (cfg.ciphered || hls) ? { respondingApTitle: setup.serverSystemTitle } : {};
    if (aarq.applicationContext !== context) {
      refuse(SecurityEvent.associationRefused);
      return aare(context, AssociationResult.rejectedPermanent, AcseDiagnostic.applicationContextNameNotSupported);
    }
    const mechanism = aarq.mechanism ?? Mechanism.none;
    if (mechanism !== cfg.mechanism) {
      refuse(SecurityEvent.associationRefused);
      const diag = aarq.mechanism === undefined ? AcseDiagnostic.authenticationMechanismNameRequired : AcseDiagnostic.authenticationMechanismNameNotRecognised;
      return aare(context, AssociationResult.rejectedPermanent, diag);
    }
    const title = aarq.callingApTitle;
    const needsTitle = cfg.ciphered || hls;
    if (needsTitle && (!setup || !title || title.length !== 8 || (setup.clientSystemTitle && !bytesEqual(setup.clientSystemTitle, title)))) {
      refuse(SecurityEvent.associationRefused);
      return aare(context, AssociationResult.rejectedPermanent, AcseDiagnostic.callingApTitleNotRecognized);
    }
    // Storage damage took every copy of this Security Setup's transmit counter: no response could be protected
    // without risking a reused nonce. Not the client's fault, so not counted by the auth guard (counters.ts).
    if (setup && (cfg.ciphered || hls) && setup.tx.refused) {
      this.event(SecurityEvent.transmitCounterUnproven, 256 + cfg.clientSap);
      return aare(context, AssociationResult.rejectedPermanent, AcseDiagnostic.noReasonGiven, apTitle);
    }
    return { cfg, session, aarq, context, hls, title, apTitle, refuse };
  }

  /** The xDLMS InitiateRequest in the user-information, plain or glo-ciphered, with the security control it came under. */
  private initiate(o: Opening): { request: InitiateRequest; sc: number } | Uint8Array {
    const ui = o.aarq.userInformation;
    if (!ui) return aare(o.context, AssociationResult.rejectedPermanent, AcseDiagnostic.noReasonGiven);
    try {
      const opened = this.protector.openInitiate(o.cfg, o.title, ui);
      if (!opened.ok) {
        o.refuse(opened.event);
        return initiateError(o.context, InitiateError.other, o.apTitle);
      }
      const decoded = decodeApdu(opened.plain);
      if (decoded.type !== "initiate-request") throw new DecodeError("bad-tag", "not an InitiateRequest");
      return { request: decoded, sc: opened.sc };
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      return aare(o.context, AssociationResult.rejectedPermanent, AcseDiagnostic.noReasonGiven);
    }
  }

  /** Version, conformance, PDU size and dedicated key: the association as negotiated, or the InitiateError. */
  private negotiate(o: Opening, initiate: InitiateRequest, initiateSc: number): Association | Uint8Array {
    const { cfg, context, apTitle } = o;
    if (initiate.proposedDlmsVersion < 6) return initiateError(context, InitiateError.dlmsVersionTooLow, apTitle);
    const offered = (cfg.conformance ?? SERVER_CONFORMANCE) & (cfg.ciphered ? 0xffffff : ~Conformance.generalProtection);
    const conformance = initiate.proposedConformance & offered;
    if ((conformance & (Conformance.get | Conformance.set | Conformance.action)) === 0) return initiateError(context, InitiateError.incompatibleConformance, apTitle);
    if (initiate.clientMaxReceivePduSize !== 0 && initiate.clientMaxReceivePduSize < 64) return initiateError(context, InitiateError.pduSizeTooShort, apTitle);
    if (initiate.dedicatedKey && initiate.dedicatedKey.length !== 16) return initiateError(context, InitiateError.other, apTitle);
    const a: Association = {
      cfg,
      session: o.session,
      status: 2,
      conformance,
      clientMaxPdu: initiate.clientMaxReceivePduSize === 0 ? 0xffff : initiate.clientMaxReceivePduSize,
    };
    if (o.title) a.clientTitle = o.title.slice();
    if (initiate.dedicatedKey && initiateSc & SC_ENCRYPTED) a.dedicatedKey = initiate.dedicatedKey;
    return a;
  }

  /** LLS checks the password; HLS issues StoC and leaves the association pending. The AARE fields it adds, or the refusal. */
  private authenticate(o: Opening, a: Association): { diagnostic: number; extra: Partial<Aare> } | Uint8Array {
    const { cfg, aarq, context } = o;
    const extra: Partial<Aare> = { ...o.apTitle };
    if (cfg.mechanism === Mechanism.lls) {
      if (!aarq.authenticationValue || !constantTimeEqual(aarq.authenticationValue, this.secret(cfg) ?? NO_DATA)) {
        o.refuse(SecurityEvent.authenticationFailed);
        return aare(context, AssociationResult.rejectedPermanent, AcseDiagnostic.authenticationFailure);
      }
      this.authGuard.succeeded(cfg.clientSap);
      return { diagnostic: AcseDiagnostic.null, extra };
    }
    if (o.hls) {
      const ctos = aarq.authenticationValue;
      const min = cfg.mechanism === Mechanism.hlsEcdsa ? 32 : 8;
      if (!ctos || ctos.length < min || ctos.length > 64 || (cfg.mechanism === Mechanism.hlsEcdsa && !cfg.ecdsa)) {
        o.refuse(SecurityEvent.authenticationFailed);
        return aare(context, AssociationResult.rejectedPermanent, AcseDiagnostic.authenticationFailure);
      }
      const stoc = this.o.crypto.randomBytes(cfg.mechanism === Mechanism.hlsEcdsa ? 32 : 16);
      a.hls = { ctos: ctos.slice(), stoc };
      a.status = 1;
      extra.authenticationRequested = true;
      extra.mechanism = cfg.mechanism;
      extra.authenticationValue = stoc;
      return { diagnostic: AcseDiagnostic.authenticationRequired, extra };
    }
    if (cfg.mechanism !== Mechanism.none) return aare(context, AssociationResult.rejectedPermanent, AcseDiagnostic.authenticationMechanismNameNotRecognised);
    return { diagnostic: AcseDiagnostic.null, extra };
  }

  /** The InitiateResponse (sealed like the request was), the association kept, a pending one timed. */
  private accept(o: Opening, a: Association, initiateSc: number, auth: { diagnostic: number; extra: Partial<Aare> }): Uint8Array {
    const { session, context } = o;
    let ui = encodeApdu({
      type: "initiate-response",
      negotiatedDlmsVersion: 6,
      negotiatedConformance: a.conformance,
      serverMaxReceivePduSize: this.maxPdu,
      vaaName: 0x0007,
    });
    if (initiateSc !== 0) {
      const sealed = this.protector.seal(a, ui, { sc: initiateSc, requestAuthenticated: (initiateSc & SC_AUTHENTICATED) !== 0, dedicated: false, general: false });
      if (!sealed) return aare(context, AssociationResult.rejectedTransient, AcseDiagnostic.noReasonGiven);
      ui = sealed;
    }
    this.sessions.set(session, a);
    const timers = this.o.timers;
    if (a.status === 1 && timers) {
      // Pass 3 must come in time: a pending association must not hold the session (and its connection's standing) forever.
      a.pendingTimer = timers.once(this.o.pendingAssociationMs ?? DEFAULT_PENDING_ASSOCIATION_MS, () => {
        a.pendingTimer = undefined;
        if (this.sessions.get(session) === a && a.status === 1) this.sessions.delete(session);
      });
    }
    return aare(context, AssociationResult.accepted, auth.diagnostic, { ...auth.extra, userInformation: ui });
  }

  private secret(cfg: AssociationConfig): Uint8Array | undefined {
    return this.o.kv.get(`assoc.${cfg.clientSap}.secret`) ?? cfg.secret;
  }

  /** What the Association LN object of `cfg` reads and does through the server. */
  binding(cfg: AssociationConfig): AssociationBinding {
    return new AssociationView(cfg, this);
  }

  /** The association of `cfg` that the current request (else any session) holds. */
  stateOf(cfg: AssociationConfig): Association | undefined {
    const cur = this.current;
    if (cur && cur.cfg === cfg) return cur;
    for (const a of this.sessions.values()) if (a.cfg === cfg) return a;
    return undefined;
  }

  /** change_secret of the Association LN object: LLS only, 1..64 bytes, kept in the KeyValueStore. */
  changeSecret(cfg: AssociationConfig, secret: Uint8Array): boolean {
    if (cfg.mechanism !== Mechanism.lls || secret.length < 1 || secret.length > 64) return false;
    this.o.kv.put(`assoc.${cfg.clientSap}.secret`, secret);
    this.event(SecurityEvent.secretChanged, cfg.clientSap);
    return true;
  }

  /**
   * HLS pass 3 and 4: check f(StoC) from the client, answer f(CtoS). One try per association:
   * a wrong f(StoC) ends the association (the client must start again with a new AARQ, which
   * the auth guard counts), so a second reply_to_HLS_authentication cannot succeed.
   */
  replyToHls(cfg: AssociationConfig, f: Uint8Array): Uint8Array | undefined {
    const a = this.current;
    const setup = cfg.securitySetup;
    if (!a || a.cfg !== cfg || a.status !== 1 || !setup || !a.hls || !a.clientTitle) return undefined;
    const answer = this.checkPass3(cfg, setup, a.hls, a.clientTitle, f);
    if (!answer) {
      this.authGuard.failed(cfg.clientSap, SecurityEvent.authenticationFailed);
      this.drop(a.session);
      return undefined;
    }
    a.status = 2;
    if (a.pendingTimer !== undefined) this.o.timers?.clear(a.pendingTimer);
    a.pendingTimer = undefined;
    this.authGuard.succeeded(cfg.clientSap);
    return answer;
  }

  /** f(CtoS) when f(StoC) verifies, undefined otherwise. */
  private checkPass3(cfg: AssociationConfig, setup: SecuritySetup, challenge: HlsChallenge, clientTitle: Uint8Array, f: Uint8Array): Uint8Array | undefined {
    const { stoc, ctos } = challenge;
    const c = this.o.crypto;
    if (cfg.mechanism === Mechanism.hlsEcdsa && cfg.ecdsa) {
      if (!hlsEcdsaVerify(c, cfg.ecdsa.clientPublicKey, clientTitle, setup.serverSystemTitle, stoc, ctos, f)) return undefined;
      return hlsEcdsaSign(c, cfg.ecdsa.serverPrivateKey, setup.serverSystemTitle, clientTitle, ctos, stoc);
    }
    if (cfg.mechanism !== Mechanism.hlsGmac) return undefined;
    const keys = setup.suite0Keys();
    // The security control byte must be "authenticated" under this Security Setup's suite.
    if (!keys || f.length !== 17 || f[0] !== (SC_AUTHENTICATED | setup.suite)) return undefined;
    const ic = new ByteReader(f, 1).u32();
    const expected = hlsGmac(c, keys, clientTitle, ic, stoc, f[0]);
    if (!constantTimeEqual(expected, f)) return undefined;
    // No counter check here: f(StoC) is bound to this association's fresh random StoC, so it
    // cannot be replayed, and its counter may precede the one of the APDU that carries it.
    // For the same reason it proves the client's current counter: a floor again after storage damage.
    if (setup.rx.prove(ic)) this.event(SecurityEvent.receiveCounterProven, setup.rx.expected - 1);
    const own = setup.tx.take();
    if (own === undefined) return undefined;
    return hlsGmac(c, keys, setup.serverSystemTitle, own, ctos);
  }
}

function contextOf(cfg: AssociationConfig): number {
  return cfg.ciphered ? ApplicationContext.lnCiphered : ApplicationContext.ln;
}

function aare(context: number, result: number, diagnostic: number, extra: Partial<Aare> = {}): Uint8Array {
  return encodeAare({ type: "aare", applicationContext: context, result, diagnosticSource: 1, diagnostic, authenticationRequested: false, ...extra });
}

function initiateError(context: number, value: number, extra: Partial<Aare> = {}): Uint8Array {
  const ui = encodeApdu({ type: "confirmed-service-error", service: 1, errorKind: 6, value });
  return aare(context, AssociationResult.rejectedPermanent, AcseDiagnostic.noReasonGiven, { ...extra, userInformation: ui });
}
