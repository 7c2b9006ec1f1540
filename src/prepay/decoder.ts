/**
 * From 20 digits to the fields of a token (meter side), or a rejection:
 * range check -> class bits transposed back -> EA07 decryption under the
 * decoder key -> CRC-16 -> fields by class and subclass. No rule about
 * whether the token may be applied (TID memory, key expiry) lives here; see
 * rules.ts.
 */
import { Sta } from "./sta.js";
import { TokenResult } from "./results.js";
import { ManagementSubclass, TokenClass, blockFields, crcOk, parseTokenDigits, type TokenFields } from "./token.js";

export type DecodeOutcome =
  | { ok: true; fields: TokenFields; block: Uint8Array }
  | { ok: false; result: TokenResult };

export function decodeToken(text: string, key: Uint8Array, sta: Sta): DecodeOutcome {
  const t = parseTokenDigits(text);
  if (!t) return { ok: false, result: TokenResult.formatError };
  // Class 1 (initiate meter test/display) is not encrypted and carries no CRC of this form; this meter has no test modes.
  if (t.tokenClass === TokenClass.initiate) return { ok: false, result: TokenResult.invalidClass };
  const block = sta.decrypt(key, t.block);
  // The CRC covers the class, so an altered class (or a wrong key, wrong table set, a mistyped digit) fails here.
  if (!crcOk(t.tokenClass, block)) return { ok: false, result: TokenResult.authenticationError };
  if (t.tokenClass === TokenClass.reserved) return { ok: false, result: TokenResult.invalidClass };
  const fields = blockFields(t.tokenClass, block);
  if (fields.tokenClass === TokenClass.management && fields.subclass > ManagementSubclass.clearTamper) return { ok: false, result: TokenResult.invalidSubclass };
  return { ok: true, fields, block };
}
