/**
 * Prepayment (the domain behind COSEM classes 111 Account, 112 Credit, 113
 * Charge and 115 Token Gateway): STS token acceptance under the token rules,
 * credit accounting in Wh against the metrology's import energy, low-credit
 * and exhaustion events, emergency credit, friendly periods, and the relay
 * through Disconnect Control. Knows nothing about COSEM or the keypad: both
 * entry paths call enterToken().
 *
 * Token rules (IEC 62055-41 as the vectors' notes infer it):
 *   - token-ID memory of the last `tidMemoryDepth` (>= 50) applied TIDs:
 *     a TID in memory is "Used"; with the memory full, a TID older than
 *     every TID in it is "Old" (the TID window: nothing older than the
 *     oldest remembered token can be proved unused);
 *   - key expiry: a token whose TID >> 16 exceeds the key's KEN is refused;
 *   - a meter on its default key (key type 0) refuses credit tokens;
 *   - key change tokens 1 and 2 (either order) are held in RAM until the
 *     pair is complete, then the new key, KRN, tariff index, key type and
 *     KEN are written in one record; the rollover flag clears the memory.
 * Every result is logged in the prepayment event log (code 230 + result,
 * value = TID where the token has one).
 *
 * Credit never rises or falls except by tokens and consumption: consumption
 * is the growth of the metrology's import energy since the reading the
 * record was saved with; a reading below it (metrology lost energy in a cut)
 * only moves the reference, never adds credit.
 */
import type { EventSink } from "../events.js";
import type { KeyValueStore } from "../persistence.js";
import { ControlState, type Trigger, type TriggerOutcome } from "../relay/disconnect.js";
import { decodeToken } from "./decoder.js";
import { TokenResult } from "./results.js";
import type { Sta } from "./sta.js";
import { copyRecord, loadRecord, saveRecord, type KeyData, type PrepayRecord } from "./state.js";
import { ManagementSubclass, TokenClass, TransferSubclass, decodeAmount, type TokenFields } from "./token.js";

/** The STS minimum depth of the token-ID memory this meter keeps (at least). */
export const MIN_TID_MEMORY = 50;

export const PrepayEvent = Object.freeze({
  /** 230 + TokenResult: one per token entered. */
  tokenBase: 230,
  lowCredit: 243,
  creditExhausted: 244,
  emergencyCreditActivated: 245,
  exhaustionInFriendlyPeriod: 246,
  creditRestored: 247,
  keyChanged: 248,
  tamperCleared: 249,
  creditCleared: 250,
  maxPowerLimitSet: 251,
  tariffRateSet: 252,
} as const);

export type DeliveryMethod = "remote" | "local" | "manual";

export interface PrepayConfig {
  /** The 18-digit meter PAN (printed by the simulator, used by the vending side's DKGA02). */
  pan: string;
  /** Factory-provisioned decoder key and key data, until a key change replaces them. */
  keyData: KeyData;
  tidMemoryDepth: number;
  /** Low-credit warning threshold, Wh. */
  lowCreditWh: number;
  /** Emergency credit the customer may invoke once low, Wh (0 = none). */
  emergencyCreditWh: number;
  /** Largest credit the register holds, Wh (class 111 available_credit is a double-long). */
  maxCreditWh: number;
}

export function defaultPrepayConfig(keyData: KeyData, pan: string): PrepayConfig {
  return { pan, keyData, tidMemoryDepth: MIN_TID_MEMORY, lowCreditWh: 5000, emergencyCreditWh: 3000, maxCreditWh: 2147483647 };
}

export interface RelayControl {
  readonly controlState: number;
  trigger(t: Trigger): TriggerOutcome;
}

export interface PrepayDeps {
  store: KeyValueStore;
  events: EventSink;
  /** The provisioned EA07 table set. */
  sta: Sta;
  nowUtc: () => number;
  /** Metrology's lossless import active energy, Wh. */
  importWh: () => number;
  /** Is this instant in a friendly period (exhaustion does not disconnect)? */
  isFriendly: (utcMs: number) => boolean;
  relay: RelayControl;
  /** A Set Maximum Power Limit token: the limiter's normal threshold, W. */
  setPowerLimit?: (watts: number) => void;
  /** A Clear Tamper Condition token. */
  clearTamper?: () => void;
}

