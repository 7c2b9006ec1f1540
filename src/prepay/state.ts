/**
 * Everything prepayment must keep across a power cut, in ONE record of the
 * KeyValueStore: the decoder key and its key data, the token-ID memory, the
 * credit registers and the energy reading they are accounted up to. One
 * record means one put per token: a cut before the put leaves the token
 * unapplied and its TID unused (re-entering it applies it), a cut after
 * leaves it applied and its TID used (re-entering it is "Used"), so credit
 * is applied exactly once; the two halves of a key change land in the same
 * single put, so the key, its revision, tariff index and expiry change
 * together or not at all. The store's own contract (src/persistence.ts)
 * gives the rest: no torn record, never an older one after a newer.
 */
import type { KeyValueStore } from "../persistence.js";

export const KEY_PREPAY = "pp.state";
const VERSION = 1;

export interface KeyData {
  /** 8 bytes, most significant first. */
  key: Uint8Array;
  /** Key revision number 1..15. */
  krn: number;
  /** Tariff index 0..255. */
  ti: number;
  /** Key type 0..3 (0 = default key, DDTK). */
  kt: number;
  /** Key expiry number: tokens with TID >> 16 above it are refused. */
  ken: number;
}

export interface PrepayRecord {
  keyData: KeyData;
  /** Token-ID memory: TIDs of applied tokens, ascending, at most the configured depth. */
  tids: number[];
  /** Token credit, Wh; negative only through use in friendly periods (debt). */
  creditWh: number;
  /** Emergency credit taken, Wh (repaid from the next token). */
  emergencyUsedWh: number;
  emergencyActive: boolean;
  /** Metrology import energy (Wh) the registers above are accounted up to. */
  energyRefWh: number;
  /** Set by a Set Maximum Power Limit token, W (0 is a limit too); undefined = none received. */
  maxPowerW: number | undefined;
  /** Set by a Set Tariff Rate token (raw 16-bit rate). */
  tariffRate: number;
  /** Credit tokens applied (credit total purchased in Wh is kept alongside). */
  tokensApplied: number;
  purchasedWh: number;
  /** Energy charged against credit since the record began, Wh (class 113 total_amount_paid). */
  consumedWh: number;
  /** The relay was opened by credit exhaustion (so credit may close it again). */
  disconnectedForCredit: boolean;
}

/** Stored for "no power limit token received" (a token carries at most 18201624 W). */
const NO_LIMIT = 0xffffffff;
const FIXED = 1 + 1 + 4 + 8 + 8 * 5 + 4 + 2 + 4 + 1;

export function encodeRecord(r: PrepayRecord): Uint8Array {
  const out = new Uint8Array(FIXED + r.tids.length * 3);
  const v = new DataView(out.buffer);
  out[0] = VERSION;
  out[1] = (r.emergencyActive ? 1 : 0) | (r.disconnectedForCredit ? 2 : 0);
  out[2] = r.keyData.krn;
  out[3] = r.keyData.ti;
  out[4] = r.keyData.kt;
  out[5] = r.keyData.ken;
  out.set(r.keyData.key, 6);
  // The five registers as float64 at 14..53, in the order decodeRecord reads them.
  v.setFloat64(14, r.creditWh);
  v.setFloat64(22, r.emergencyUsedWh);
  v.setFloat64(30, r.energyRefWh);
  v.setFloat64(38, r.purchasedWh);
  v.setFloat64(46, r.consumedWh);
  let o = 54;
  v.setUint32(o, r.maxPowerW === undefined ? NO_LIMIT : r.maxPowerW >>> 0);
  v.setUint16(o + 4, r.tariffRate & 0xffff);
  v.setUint32(o + 6, r.tokensApplied >>> 0);
  out[o + 10] = r.tids.length;
  o += 11;
  for (let j = 0; j < r.tids.length; j++) {
    const t = r.tids[j];
    out[o++] = t >>> 16;
    out[o++] = (t >>> 8) & 0xff;
    out[o++] = t & 0xff;
  }
  return out;
}

/** The stored record, or undefined when absent or not one of ours (bad bytes read as absent). */
export function decodeRecord(b: Uint8Array | undefined): PrepayRecord | undefined {
  if (!b || b.length < FIXED || b[0] !== VERSION) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let o = 14;
  const f: number[] = [];
  for (let i = 0; i < 5; i++, o += 8) f.push(v.getFloat64(o));
  const n = b[o + 10];
  if (b.length !== FIXED + n * 3) return undefined;
  if (!f.every((x) => Number.isFinite(x)) || f[1] < 0 || f[2] < 0 || f[3] < 0 || f[4] < 0) return undefined;
  const tids: number[] = [];
  for (let i = 0, p = o + 11; i < n; i++, p += 3) tids.push((b[p] << 16) | (b[p + 1] << 8) | b[p + 2]);
  return {
    keyData: { key: b.slice(6, 14), krn: b[2], ti: b[3], kt: b[4], ken: b[5] },
    tids,
    creditWh: f[0],
    emergencyUsedWh: f[1],
    energyRefWh: f[2],
    purchasedWh: f[3],
    consumedWh: f[4],
    emergencyActive: (b[1] & 1) !== 0,
    disconnectedForCredit: (b[1] & 2) !== 0,
    maxPowerW: v.getUint32(o) === NO_LIMIT ? undefined : v.getUint32(o),
    tariffRate: v.getUint16(o + 4),
    tokensApplied: v.getUint32(o + 6),
  };
}

export function loadRecord(store: KeyValueStore): PrepayRecord | undefined {
  return decodeRecord(store.get(KEY_PREPAY));
}

export function saveRecord(store: KeyValueStore, r: PrepayRecord): void {
  store.put(KEY_PREPAY, encodeRecord(r));
}

export function copyRecord(r: PrepayRecord): PrepayRecord {
  return { ...r, keyData: { ...r.keyData, key: r.keyData.key.slice() }, tids: r.tids.slice() };
}
