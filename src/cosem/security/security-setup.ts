import type { CryptoPort } from "../../../hal/crypto.js";
import type { EventSink } from "../../events.js";
import type { KeyValueStore } from "../../persistence.js";
import type { Obis } from "../obis.js";
import { ReceiveCounter, TransmitCounter } from "./counters.js";
import { SecurityEvent } from "./events.js";
import type { Suite0Keys } from "./suite0.js";

/**
 * The security context behind one Security Setup object (class 64): the
 * policy, the suite, the system titles, the global keys and the invocation
 * counters under them. Keys and policy live in the KeyValueStore so that a
 * key_transfer survives a power cut; the configuration only seeds them.
 */
const KeyId = Object.freeze({ globalUnicast: 0, globalBroadcast: 1, authentication: 2, master: 3 } as const);

/** security_policy bits of Security Setup version 1. */
export const Policy = Object.freeze({
  authenticatedRequest: 0x04,
  encryptedRequest: 0x08,
  signedRequest: 0x10,
  authenticatedResponse: 0x20,
  encryptedResponse: 0x40,
  signedResponse: 0x80,
} as const);

export interface SecuritySetupConfig {
  /** Short KeyValueStore prefix, unique per Security Setup ("ss.mgmt"). */
  name: string;
  logicalName: Obis;
  serverSystemTitle: Uint8Array;
  /** The expected client system title; learned from the AARQ when absent. */
  clientSystemTitle?: Uint8Array;
  policy: number;
  /** security_suite: 0 (AES-GCM-128) or 1 (adds ECDSA P-256, HLS mechanism 7). Default 0. Ciphered APDUs must name it. */
  suite?: number;
  /** Factory keys, used until a key_transfer replaces them. */
  keys: { globalUnicast: Uint8Array; authentication: Uint8Array; master: Uint8Array; globalBroadcast?: Uint8Array };
}

export class SecuritySetup {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare readonly logicalName: Obis;
  declare readonly serverSystemTitle: Uint8Array;
  declare readonly tx: TransmitCounter;
  declare readonly rx: ReceiveCounter;
  declare private readonly cfg: SecuritySetupConfig;
  declare private readonly kv: KeyValueStore;
  declare private readonly crypto: CryptoPort;
  declare private readonly events: EventSink;
  declare private readonly now: () => number;

  /** `counterMirror`: where the transmit counter keeps its second copy (other sectors than `kv`'s; counters.ts). */
  constructor(cfg: SecuritySetupConfig, kv: KeyValueStore, crypto: CryptoPort, events: EventSink, nowUtcMs: () => number, counterMirror?: KeyValueStore) {
    this.cfg = cfg;
    this.kv = kv;
    this.crypto = crypto;
    this.events = events;
    this.now = nowUtcMs;
    this.logicalName = cfg.logicalName;
    this.serverSystemTitle = cfg.serverSystemTitle;
    this.tx = new TransmitCounter(kv, `${cfg.name}.tx`, undefined, counterMirror);
    // Value: the Security Setup's instance (E of 0-0:43.0.E.255), so the log says which keys are refused.
    if (this.tx.refusedNow) events.record({ log: "security", code: SecurityEvent.transmitCounterUnproven, utcMs: nowUtcMs(), value: cfg.logicalName.e });
    this.rx = new ReceiveCounter(kv, `${cfg.name}.rx`);
  }

  /** The expected client system title (attribute 4); a written one is kept across power cuts. */
  get clientSystemTitle(): Uint8Array | undefined {
    return this.kv.get(`${this.cfg.name}.cst`) ?? this.cfg.clientSystemTitle;
  }

  set clientSystemTitle(title: Uint8Array | undefined) {
    if (title) this.kv.put(`${this.cfg.name}.cst`, title);
    else this.kv.delete(`${this.cfg.name}.cst`);
  }

  get policy(): number {
    const p = this.kv.get(`${this.cfg.name}.pol`);
    return p && p.length === 1 ? p[0] : this.cfg.policy;
  }

  get suite(): number {
    return this.cfg.suite ?? 0;
  }

  key(id: number): Uint8Array | undefined {
    const stored = this.kv.get(`${this.cfg.name}.k${id}`);
    if (stored) return stored;
    const k = this.cfg.keys;
    switch (id) {
      case KeyId.globalUnicast:
        return k.globalUnicast;
      case KeyId.globalBroadcast:
        return k.globalBroadcast;
      case KeyId.authentication:
        return k.authentication;
      case KeyId.master:
        return k.master;
      default:
        return undefined;
    }
  }

  /** Suite 0 keys: the block cipher key (global unicast, broadcast, or a dedicated one) and AK. */
  suite0Keys(dedicated?: Uint8Array, broadcast = false): Suite0Keys | undefined {
    const ek = dedicated ?? this.key(broadcast ? KeyId.globalBroadcast : KeyId.globalUnicast);
    const ak = this.key(KeyId.authentication);
    return ek && ak ? { encryptionKey: ek, authenticationKey: ak } : undefined;
  }

  /** security_activate: the policy can only be strengthened (Blue Book class 64). */
  activate(policy: number): boolean {
    if (!Number.isInteger(policy) || policy < 0 || policy > 0xff || (policy & this.policy) !== this.policy) return false;
    this.kv.put(`${this.cfg.name}.pol`, Uint8Array.of(policy));
    this.events.record({ log: "security", code: SecurityEvent.policyActivated, utcMs: this.now(), value: policy });
    return true;
  }

  /**
   * key_transfer: every wrapped key must unwrap under the master key (KEK,
   * RFC 3394) before any is stored, so a partly bad request changes nothing.
   */
  transferKeys(keys: readonly { id: number; wrapped: Uint8Array }[]): boolean {
    const kek = this.key(KeyId.master);
    const plain: { id: number; key: Uint8Array }[] = [];
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      const unwrapped = kek && k.id >= 0 && k.id <= 3 ? this.crypto.aesKeyUnwrap(kek, k.wrapped) : undefined;
      if (!unwrapped || unwrapped.length !== 16) {
        this.events.record({ log: "security", code: SecurityEvent.keyUnwrapFailed, utcMs: this.now(), value: k.id });
        return false;
      }
      plain.push({ id: k.id, key: unwrapped });
    }
    // Applied by applyPendingKeys() once the response to key_transfer is protected under the old keys.
    this.pending = plain;
    return true;
  }

  declare private pending: { id: number; key: Uint8Array }[] | undefined;

  /** Makes keys from a key_transfer effective; the server calls it after sending the response. */
  applyPendingKeys(): void {
    const plain = this.pending;
    if (!plain) return;
    this.pending = undefined;
    for (let i = 0; i < plain.length; i++) {
      const k = plain[i];
      this.kv.put(`${this.cfg.name}.k${k.id}`, k.key);
      // A new unicast key starts a new nonce space for both directions.
      if (k.id === KeyId.globalUnicast) {
        this.tx.reset();
        this.rx.reset();
      }
      this.events.record({ log: "security", code: SecurityEvent.keyChanged, utcMs: this.now(), value: k.id });
    }
  }
}
