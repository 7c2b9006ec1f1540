import type { EventSink } from "../../events.js";
import type { KeyValueStore } from "../../persistence.js";
import { ByteReader, ByteWriter } from "../../util/bytes.js";
import { DecodeError } from "../../util/errors.js";
import { SecurityEvent } from "../security/events.js";

/**
 * Failed association attempts per client SAP: after `maxFailures` failures
 * in a burst the SAP is locked out, first for `lockoutMs`, and every further
 * failure of the same burst doubles the window up to `maxLockoutMs`. While
 * locked out an AARQ on that SAP is refused before its password or
 * challenge is even looked at, so a guesser gets at most `maxFailures`
 * guesses in the first window and one per window after that.
 *
 * A burst ends with a successful authentication or after `forgetMs`
 * without a failure. The security log gets one entry when a burst starts
 * (the first failure, with its own code) and one when its first lockout
 * begins (`authenticationLockout`), never one per guess, so a brute force
 * cannot flush the log's history.
 *
 * The state of each configured SAP lives in the KeyValueStore (written once
 * per counted failure, which the lockout itself bounds), so a restart does
 * not reopen the window. SAPs the meter has no association for share one
 * RAM-only bucket: an attacker walking the 16-bit SAP space must not fill
 * flash.
 *
 * Time is the meter's UTC clock, because it is the clock that survives a
 * restart. A clock set backwards cannot stretch a window beyond
 * `maxLockoutMs` from now.
 */
export interface AuthGuardConfig {
  /** Failures in a burst before the first lockout. */
  maxFailures: number;
  /** The first lockout window (ms); each further failure of the burst doubles it. */
  lockoutMs: number;
  /** The longest lockout window (ms). */
  maxLockoutMs: number;
  /** A burst is forgotten after this long without a failure (ms). */
  forgetMs: number;
}

/** Defaults: 5 guesses, then 1 min, 2, 4, 8, capped at 15 min; a burst is forgotten after 1 h of quiet. */
export const DEFAULT_AUTH_GUARD: Readonly<AuthGuardConfig> = Object.freeze({
  maxFailures: 5,
  lockoutMs: 60_000,
  maxLockoutMs: 900_000,
  forgetMs: 3_600_000,
});

interface SapState {
  failures: number;
  lastFailureUtc: number;
  lockedUntilUtc: number;
  /** Whether this burst's lockout has been logged. */
  lockoutLogged: boolean;
}

const RECORD_SIZE = 2 + 8 + 8 + 1;

function encodeState(s: SapState): Uint8Array {
  return new ByteWriter().u16(Math.min(0xffff, s.failures)).f64(s.lastFailureUtc).f64(s.lockedUntilUtc).u8(s.lockoutLogged ? 1 : 0).toBytes();
}

function decodeState(b: Uint8Array | undefined): SapState | undefined {
  if (!b || b.length !== RECORD_SIZE) return undefined;
  try {
    const r = new ByteReader(b);
    const s = { failures: r.u16(), lastFailureUtc: r.f64(), lockedUntilUtc: r.f64(), lockoutLogged: r.u8() === 1 };
    return Number.isFinite(s.lastFailureUtc) && Number.isFinite(s.lockedUntilUtc) ? s : undefined;
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return undefined;
  }
}

/** The bucket of every SAP without an association. */
const UNKNOWN_SAP = -1;

export class AuthGuard {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare private readonly kv: KeyValueStore;
  declare private readonly events: EventSink;
  declare private readonly now: () => number;
  declare private readonly known: (sap: number) => boolean;
  declare private readonly states: Map<number, SapState>;
  declare config: AuthGuardConfig;

  constructor(kv: KeyValueStore, events: EventSink, nowUtcMs: () => number, known: (sap: number) => boolean, config: AuthGuardConfig = DEFAULT_AUTH_GUARD) {
    this.states = new Map<number, SapState>();
    this.kv = kv;
    this.events = events;
    this.now = nowUtcMs;
    this.known = known;
    this.config = config;
  }

  /** Milliseconds the SAP stays locked out (0: an attempt may be evaluated). */
  lockedFor(sap: number): number {
    const s = this.state(sap);
    if (!s) return 0;
    const now = this.now();
    // A clock set backwards must not lengthen the window beyond its maximum.
    const left = Math.min(s.lockedUntilUtc - now, this.config.maxLockoutMs);
    return left > 0 ? left : 0;
  }

  /** Failures counted in the SAP's current burst. */
  failures(sap: number): number {
    return this.state(sap)?.failures ?? 0;
  }

  /**
   * A failed attempt (wrong password or f(StoC), refused AARQ); `code` is the security event it
   * would log. `lockable` false (an association without authentication) only aggregates the log:
   * there is no secret to guess, and a lockout would only lock the public client out.
   */
  failed(sap: number, code: number, lockable = true): void {
    const now = this.now();
    const key = this.known(sap) ? sap : UNKNOWN_SAP;
    let s = this.state(key);
    // A new burst after a quiet period (or once the clock was set far back).
    if (!s || (now - s.lastFailureUtc > this.config.forgetMs && this.lockedFor(key) === 0) || now < s.lastFailureUtc - this.config.forgetMs) {
      s = { failures: 0, lastFailureUtc: now, lockedUntilUtc: 0, lockoutLogged: false };
    }
    if (s.failures === 0) this.log(code, sap, now);
    s.failures++;
    s.lastFailureUtc = now;
    const c = this.config;
    if (lockable && s.failures >= c.maxFailures) {
      const doublings = Math.min(30, s.failures - c.maxFailures);
      s.lockedUntilUtc = now + Math.min(c.maxLockoutMs, c.lockoutMs * 2 ** doublings);
      if (!s.lockoutLogged) {
        s.lockoutLogged = true;
        this.log(SecurityEvent.authenticationLockout, sap, now);
      }
    }
    this.states.set(key, s);
    if (key !== UNKNOWN_SAP) this.kv.put(`auth.${key}`, encodeState(s));
  }

  /** A successful authentication ends the burst. */
  succeeded(sap: number): void {
    const s = this.state(sap);
    if (!s || s.failures === 0) return;
    this.states.delete(sap);
    this.kv.delete(`auth.${sap}`);
  }

  private state(sap: number): SapState | undefined {
    const key = sap === UNKNOWN_SAP || this.known(sap) ? sap : UNKNOWN_SAP;
    let s = this.states.get(key);
    if (!s && key !== UNKNOWN_SAP) {
      s = decodeState(this.kv.get(`auth.${key}`));
      if (s) this.states.set(key, s);
    }
    return s;
  }

  private log(code: number, sap: number, utcMs: number): void {
    this.events.record({ log: "security", code, utcMs, value: sap });
  }
}
