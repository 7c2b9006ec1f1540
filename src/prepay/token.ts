/**
 * The STS token as numbers (IEC 62055-41; the steps and their sources are
 * in ../shared/vectors/sts/STS-NOTES.md):
 *   20 decimal digits <-> 66-bit value (must be < 2^66)
 *   66-bit value <-> class (2 bits) + 64-bit encrypted block: the class sits
 *     in bits 28..27, the block's own bits 28..27 moved to bits 65..64
 *   64-bit data block: subclass(4) rnd(4) tid(24) value(16) crc(16), or the
 *     key change layouts; CRC-16/MODBUS over class + the 48 bits above the
 *     CRC (7 bytes, right-aligned), stored byte-swapped.
 * The meter's half (digits -> fields) is here; the vending side's half
 * (fields -> digits), which no device build contains, is in
 * vending/token-encode.ts.
 * Everything here is total: malformed input gives a typed rejection, never
 * an exception. Blocks are 8-byte arrays, most significant byte first.
 */

/** Digits of a token (shared with the vending side's encoder, src/prepay/vending/token-encode.ts). */
export const TOKEN_DIGITS = 20;

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
export function bit(bytes: Uint8Array, n: number): number {
  return (bytes[bytes.length - 1 - (n >> 3)] >> (n & 7)) & 1;
}

export function setBit(bytes: Uint8Array, n: number, v: number): void {
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

export const OFFSETS = Object.freeze([0, 16384, 180224, 1818624]);
export const STEPS = Object.freeze([1, 10, 100, 1000]);

/** 16-bit amount field -> value in 0.1 kWh (or W for the power limit). */
export function decodeAmount(field: number): number {
  const e = (field >>> 14) & 3;
  return OFFSETS[e] + (field & 0x3fff) * STEPS[e];
}

// --- fields ------------------------------------------------------------------

export const TokenClass = Object.freeze({ transfer: 0, initiate: 1, management: 2, reserved: 3 } as const);
/** Class 0 subclasses. */
export const TransferSubclass = Object.freeze({ electricity: 0, water: 1, gas: 2, time: 3, electricityCurrency: 4, waterCurrency: 5, gasCurrency: 6, timeCurrency: 7 } as const);
/** Class 2 subclasses. */
export const ManagementSubclass = Object.freeze({ setMaximumPowerLimit: 0, clearCredit: 1, setTariffRate: 2, keyChange1: 3, keyChange2: 4, clearTamper: 5 } as const);

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
