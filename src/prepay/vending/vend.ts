/**
 * The vending side: fields -> plaintext block -> EA07 encryption ->
 * transposition -> 20 digits. Used by the host tool (`npm run sts -- vend`),
 * the simulator's test vending inputs and the tests; a meter never encodes.
 * Refuses what no valid token can carry (amount above 1820162.4 kWh: an
 * issuer that lets the exponent wrap issues a token worth almost nothing,
 * vector N12).
 */
import type { Sta } from "../sta.js";
import type { TokenFields } from "../token.js";
import { MAX_AMOUNT, TID_BASE_2014, buildBlock, encodeAmount, tokenDigits, transpose } from "./token-encode.js";

export function encodeToken(fields: TokenFields, key: Uint8Array, sta: Sta): string {
  if (fields.kind === "value") {
    if (!Number.isInteger(fields.tid) || fields.tid < 0 || fields.tid > 0xffffff) throw new RangeError("TID is 24 bits");
    if (!Number.isInteger(fields.value) || fields.value < 0 || fields.value > 0xffff) throw new RangeError("value field is 16 bits");
  }
  const block = buildBlock(fields);
  return tokenDigits(transpose(fields.tokenClass, sta.encrypt(key, block)));
}

/** TID of an issue instant (UTC ms): whole minutes since the base date (2014-01-01 after the 2024 rollover). */
export function tidAt(utcMs: number, baseUtcMs = TID_BASE_2014): number {
  const tid = Math.floor((utcMs - baseUtcMs) / 60000);
  if (tid < 0 || tid > 0xffffff) throw new RangeError("issue time outside the 24-bit TID range of the base date (about 31.9 years)");
  return tid;
}

/** A class 0 electricity credit token for `tenthsKwh` (0.1 kWh steps, rounded up as issuers must). */
export function creditToken(tenthsKwh: number, tid: number, rnd: number, key: Uint8Array, sta: Sta, subclass = 0): string {
  if (!Number.isInteger(tenthsKwh) || tenthsKwh < 0 || tenthsKwh > MAX_AMOUNT) throw new RangeError(`amount must be 0..${MAX_AMOUNT} x 0.1 kWh`);
  const value = encodeAmount(tenthsKwh)!;
  return encodeToken({ kind: "value", tokenClass: 0, subclass, rnd: rnd & 15, tid, value }, key, sta);
}
