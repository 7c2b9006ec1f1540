import type { CryptoPort } from "../../../hal/crypto.js";
import { GENERAL_DED_CIPHERING, GENERAL_GLO_CIPHERING, isServiceCipheredTag, plainTagOf } from "../apdu/ciphered.js";
import { ServiceError, StateError } from "../apdu/xdlms.js";
import { SecurityEvent } from "../security/events.js";
import { SC_AUTHENTICATED, SC_BROADCAST, SC_ENCRYPTED, unsupportedReason } from "../security/header.js";
import { openApdu, readEnvelope, sealApdu } from "../security/protect.js";
import { Policy } from "../security/security-setup.js";
import { bytesEqual } from "../../util/bytes.js";
import { DecodeError } from "../../util/errors.js";
import type { AssociationConfig } from "./config.js";
import { exception } from "./replies.js";

/**
 * The server's protection room: opens ciphered requests (service-specific
 * glo/ded and general-glo/ded ciphering) under the association's Security
 * Setup, checks the security suite, system title and invocation counter,
 * applies the security policy, and seals responses the way the request was
 * protected. Every refusal is logged as a security event and answered with
 * the exception the Green Book gives; nothing here decides rights.
 */

/** How the current request was protected; the response is protected the same way. */
export interface Protection {
  /** Security control of the response. */
  sc: number;
  /** Whether the request itself carried an authentication tag: what authenticated rights require (the policy may add one only to the response). */
  requestAuthenticated: boolean;
  dedicated: boolean;
  general: boolean;
}

/** What protection needs of an association: its configuration and the client title and dedicated key it agreed on. */
export interface ProtectedPeer {
  readonly cfg: AssociationConfig;
  /** 1 while an HLS association waits for pass 3, 2 once associated. */
  readonly status: 1 | 2;
  clientTitle?: Uint8Array;
  dedicatedKey?: Uint8Array;
}

/** The InitiateRequest of an AARQ opened (or taken plain), or the security event that refuses it. */
export type OpenedInitiate = { ok: true; plain: Uint8Array; sc: number } | { ok: false; event: number };

/** Bytes the ciphered envelope adds around a plain APDU. */
export function cipherOverhead(p: Protection | undefined): number {
  if (!p) return 0;
  return (p.general ? 10 : 1) + 3 + 5 + ((p.sc & SC_AUTHENTICATED) !== 0 ? 12 : 0);
}

/** Whether an APDU tag is one of the ciphered forms the server opens. */
export function isProtectedTag(tag: number): boolean {
  return isServiceCipheredTag(tag) || tag === GENERAL_GLO_CIPHERING || tag === GENERAL_DED_CIPHERING;
}

/** Whether the association's policy demands authenticated or encrypted requests. */
function policyProtectsRequests(cfg: AssociationConfig): boolean {
  const setup = cfg.securitySetup;
  return setup !== undefined && cfg.ciphered && (setup.policy & (Policy.authenticatedRequest | Policy.encryptedRequest)) !== 0;
}

export class Protector {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare private readonly crypto: CryptoPort;
  declare private readonly event: (code: number, value?: number) => void;

  constructor(crypto: CryptoPort, event: (code: number, value?: number) => void) {
    this.crypto = crypto;
    this.event = event;
  }

  /** A plain request where the policy demands protection: logged, and the exception to answer. */
  refusePlain(a: ProtectedPeer): Uint8Array | undefined {
    if (!policyProtectsRequests(a.cfg)) return undefined;
    this.event(SecurityEvent.policyViolation, a.cfg.clientSap);
    return exception(StateError.serviceNotAllowed, ServiceError.operationNotPossible);
  }

