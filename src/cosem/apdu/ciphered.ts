import { readLength, writeLength } from "../axdr.js";
import { ByteReader, ByteWriter, readU32 } from "../../util/bytes.js";
import { DecodeError } from "../../util/errors.js";

/**
 * Ciphered APDU envelopes (Green Book 9.5): service-specific glo- and ded-
 * ciphering (tag, length, security header, ciphered content) and the general
 * glo-/ded-ciphering forms that also carry the sender's system title. The
 * envelope is only framing: opening it is src/cosem/security's job.
 */
export const GENERAL_GLO_CIPHERING = 0xdb;
export const GENERAL_DED_CIPHERING = 0xdc;

/** The plain tag each ciphered tag protects (glo- and ded- alike). */
const PLAIN_OF: Record<number, number> = Object.freeze({
  0x21: 0x01, 0x28: 0x08, 0x2e: 0x0e, 0xc8: 0xc0, 0xc9: 0xc1, 0xca: 0xc2, 0xcb: 0xc3, 0xcc: 0xc4, 0xcd: 0xc5, 0xcf: 0xc7,
  0x41: 0x01, 0x48: 0x08, 0x4e: 0x0e, 0xd0: 0xc0, 0xd1: 0xc1, 0xd2: 0xc2, 0xd3: 0xc3, 0xd4: 0xc4, 0xd5: 0xc5, 0xd7: 0xc7,
});

export interface CipheredApdu {
  type: "ciphered";
  /** The ciphered tag (glo- or ded-). */
  tag: number;
  dedicated: boolean;
  securityControl: number;
  invocationCounter: number;
  /** Ciphertext (or plaintext when only authenticated) followed by the tag, if any. */
  content: Uint8Array;
}

export interface GeneralCipheredApdu {
  type: "general-glo-ciphering" | "general-ded-ciphering";
  /** Empty when the sender left it out (the association's title applies). */
  systemTitle: Uint8Array;
  securityControl: number;
  invocationCounter: number;
  content: Uint8Array;
}

export function isServiceCipheredTag(tag: number): boolean {
  return PLAIN_OF[tag] !== undefined;
}

function isDedicatedTag(tag: number): boolean {
  return tag >= 0x41 && tag <= 0x4e ? true : tag >= 0xd0 && tag <= 0xd7;
}

export function plainTagOf(cipheredTag: number): number | undefined {
  return PLAIN_OF[cipheredTag];
}

/** Reverse of PLAIN_OF, built once: sealing runs for every ciphered response. */
const GLO_OF: Record<number, number> = {};
const DED_OF: Record<number, number> = {};
const keys = Object.keys(PLAIN_OF);
for (let i = 0; i < keys.length; i++) {
  const k = keys[i];
  const t = Number(k);
  if (isDedicatedTag(t)) DED_OF[PLAIN_OF[t]] = t;
  else GLO_OF[PLAIN_OF[t]] = t;
}
Object.freeze(GLO_OF);
Object.freeze(DED_OF);

/** The glo- or ded- tag that protects a plain tag. */
export function cipheredTagOf(plainTag: number, dedicated: boolean): number | undefined {
  return dedicated ? DED_OF[plainTag] : GLO_OF[plainTag];
}

/**
 * Reads an envelope, or null (nothing consumed) when the tag is none. Built
 * as one object with no intermediate header object or spread: every ciphered
 * request (and, in the client, response) goes through here.
 */
export function readCiphered(r: ByteReader): CipheredApdu | GeneralCipheredApdu | null {
  const at = r.pos;
  const tag = r.u8("APDU tag");
  const general = tag === GENERAL_GLO_CIPHERING || tag === GENERAL_DED_CIPHERING;
  if (!general && !isServiceCipheredTag(tag)) {
    r.pos = at;
    return null;
  }
  const systemTitle = general ? r.bytes(readLength(r), "system-title").slice() : undefined;
  const what = general ? (tag === GENERAL_GLO_CIPHERING ? "general-glo-ciphering" : "general-ded-ciphering") : "ciphered APDU";
  const lengthAt = r.pos;
  const len = readLength(r);
  if (len < 5) throw new DecodeError("bad-length", `${what}: ${len} bytes cannot hold a security header`, lengthAt);
  // The security header (Green Book 9.2.7.2.4): security control byte, then the 4-byte invocation counter.
  const body = r.bytes(len, what);
  const securityControl = body[0];
  const invocationCounter = readU32(body, 1);
  const content = body.slice(5);
  if (!general) return { type: "ciphered", tag, dedicated: isDedicatedTag(tag), securityControl, invocationCounter, content };
  return { type: what as GeneralCipheredApdu["type"], systemTitle: systemTitle as Uint8Array, securityControl, invocationCounter, content };
}

export function writeCiphered(w: ByteWriter, a: CipheredApdu | GeneralCipheredApdu): void {
  if (a.type === "ciphered") w.u8(a.tag);
  else {
    w.u8(a.type === "general-glo-ciphering" ? GENERAL_GLO_CIPHERING : GENERAL_DED_CIPHERING);
    writeLength(w, a.systemTitle.length);
    w.bytes(a.systemTitle);
  }
  writeLength(w, 5 + a.content.length);
  w.u8(a.securityControl).u32(a.invocationCounter);
  w.bytes(a.content);
}