export interface TokenOutcome {
  result: TokenResult;
  fields?: TokenFields;
}

export interface GatewayRecord {
  token: string;
  utcMs: number;
  method: DeliveryMethod;
  result: TokenResult;
}

export class PrepayService {
  readonly config: PrepayConfig;
  private r: PrepayRecord;
  private readonly d: PrepayDeps;
  /** A key change half waiting for its partner (RAM only: both halves are entered in one session). */
  private pendingKey: TokenFields | undefined;
  private lowReported: boolean;
  private friendlyReported = false;
  /** The last token entered (Token Gateway attributes 2..6). */
  last: GatewayRecord | undefined;

  constructor(config: PrepayConfig, deps: PrepayDeps) {
    if (config.tidMemoryDepth < MIN_TID_MEMORY || config.tidMemoryDepth > 255) throw new RangeError(`token-ID memory depth ${MIN_TID_MEMORY}..255`);
    this.config = config;
    this.d = deps;
    this.r = loadRecord(deps.store) ?? {
      keyData: { ...config.keyData, key: config.keyData.key.slice() },
      tids: [],
      creditWh: 0,
      emergencyUsedWh: 0,
      emergencyActive: false,
      energyRefWh: deps.importWh(),
      maxPowerW: undefined,
      tariffRate: 0,
      tokensApplied: 0,
      purchasedWh: 0,
      consumedWh: 0,
      disconnectedForCredit: false,
    };
    this.lowReported = this.available() <= config.lowCreditWh;
    if (this.r.maxPowerW !== undefined) deps.setPowerLimit?.(this.r.maxPowerW);
  }

  /** A copy of the persisted state (tests, status). */
  get record(): PrepayRecord {
    return copyRecord(this.r);
  }

  get creditWh(): number {
    return this.r.creditWh;
  }

  /** Debt to clear before token credit counts again: friendly-period use beyond credit plus emergency credit taken, Wh. */
  amountToClear(): number {
    return Math.max(0, -this.r.creditWh) + this.r.emergencyUsedWh;
  }

  get emergencyActive(): boolean {
    return this.r.emergencyActive;
  }

  get tariffRate(): number {
    return this.r.tariffRate;
  }

  get consumedWh(): number {
    return this.r.consumedWh;
  }

  /** The low-credit threshold, Wh (class 111 attribute 16 writes it; RAM until the settings store persists written attributes). */
  setLowCredit(wh: number): boolean {
    if (!Number.isInteger(wh) || wh < 0 || wh > this.config.maxCreditWh) return false;
    this.config.lowCreditWh = wh;
    return true;
  }

  /** Credit the customer can still use, Wh: token credit plus emergency credit left when invoked. */
  available(): number {
    const r = this.r;
    return r.creditWh + (r.emergencyActive ? this.config.emergencyCreditWh - r.emergencyUsedWh : 0);
  }

  get exhausted(): boolean {
    return this.available() <= 0;
  }

  get keyData(): KeyData {
    return { ...this.r.keyData, key: this.r.keyData.key.slice() };
  }

  private log(code: number, value?: number): void {
    this.d.events.record({ log: "prepayment", code, utcMs: this.d.nowUtc(), value });
  }

  private save(r: PrepayRecord): void {
    // Commit first: only a committed record becomes the meter's state.
    saveRecord(this.d.store, r);
    this.r = r;
  }

  /** Commits a copy of the state with `change`, then logs the event it makes. */
  private commit(change: Partial<PrepayRecord>, event: number, value?: number): void {
    this.save({ ...copyRecord(this.r), ...change });
    this.log(event, value);
  }

  /** Writes the current state (the meter's periodic and power-fail persistence). */
  persist(): void {
    this.account();
    saveRecord(this.d.store, this.r);
  }

