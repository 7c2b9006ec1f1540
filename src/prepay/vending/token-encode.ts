/**
 * The vending side's half of the STS token (IEC 62055-41): fields ->
 * plaintext block -> (EA07, vend.ts) -> transposed 66-bit value -> 20
 * digits, amounts -> their 16-bit field, and the TID base dates. The
 * meter only decodes (../token.ts); this half lives here, outside every
 * device build (issue 13: bytecode), beside the encoder that uses it.
 */
import { OFFSETS, STEPS, TOKEN_DIGITS, bit, blockCrc, setBit, type TokenFields } from "../token.js";

/** Class + encrypted block -> the 66-bit value in 9 bytes (bits 71..66 zero). */
export function transpose(tokenClass: number, block: Uint8Array): Uint8Array {
  const t66 = new Uint8Array(9);
  t66.set(block, 1);
  setBit(t66, 65, bit(block, 28));
  setBit(t66, 64, bit(block, 27));
  setBit(t66, 28, (tokenClass >> 1) & 1);
  setBit(t66, 27, tokenClass & 1);
  return t66;
}

/** The 66-bit value (9 bytes) as 20 zero-padded decimal digits. */
export function tokenDigits(t66: Uint8Array): string {
  const limbs: number[] = [];
  for (let k = 0; k < 9; k += 1) limbs.push(t66[k]);
  let out = "";
  for (let d = 0; d < TOKEN_DIGITS; d++) {
    let rem = 0;
    for (let k = 0; k < limbs.length; k++) {
      const v = rem * 256 + limbs[k];
      limbs[k] = Math.floor(v / 10);
      rem = v % 10;
    }
    out = String(rem) + out;
  }
  return out;
}

/** 4-digit groups for display and printing. */
export function groupDigits(digits: string): string {
  return digits.replace(/(\d{4})(?=\d)/g, "$1-");
}

/** Largest transfer amount a token can carry (in 0.1 units), and the largest MPL (W). */
export const MAX_AMOUNT = 18201624;
/** Value -> 16-bit field, rounded up to the next representable value; undefined above MAX_AMOUNT or negative. */
export function encodeAmount(value: number): number | undefined {
  if (!Number.isInteger(value) || value < 0 || value > MAX_AMOUNT) return undefined;
  for (let e = 0; e < 4; e++) {
    const max = OFFSETS[e] + 16383 * STEPS[e];
    if (value > max) continue;
    const m = value <= OFFSETS[e] ? 0 : Math.ceil((value - OFFSETS[e]) / STEPS[e]);
    return (e << 14) | m;
  }
  return undefined;
}

/**
 * TID: minutes since the base date (24 bits). The original base date
 * 1993-01-01 ran out in November 2024 (2^24 minutes); the STS TID rollover
 * moved to base 2014-01-01, with key change tokens carrying the rollover
 * flag (RO), which also clears the token-ID memory. The meter compares TIDs
 * only with each other, so only the vending side needs the base date.
 */
export const TID_BASE_1993 = Date.UTC(1993, 0, 1);
export const TID_BASE_2014 = Date.UTC(2014, 0, 1);

/** Builds the plaintext block (CRC included) for the vending side. */
export function buildBlock(f: TokenFields): Uint8Array {
  const b = new Uint8Array(8);
  if (f.kind === "keyChange1") {
    b[0] = (3 << 4) | (f.kenho & 15);
    b[1] = ((f.krn & 15) << 4) | ((f.ro & 1) << 3) | ((f.res & 1) << 2) | (f.kt & 3);
    b.set(f.nkho.subarray(0, 4), 2);
  } else if (f.kind === "keyChange2") {
    b[0] = (4 << 4) | (f.kenlo & 15);
    b[1] = f.ti & 0xff;
    b.set(f.nklo.subarray(0, 4), 2);
  } else {
    b[0] = ((f.subclass & 15) << 4) | (f.rnd & 15);
    b[1] = (f.tid >>> 16) & 0xff;
    b[2] = (f.tid >>> 8) & 0xff;
    b[3] = f.tid & 0xff;
    b[4] = (f.value >>> 8) & 0xff;
    b[5] = f.value & 0xff;
  }
  const crc = blockCrc(f.tokenClass, b);
  b[6] = crc >>> 8;
  b[7] = crc & 0xff;
  return b;
}