  /** Opens a ciphered request: its plain APDU and protection, or the exception that refuses it. */
  open(a: ProtectedPeer, apdu: Uint8Array): { plain: Uint8Array; prot: Protection } | Uint8Array {
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
      this.event(SecurityEvent.decipheringFailed, a.cfg.clientSap);
      return exception(StateError.serviceNotAllowed, ServiceError.decipheringError);
    }
    const general = env.type !== "ciphered";
    const dedicated = env.type === "ciphered" ? env.dedicated : env.type === "general-ded-ciphering";
    const title = env.type !== "ciphered" && env.systemTitle.length > 0 ? env.systemTitle : a.clientTitle;
    const keys = setup.suite0Keys(dedicated ? a.dedicatedKey : undefined, (env.securityControl & SC_BROADCAST) !== 0);
    // The security control byte must name the suite of this Security Setup (Green Book 9.2.7.2.4).
    if (unsupportedReason(env.securityControl) !== undefined || (env.securityControl & 0x0f) !== setup.suite) {
      this.event(SecurityEvent.unsupportedSecurity, env.securityControl);
      return exception(StateError.serviceNotAllowed, ServiceError.decipheringError);
    }
    if (!title || (a.clientTitle && !bytesEqual(title, a.clientTitle)) || !keys || (dedicated && !a.dedicatedKey)) {
      this.event(SecurityEvent.decipheringFailed, a.cfg.clientSap);
      return exception(StateError.serviceNotAllowed, ServiceError.decipheringError);
    }
    if (!setup.rx.fresh(env.invocationCounter)) {
      this.event(SecurityEvent.replay, env.invocationCounter);
      return exception(StateError.serviceNotAllowed, ServiceError.invocationCounterError, setup.rx.expected);
    }
    // After storage damage only HLS pass 3 (a pending association) may prove the counter again (counters.ts).
    if (!setup.rx.proven && a.status !== 1) {
      this.event(SecurityEvent.receiveCounterUnproven, a.cfg.clientSap);
      return exception(StateError.serviceNotAllowed, ServiceError.invocationCounterError, setup.rx.expected);
    }
    const opened = openApdu(this.crypto, env, title, keys);
    const expectTag = env.type === "ciphered" ? plainTagOf(env.tag) : undefined;
    if (!opened.ok || opened.plain.length === 0 || (expectTag !== undefined && opened.plain[0] !== expectTag)) {
      this.event(SecurityEvent.decipheringFailed, a.cfg.clientSap);
      return exception(StateError.serviceNotAllowed, ServiceError.decipheringError);
    }
    const sc = env.securityControl;
    const policy = setup.policy;
    if (((policy & Policy.authenticatedRequest) !== 0 && (sc & SC_AUTHENTICATED) === 0) || ((policy & Policy.encryptedRequest) !== 0 && (sc & SC_ENCRYPTED) === 0)) {
      this.event(SecurityEvent.policyViolation, a.cfg.clientSap);
      return exception(StateError.serviceNotAllowed, ServiceError.operationNotPossible);
    }
    // Committed only now: a forged APDU must not move the counter and lock the real client out.
    setup.rx.commit(env.invocationCounter);
    let out = sc & (SC_AUTHENTICATED | SC_ENCRYPTED);
    if (policy & Policy.authenticatedResponse) out |= SC_AUTHENTICATED;
    if (policy & Policy.encryptedResponse) out |= SC_ENCRYPTED;
    return { plain: opened.plain, prot: { sc: out, requestAuthenticated: (sc & SC_AUTHENTICATED) !== 0, dedicated, general } };
  }

  /** Seals a response (or data-notification); undefined when there are no keys or the transmit counter is spent. */
  seal(a: ProtectedPeer, plain: Uint8Array, prot: Protection): Uint8Array | undefined {
    const setup = a.cfg.securitySetup;
    const keys = setup?.suite0Keys(prot.dedicated ? a.dedicatedKey : undefined);
    if (!setup || !keys) return undefined;
    const ic = setup.tx.take();
    if (ic === undefined) {
      this.event(SecurityEvent.counterExhausted);
      return undefined;
    }
    return sealApdu(this.crypto, plain, {
      securityControl: prot.sc,
      systemTitle: setup.serverSystemTitle,
      invocationCounter: ic,
      keys,
      dedicated: prot.dedicated,
      general: prot.general,
    });
  }

  /**
   * The user-information of an AARQ: a glo-ciphered InitiateRequest opened with the global keys
   * (the counter committed only once it opened), or a plain one where the policy allows it.
   * Throws DecodeError when it is no ciphered InitiateRequest at all; the security event of a
   * refusal is returned for the caller's auth guard to count.
   */
  openInitiate(cfg: AssociationConfig, title: Uint8Array | undefined, ui: Uint8Array): OpenedInitiate {
    const setup = cfg.securitySetup;
    if (ui[0] === 0x01) {
      if (policyProtectsRequests(cfg)) return { ok: false, event: SecurityEvent.policyViolation };
      return { ok: true, plain: ui, sc: 0 };
    }
    const env = cfg.ciphered && setup && title ? readEnvelope(ui) : undefined;
    const keys = setup?.suite0Keys();
    if (!env || !setup || !keys || !title || env.type !== "ciphered" || env.tag !== 0x21) throw new DecodeError("bad-tag", "not an InitiateRequest");
    if (unsupportedReason(env.securityControl) !== undefined || (env.securityControl & 0x0f) !== setup.suite) return { ok: false, event: SecurityEvent.unsupportedSecurity };
    if (!setup.rx.fresh(env.invocationCounter)) return { ok: false, event: SecurityEvent.replay };
    const opened = openApdu(this.crypto, env, title, keys);
    if (!opened.ok) return { ok: false, event: SecurityEvent.decipheringFailed };
    setup.rx.commit(env.invocationCounter);
    return { ok: true, plain: opened.plain, sc: env.securityControl & (SC_AUTHENTICATED | SC_ENCRYPTED) };
  }
}