  /** Brings the credit up to the metrology's energy (RAM only; persisted with the next save). */
  private account(): void {
    const r = this.r;
    const e = this.d.importWh();
    const delta = e - r.energyRefWh;
    r.energyRefWh = e;
    if (!(delta > 0)) return;
    r.consumedWh += delta;
    let rest = delta;
    if (r.creditWh > 0) {
      const take = Math.min(r.creditWh, rest);
      r.creditWh -= take;
      rest -= take;
    }
    if (rest > 0 && r.emergencyActive) {
      const take = Math.min(this.config.emergencyCreditWh - r.emergencyUsedWh, rest);
      r.emergencyUsedWh += take;
      rest -= take;
    }
    // Energy beyond all credit (friendly period, or a relay that did not open) is debt, repaid by the next token.
    if (rest > 0) r.creditWh -= rest;
  }

  /** Enters one token (DLMS Token Gateway, keypad): the result is also logged and kept for the gateway. */
  enterToken(text: string, method: DeliveryMethod): TokenOutcome {
    const out = this.enter(text);
    const tid = out.fields && out.fields.kind === "value" ? out.fields.tid : undefined;
    this.log(PrepayEvent.tokenBase + out.result, tid);
    this.last = { token: text, utcMs: this.d.nowUtc(), method, result: out.result };
    if (out.result === TokenResult.accepted) this.tick();
    return out;
  }

  private enter(text: string): TokenOutcome {
    const d = decodeToken(text, this.r.keyData.key, this.d.sta);
    if (!d.ok) return { result: d.result };
    const f = d.fields;
    if (f.kind !== "value") return this.keyChange(f);
    const r = this.r;
    if (f.tokenClass === TokenClass.transfer && f.subclass !== TransferSubclass.electricity) return { result: TokenResult.invalidSubclass, fields: f };
    if (f.tid >>> 16 > r.keyData.ken) return { result: TokenResult.keyExpired, fields: f };
    if (f.tokenClass === TokenClass.transfer && r.keyData.kt === 0) return { result: TokenResult.keyTypeNotAllowed, fields: f };
    if (r.tids.indexOf(f.tid) >= 0) return { result: TokenResult.used, fields: f };
    if (r.tids.length >= this.config.tidMemoryDepth && f.tid < r.tids[0]) return { result: TokenResult.old, fields: f };
    if (f.tokenClass === TokenClass.management && f.subclass === ManagementSubclass.clearCredit && f.value !== 0 && f.value !== 0xffff) {
      return { result: TokenResult.invalidSubclass, fields: f };
    }

    this.account();
    const next = copyRecord(this.r);
    // A management token's event (and what it drives) follows the committed record.
    let event = 0;
    let value: number | undefined;
    if (f.tokenClass === TokenClass.transfer) {
      const wh = decodeAmount(f.value) * 100;
      if (next.creditWh + wh > this.config.maxCreditWh) return { result: TokenResult.overflow, fields: f };
      next.creditWh += wh;
      next.purchasedWh += wh;
      next.tokensApplied++;
      // Emergency credit taken is repaid first.
      const repay = Math.min(next.emergencyUsedWh, Math.max(0, next.creditWh));
      next.creditWh -= repay;
      next.emergencyUsedWh -= repay;
      if (next.emergencyUsedWh === 0) next.emergencyActive = false;
    } else if (f.subclass === ManagementSubclass.setMaximumPowerLimit) {
      value = next.maxPowerW = decodeAmount(f.value);
      event = PrepayEvent.maxPowerLimitSet;
    } else if (f.subclass === ManagementSubclass.clearCredit) {
      next.creditWh = 0;
      next.emergencyUsedWh = 0;
      next.emergencyActive = false;
      event = PrepayEvent.creditCleared;
      value = f.value;
    } else if (f.subclass === ManagementSubclass.setTariffRate) {
      next.tariffRate = value = f.value;
      event = PrepayEvent.tariffRateSet;
    } else if (f.subclass === ManagementSubclass.clearTamper) {
      event = PrepayEvent.tamperCleared;
    }
    next.tids = insertTid(next.tids, f.tid, this.config.tidMemoryDepth);
    this.save(next);
    if (event === PrepayEvent.maxPowerLimitSet) this.d.setPowerLimit?.(value!);
    else if (event === PrepayEvent.tamperCleared) this.d.clearTamper?.();
    if (event !== 0) this.log(event, value);
    return { result: TokenResult.accepted, fields: f };
  }

