/**
 * EA07, the STS Standard Transfer Algorithm (IEC 62055-41): a 16-round
 * substitution/permutation cipher over a 64-bit block under the 64-bit
 * decoder key. The tables are provisioned data, not code: the production set
 * is licensed by the STS Association to manufacturers and must never be in
 * this repository; the public sample set (sample-tables.ts) is what the
 * tests and the simulator use. Which set a meter runs is decided where the
 * meter is built.
 *
 * Bit 0 is the least significant bit of the block and of the key
 * (../shared/vectors/sts/STS-NOTES.md, step 6; the compliance vectors fix
 * this numbering). Encryption: key' = rotr12(~key); per round substitute
 * each nibble i with table 1 when bit 4i+3 of the round key is 0, else
 * table 2, move bit i to perm[i], rotate the round key left by one.
 * Decryption runs it backwards from the plain key: inverse permutation,
 * inverse substitution chosen by bit 4i (1 = inverse of table 1), rotate the
 * key right by one.
 *
 * Blocks are kept as two unsigned 32-bit halves (no BigInt: it is slow on XS).
 */
import { readU32, writeU32 } from "../util/bytes.js";

export interface StaTables {
  /** Substitution table 1: a permutation of 0..15. */
  readonly sub1: readonly number[];
  /** Substitution table 2: a permutation of 0..15. */
  readonly sub2: readonly number[];
  /** Entry i is where bit i goes: a permutation of 0..63. */
  readonly perm: readonly number[];
}

function isPermutation(t: readonly number[], n: number): boolean {
  if (!Array.isArray(t) || t.length !== n) return false;
  const seen = new Uint8Array(n);
  for (let j = 0; j < t.length; j++) {
    const v = t[j];
    if (!Number.isInteger(v) || v < 0 || v >= n || seen[v]) return false;
    seen[v] = 1;
  }
  return true;
}

/** Checks provisioned tables before a meter relies on them. */
export function validStaTables(t: StaTables): boolean {
  return isPermutation(t.sub1, 16) && isPermutation(t.sub2, 16) && isPermutation(t.perm, 64);
}

function inverse(t: readonly number[]): Uint8Array {
  const out = new Uint8Array(t.length);
  for (let i = 0; i < t.length; i++) out[t[i]] = i;
  return out;
}

function bytesOf(hi: number, lo: number): Uint8Array {
  const out = new Uint8Array(8);
  writeU32(out, 0, hi);
  writeU32(out, 4, lo);
  return out;
}

export class Sta {
  private readonly s1: Uint8Array;
  private readonly s2: Uint8Array;
  private readonly i1: Uint8Array;
  private readonly i2: Uint8Array;
  private readonly perm: Uint8Array;
  private readonly inv: Uint8Array;

  constructor(tables: StaTables) {
    if (!validStaTables(tables)) throw new RangeError("STA tables: substitution tables must permute 0..15 and the permutation 0..63");
    this.s1 = Uint8Array.from(tables.sub1);
    this.s2 = Uint8Array.from(tables.sub2);
    this.i1 = inverse(tables.sub1);
    this.i2 = inverse(tables.sub2);
    this.perm = Uint8Array.from(tables.perm);
    this.inv = inverse(tables.perm);
  }

  /** Encrypts an 8-byte block (most significant byte first) under an 8-byte key. */
  encrypt(key: Uint8Array, block: Uint8Array): Uint8Array {
    // Blocks and keys as [hi, lo] halves, most significant first (no destructuring: bytecode on XS).
    let khi = ~readU32(key, 0) >>> 0;
    let klo = ~readU32(key, 4) >>> 0;
    // rotate right 12
    const rhi = ((khi >>> 12) | (klo << 20)) >>> 0;
    klo = ((klo >>> 12) | (khi << 20)) >>> 0;
    khi = rhi;
    let hi = readU32(block, 0);
    let lo = readU32(block, 4);
    const s1 = this.s1;
    const s2 = this.s2;
    const perm = this.perm;
    for (let round = 0; round < 16; round++) {
      let shi = 0;
      let slo = 0;
      for (let i = 0; i < 8; i++) {
        const sh = 4 * i;
        slo |= ((klo >>> (sh + 3)) & 1 ? s2 : s1)[(lo >>> sh) & 15] << sh;
        shi |= ((khi >>> (sh + 3)) & 1 ? s2 : s1)[(hi >>> sh) & 15] << sh;
      }
      let phi = 0;
      let plo = 0;
      for (let i = 0; i < 64; i++) {
        const bit = i < 32 ? (slo >>> i) & 1 : (shi >>> (i - 32)) & 1;
        if (!bit) continue;
        const to = perm[i];
        if (to < 32) plo |= 1 << to;
        else phi |= 1 << (to - 32);
      }
      hi = phi >>> 0;
      lo = plo >>> 0;
      const nhi = ((khi << 1) | (klo >>> 31)) >>> 0;
      klo = ((klo << 1) | (khi >>> 31)) >>> 0;
      khi = nhi;
    }
    return bytesOf(hi, lo);
  }

  /** Decrypts an 8-byte block under an 8-byte key. */
  decrypt(key: Uint8Array, block: Uint8Array): Uint8Array {
    let khi = readU32(key, 0);
    let klo = readU32(key, 4);
    let hi = readU32(block, 0);
    let lo = readU32(block, 4);
    const i1 = this.i1;
    const i2 = this.i2;
    const inv = this.inv;
    for (let round = 0; round < 16; round++) {
      let phi = 0;
      let plo = 0;
      for (let i = 0; i < 64; i++) {
        const bit = i < 32 ? (lo >>> i) & 1 : (hi >>> (i - 32)) & 1;
        if (!bit) continue;
        const to = inv[i];
        if (to < 32) plo |= 1 << to;
        else phi |= 1 << (to - 32);
      }
      let shi = 0;
      let slo = 0;
      for (let i = 0; i < 8; i++) {
        const sh = 4 * i;
        slo |= ((klo >>> sh) & 1 ? i1 : i2)[(plo >>> sh) & 15] << sh;
        shi |= ((khi >>> sh) & 1 ? i1 : i2)[(phi >>> sh) & 15] << sh;
      }
      hi = shi >>> 0;
      lo = slo >>> 0;
      const nlo = ((klo >>> 1) | (khi << 31)) >>> 0;
      khi = ((khi >>> 1) | (klo << 31)) >>> 0;
      klo = nlo;
    }
    return bytesOf(hi, lo);
  }
}
