/**
 * The STS token as numbers (IEC 62055-41; the steps and their sources are
 * in ../shared/vectors/sts/STS-NOTES.md):
 *   20 decimal digits <-> 66-bit value (must be < 2^66)
 *   66-bit value <-> class (2 bits) + 64-bit encrypted block: the class sits
 *     in bits 28..27, the block's own bits 28..27 moved to bits 65..64
 *   64-bit data block: subclass(4) rnd(4) tid(24) value(16) crc(16), or the
 *     key change layouts; CRC-16/MODBUS over class + the 48 bits above the
 *     CRC (7 bytes, right-aligned), stored byte-swapped.
 * Everything here is total: malformed input gives a typed rejection, never
 * an exception. Blocks are 8-byte arrays, most significant byte first.
 */

const TOKEN_DIGITS = 20;

/** The 66-bit token value as class bits + 64-bit encrypted block (the transposition undone). */
export interface TransposedToken {
  readonly tokenClass: number;
  readonly block: Uint8Array;
}

/**
 * Parses 20 digits (dashes and spaces between groups allowed) into the class
 * and the encrypted block; undefined for anything else, including values of
 * 2^66 or more.
 */
export function parseTokenDigits(text: string): TransposedToken | undefined {
  // 80 bits in five 16-bit limbs, least significant first.
  const limbs = [0, 0, 0, 0, 0];
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 45 || ch === 32) continue;
    if (ch < 48 || ch > 57 || ++digits > TOKEN_DIGITS) return undefined;
    let carry = ch - 48;
    for (let k = 0; k < 5; k++) {
      const v = limbs[k] * 10 + carry;
      limbs[k] = v & 0xffff;
      carry = Math.floor(v / 65536);
    }
  }
  if (digits !== TOKEN_DIGITS || limbs[4] > 3) return undefined;
  const t66 = new Uint8Array(9);
  t66[0] = limbs[4];
  for (let k = 0; k < 4; k++) {
    t66[1 + 2 * k] = limbs[3 - k] >>> 8;
    t66[2 + 2 * k] = limbs[3 - k] & 0xff;
  }
  return untranspose(t66);
}

/** Bit `n` (0 = lsb) of a big-endian byte array. */
function bit(bytes: Uint8Array, n: number): number {
  return (bytes[bytes.length - 1 - (n >> 3)] >> (n & 7)) & 1;
}

function setBit(bytes: Uint8Array, n: number, v: number): void {
  const i = bytes.length - 1 - (n >> 3);
  const m = 1 << (n & 7);
  bytes[i] = v ? bytes[i] | m : bytes[i] & ~m;
}

/** 9 bytes holding the 66-bit value -> class + block. */
function untranspose(t66: Uint8Array): TransposedToken {
  const tokenClass = (bit(t66, 28) << 1) | bit(t66, 27);
  const block = t66.slice(1);
  setBit(block, 28, bit(t66, 65));
  setBit(block, 27, bit(t66, 64));
  return { tokenClass, block };
}

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

/** CRC-16/MODBUS register (0xA001 reflected, init 0xFFFF, no final XOR). */
function crc16Modbus(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= bytes[i];
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

/** The CRC as the block stores it (register byte-swapped) for a class and the 6 bytes above the CRC. */
export function blockCrc(tokenClass: number, block: Uint8Array): number {
  const input = new Uint8Array(7);
  input[0] = tokenClass & 3;
  input.set(block.subarray(0, 6), 1);
  const reg = crc16Modbus(input);
  return ((reg & 0xff) << 8) | (reg >>> 8);
}

export function crcOk(tokenClass: number, block: Uint8Array): boolean {
  return blockCrc(tokenClass, block) === ((block[6] << 8) | block[7]);
}

// --- amounts -----------------------------------------------------------------

const OFFSETS = Object.freeze([0, 16384, 180224, 1818624]);
const STEPS = Object.freeze([1, 10, 100, 1000]);
/** Largest transfer amount a token can carry (in 0.1 units), and the largest MPL (W). */
export const MAX_AMOUNT = 18201624;

/** 16-bit amount field -> value in 0.1 kWh (or W for the power limit). */
export function decodeAmount(field: number): number {
  const e = (field >>> 14) & 3;
  return OFFSETS[e] + (field & 0x3fff) * STEPS[e];
}

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

// --- fields ------------------------------------------------------------------

export const TokenClass = Object.freeze({ transfer: 0, initiate: 1, management: 2, reserved: 3 } as const);
/** Class 0 subclasses. */
export const TransferSubclass = Object.freeze({ electricity: 0, water: 1, gas: 2, time: 3, electricityCurrency: 4, waterCurrency: 5, gasCurrency: 6, timeCurrency: 7 } as const);
/** Class 2 subclasses. */
export const ManagementSubclass = Object.freeze({ setMaximumPowerLimit: 0, clearCredit: 1, setTariffRate: 2, keyChange1: 3, keyChange2: 4, clearTamper: 5 } as const);

/**
 * TID: minutes since the base date (24 bits). The original base date
 * 1993-01-01 ran out in November 2024 (2^24 minutes); the STS TID rollover
 * moved to base 2014-01-01, with key change tokens carrying the rollover
 * flag (RO), which also clears the token-ID memory. The meter compares TIDs
 * only with each other, so only the vending side needs the base date.
 */
export const TID_BASE_1993 = Date.UTC(1993, 0, 1);
export const TID_BASE_2014 = Date.UTC(2014, 0, 1);

export type TokenFields =
  | { kind: "value"; tokenClass: number; subclass: number; rnd: number; tid: number; value: number }
  | { kind: "keyChange1"; tokenClass: 2; subclass: 3; kenho: number; krn: number; ro: number; res: number; kt: number; nkho: Uint8Array }
  | { kind: "keyChange2"; tokenClass: 2; subclass: 4; kenlo: number; ti: number; nklo: Uint8Array };

/** Fields of a decrypted block by class and subclass (the CRC is checked elsewhere). */
export function blockFields(tokenClass: number, b: Uint8Array): TokenFields {
  const subclass = b[0] >>> 4;
  if (tokenClass === TokenClass.management && subclass === ManagementSubclass.keyChange1) {
    return { kind: "keyChange1", tokenClass: 2, subclass: 3, kenho: b[0] & 15, krn: b[1] >>> 4, ro: (b[1] >>> 3) & 1, res: (b[1] >>> 2) & 1, kt: b[1] & 3, nkho: b.slice(2, 6) };
  }
  if (tokenClass === TokenClass.management && subclass === ManagementSubclass.keyChange2) {
    return { kind: "keyChange2", tokenClass: 2, subclass: 4, kenlo: b[0] & 15, ti: b[1], nklo: b.slice(2, 6) };
  }
  return { kind: "value", tokenClass, subclass, rnd: b[0] & 15, tid: (b[1] << 16) | (b[2] << 8) | b[3], value: (b[4] << 8) | b[5] };
}

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