  private keyChange(f: TokenFields): TokenOutcome {
    const p = this.pendingKey;
    if (!p || p.kind === f.kind) {
      // First half (or the same half again, which replaces it).
      this.pendingKey = f;
      return { result: TokenResult.keyChangeFirstHalf, fields: f };
    }
    this.pendingKey = undefined;
    const k1 = (f.kind === "keyChange1" ? f : p) as Extract<TokenFields, { kind: "keyChange1" }>;
    const k2 = (f.kind === "keyChange2" ? f : p) as Extract<TokenFields, { kind: "keyChange2" }>;
    const key = new Uint8Array(8);
    key.set(k1.nkho, 0);
    key.set(k2.nklo, 4);
    if (k1.krn === 0) return { result: TokenResult.keyChangeMismatch, fields: f };
    this.account();
    const next = copyRecord(this.r);
    next.keyData = { key, krn: k1.krn, ti: k2.ti, kt: k1.kt, ken: (k1.kenho << 4) | k2.kenlo };
    // Rollover: the vending side restarted its TIDs (new base date); the old memory would refuse them all.
    if (k1.ro) next.tids = [];
    this.save(next);
    this.log(PrepayEvent.keyChanged, k1.krn);
    return { result: TokenResult.accepted, fields: f };
  }

  /** The customer invokes emergency credit (keypad, Credit object method invoke_credit): only once low. */
  activateEmergency(): boolean {
    this.account();
    const r = this.r;
    if (this.config.emergencyCreditWh <= 0 || r.emergencyActive || this.available() > this.config.lowCreditWh) return false;
    this.commit({ emergencyActive: true }, PrepayEvent.emergencyCreditActivated, this.config.emergencyCreditWh);
    this.tick();
    return true;
  }

  /** Periodic: account consumption, report thresholds, drive the relay. */
  tick(): void {
    this.account();
    const avail = this.available();
    const now = this.d.nowUtc();
    if (avail <= this.config.lowCreditWh && !this.lowReported) {
      this.lowReported = true;
      this.log(PrepayEvent.lowCredit, Math.max(0, Math.floor(avail)));
    } else if (avail > this.config.lowCreditWh) this.lowReported = false;

    const relay = this.d.relay;
    if (avail <= 0) {
      if (relay.controlState !== ControlState.connected) return;
      if (this.d.isFriendly(now)) {
        if (!this.friendlyReported) this.log(PrepayEvent.exhaustionInFriendlyPeriod);
        this.friendlyReported = true;
        return;
      }
      this.friendlyReported = false;
      const out = relay.trigger("localDisconnect");
      if (out.kind === "transition") {
        this.commit({ disconnectedForCredit: true }, PrepayEvent.creditExhausted);
      }
      return;
    }
    this.friendlyReported = false;
    if (!this.r.disconnectedForCredit) return;
    // Credit is back: close the relay where the mode lets the meter reconnect (5, 6); otherwise it waits for the customer's button.
    if (relay.controlState === ControlState.readyForReconnection) relay.trigger("localReconnect");
    if (relay.controlState !== ControlState.readyForReconnection) {
      this.commit({ disconnectedForCredit: false }, PrepayEvent.creditRestored, Math.floor(avail));
    }
  }
}

/** Adds a TID to the ascending memory, dropping the oldest beyond `depth`. */
function insertTid(tids: readonly number[], tid: number, depth: number): number[] {
  const out = tids.slice();
  let i = out.length;
  while (i > 0 && out[i - 1] > tid) i--;
  out.splice(i, 0, tid);
  while (out.length > depth) out.shift();
  return out;
}
