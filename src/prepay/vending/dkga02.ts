/**
 * Decoder key generation algorithm 02 (IEC 62055-41, DKGA02): the decoder
 * key of one meter from the vending key (VK) and the meter's identity:
 *   PANblock  16 hex digits from the 18-digit meter PAN: a 6-digit IIN
 *             (600727) gives its last 5 digits + the 11-digit DRN, the
 *             4-digit IIN (0000) its last 3 digits + the 13-digit DRN;
 *   CONTROLblock  key type (1), supply group code (6), tariff index (2),
 *             key revision number (1), FFFFFF;
 *   D = PANblock XOR CONTROLblock;  DK = DES(VK, D) XOR D XOR VK.
 * Checked against ../shared/vectors/sts/ DK-A..DK-D (NectarAPI and an
 * independent Python implementation agree). The vending side uses it; the
 * meter stores its decoder key as a secret and changes it by key change
 * tokens, so this never runs on the meter in service.
 */
import { desEncryptBlock } from "./des.js";

export interface DecoderKeyInputs {
  /** 8 bytes. */
  vendingKey: Uint8Array;
  /** 0..3 (2 = unique key, the usual one). */
  keyType: number;
  /** 6 decimal digits. */
  supplyGroupCode: string;
  /** 0..99. */
  tariffIndex: number;
  /** 1..9. */
  keyRevisionNumber: number;
  /** The 18-digit meter PAN (IIN + DRN + check digit). */
  pan: string;
}

/** Luhn check digit of a digit string (used for the PAN and the DRN). */
export function luhnDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** The 16 hex (decimal) digits of the PAN block, or undefined for a malformed PAN. */
export function panBlock(pan: string): string | undefined {
  if (!/^[0-9]{18}$/.test(pan)) return undefined;
  // IIN minus its first digit, then the DRN: for both IIN lengths this is digits 2..17 of the PAN.
  return pan.slice(1, 17);
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function controlBlock(i: DecoderKeyInputs): string | undefined {
  if (!Number.isInteger(i.keyType) || i.keyType < 0 || i.keyType > 3) return undefined;
  if (!/^[0-9]{6}$/.test(i.supplyGroupCode)) return undefined;
  if (!Number.isInteger(i.tariffIndex) || i.tariffIndex < 0 || i.tariffIndex > 99) return undefined;
  if (!Number.isInteger(i.keyRevisionNumber) || i.keyRevisionNumber < 1 || i.keyRevisionNumber > 9) return undefined;
  return `${i.keyType}${i.supplyGroupCode}${String(i.tariffIndex).padStart(2, "0")}${i.keyRevisionNumber}ffffff`;
}

/** The 8-byte decoder key, most significant byte first; throws RangeError on bad inputs. */
export function dkga02(i: DecoderKeyInputs): Uint8Array {
  const pb = panBlock(i.pan);
  const cb = controlBlock(i);
  if (!pb) throw new RangeError("DKGA02: the meter PAN is 18 decimal digits");
  if (!cb) throw new RangeError("DKGA02: key type 0..3, SGC 6 digits, tariff index 0..99, KRN 1..9");
  if (i.vendingKey.length !== 8) throw new RangeError("DKGA02: the vending key is 8 bytes");
  const a = hexBytes(pb);
  const b = hexBytes(cb);
  const d = new Uint8Array(8);
  for (let k = 0; k < 8; k++) d[k] = a[k] ^ b[k];
  const e = desEncryptBlock(i.vendingKey, d);
  const out = new Uint8Array(8);
  for (let k = 0; k < 8; k++) out[k] = e[k] ^ d[k] ^ i.vendingKey[k];
  return out;
}
