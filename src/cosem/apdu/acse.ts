import { ByteWriter, bytesEqual } from "../../util/bytes.js";
import { DecodeError } from "../../util/errors.js";
import { readOnly, readSmallInteger, readTlvs, tlv, writeTlv } from "./ber.js";

/**
 * ACSE APDUs (IEC 62056-5-3 / Green Book 9.4, BER): AARQ, AARE, RLRQ, RLRE.
 * The xDLMS APDU in user-information is kept as bytes (plain InitiateRequest
 * or a ciphered glo-/ded-initiate): the association layer decides how to
 * open it, so this codec stays independent of keys. Fields are encoded in
 * tag order, which is the order every peer (and the vectors) use.
 * The code is the meter's direction (AARQ and RLRQ read, AARE and RLRE
 * written); the client's is in src/cosem/client/client-apdu.ts, out of the
 * device build.
 */
export const AcseTag = Object.freeze({ aarq: 0x60, aare: 0x61, rlrq: 0x62, rlre: 0x63 } as const);

/** Application context names, last arc of 2.16.756.5.8.1.x. */
export const ApplicationContext = Object.freeze({ ln: 1, sn: 2, lnCiphered: 3, snCiphered: 4 } as const);

/** Authentication mechanism names, last arc of 2.16.756.5.8.2.x. */
export const Mechanism = Object.freeze({ none: 0, lls: 1, hls: 2, hlsMd5: 3, hlsSha1: 4, hlsGmac: 5, hlsSha256: 6, hlsEcdsa: 7 } as const);

export const AssociationResult = Object.freeze({ accepted: 0, rejectedPermanent: 1, rejectedTransient: 2 } as const);

/** acse-service-user diagnostics. */
export const AcseDiagnostic = Object.freeze({
  null: 0,
  noReasonGiven: 1,
  applicationContextNameNotSupported: 2,
  callingApTitleNotRecognized: 3,
  authenticationMechanismNameNotRecognised: 11,
  authenticationMechanismNameRequired: 12,
  authenticationFailure: 13,
  authenticationRequired: 14,
} as const);

export const CONTEXT_PREFIX = Uint8Array.of(0x60, 0x85, 0x74, 0x05, 0x08, 0x01);
export const MECHANISM_PREFIX = Uint8Array.of(0x60, 0x85, 0x74, 0x05, 0x08, 0x02);

export interface Aarq {
  type: "aarq";
  /** Present only when the peer sent protocol-version (bit string contents). */
  protocolVersion?: Uint8Array;
  applicationContext: number;
  callingApTitle?: Uint8Array;
  /** calling-AE-qualifier: the client's signing certificate in HLS-ECDSA. */
  callingAeQualifier?: Uint8Array;
  /** sender-acse-requirements: true when the authentication functional unit is selected. */
  authenticationRequested: boolean;
  mechanism?: number;
  /** LLS password or HLS challenge CtoS. */
  authenticationValue?: Uint8Array;
  /** The xDLMS APDU of user-information (InitiateRequest or its ciphered form). */
  userInformation?: Uint8Array;
}

export interface Aare {
  type: "aare";
  protocolVersion?: Uint8Array;
  applicationContext: number;
  result: number;
  /** 1 acse-service-user, 2 acse-service-provider. */
  diagnosticSource: number;
  diagnostic: number;
  respondingApTitle?: Uint8Array;
  respondingAeQualifier?: Uint8Array;
  authenticationRequested: boolean;
  mechanism?: number;
  /** HLS challenge StoC. */
  authenticationValue?: Uint8Array;
  /** InitiateResponse, ConfirmedServiceError or their ciphered forms. */
  userInformation?: Uint8Array;
}

export interface Rlrq {
  type: "rlrq";
  reason?: number;
  userInformation?: Uint8Array;
}

export interface Rlre {
  type: "rlre";
  reason?: number;
  userInformation?: Uint8Array;
}

export type AcseApdu = Aarq | Aare | Rlrq | Rlre;

function oidArc(value: Uint8Array, prefix: Uint8Array, what: string): number {
  if (value.length !== 7 || !bytesEqual(value.subarray(0, 6), prefix)) throw new DecodeError("bad-value", `${what} is not a DLMS UA name`);
  return value[6];
}

export function oid(prefix: Uint8Array, arc: number): Uint8Array {
  const out = new Uint8Array(7);
  out.set(prefix);
  out[6] = arc;
  return out;
}

function acseRequirements(value: Uint8Array): boolean {
  // BIT STRING: unused-bits octet, then the bits; bit 0 = authentication.
  if (value.length < 2) throw new DecodeError("bad-value", "acse-requirements needs 2 octets");
  return (value[1] & 0x80) !== 0;
}

function apTitle(value: Uint8Array): Uint8Array {
  return readOnly(value, 0x04, "AP-title").slice();
}

/**
 * How one ACSE field is read into the APDU being decoded: most fields are
 * one value stored under one key (`field`); a few (AARE's
 * result-source-diagnostic) fill several. `null` marks a field DLMS peers
 * may send and the codec tolerates without keeping.
 */
export type AcseFieldReader<T> = ((out: T, value: Uint8Array, at: number) => void) | null;

/** A field of one value, kept under `key`. */
export function field<T, K extends keyof T>(key: K, read: (value: Uint8Array, at: number) => T[K]): AcseFieldReader<T> {
  return (out, value, at) => {
    out[key] = read(value, at);
  };
}

/** The readers of the fields every ACSE APDU names alike, by what they hold (each APDU puts them at its own tag). */
export const AcseField = Object.freeze({
  bytes: (value: Uint8Array): Uint8Array => value.slice(),
  applicationContext: (value: Uint8Array): number =>
    oidArc(readOnly(value, 0x06, "application-context-name"), CONTEXT_PREFIX, "application-context-name"),
  apTitle,
  /** calling- or responding-AE-qualifier, named in its errors. */
  aeQualifier:
    (what: string) =>
    (value: Uint8Array): Uint8Array =>
      readOnly(value, 0x04, what).slice(),
  acseRequirements,
  mechanism: (value: Uint8Array): number => oidArc(value, MECHANISM_PREFIX, "mechanism-name"),
  // Authentication-value CHOICE: charstring [0] (GraphicString) is what DLMS uses.
  authenticationValue: (value: Uint8Array): Uint8Array => readOnly(value, 0x80, "authentication-value").slice(),
  userInformation: (value: Uint8Array): Uint8Array => readOnly(value, 0x04, "user-information").slice(),
});

/**
 * The one field-reading loop of every ACSE decoder (meter and client
 * directions): the outer tag, fields in ascending tag number, each through
 * its APDU's table of tag -> reader; a tag the table does not name is a
 * bad-tag error, a repeated or out-of-order one bad-order.
 */
export function readAcseFields<T>(bytes: Uint8Array, tag: number, what: string, out: T, fields: Readonly<Record<number, AcseFieldReader<T>>>): T {
  if (bytes.length === 0) throw new DecodeError("truncated", `${what}: empty`);
  let last = -1;
  const tlvs = readTlvs(readOnly(bytes, tag, what));
  for (let i = 0; i < tlvs.length; i++) {
    const t = tlvs[i];
    const n = t.tag & 0x1f;
    if (n <= last) throw new DecodeError("bad-order", `ACSE field [${n}] repeated or out of order`, t.at);
    last = n;
    const read = fields[t.tag];
    if (read === undefined) throw new DecodeError("bad-tag", `unexpected ${what} field 0x${t.tag.toString(16)}`, t.at);
    if (read) read(out, t.value, t.at);
  }
  return out;
}

const AARQ_FIELDS: Readonly<Record<number, AcseFieldReader<Aarq>>> = Object.freeze({
  0x80: field<Aarq, "protocolVersion">("protocolVersion", AcseField.bytes),
  0xa1: field<Aarq, "applicationContext">("applicationContext", AcseField.applicationContext),
  // called-AP-title .. called-AE-invocation-id, calling-AP/AE-invocation-id, implementation-information: not used by DLMS clients, tolerated
  0xa2: null,
  0xa3: null,
  0xa4: null,
  0xa5: null,
  0xa8: null,
  0xa9: null,
  0x9d: null,
  0xa6: field<Aarq, "callingApTitle">("callingApTitle", AcseField.apTitle),
  0xa7: field<Aarq, "callingAeQualifier">("callingAeQualifier", AcseField.aeQualifier("calling-AE-qualifier")),
  0x8a: field<Aarq, "authenticationRequested">("authenticationRequested", AcseField.acseRequirements),
  0x8b: field<Aarq, "mechanism">("mechanism", AcseField.mechanism),
  0xac: field<Aarq, "authenticationValue">("authenticationValue", AcseField.authenticationValue),
  0xbe: field<Aarq, "userInformation">("userInformation", AcseField.userInformation),
});

export function decodeAarq(bytes: Uint8Array): Aarq {
  const out = readAcseFields<Aarq>(bytes, AcseTag.aarq, "AARQ", { type: "aarq", applicationContext: -1, authenticationRequested: false }, AARQ_FIELDS);
  if (out.applicationContext < 0) throw new DecodeError("missing", "AARQ without application-context-name");
  return out;
}

type Release = { reason?: number; userInformation?: Uint8Array };

const RELEASE_FIELDS: Readonly<Record<number, AcseFieldReader<Release>>> = Object.freeze({
  0x80: field<Release, "reason">("reason", (value) => readSmallInteger(value, "release reason")),
  0xbe: field<Release, "userInformation">("userInformation", AcseField.userInformation),
});

export function decodeRelease(bytes: Uint8Array, tag: number, what: string): Release {
  return readAcseFields<Release>(bytes, tag, what, {}, RELEASE_FIELDS);
}

export function decodeRlrq(bytes: Uint8Array): Rlrq {
  return { type: "rlrq", ...decodeRelease(bytes, AcseTag.rlrq, "RLRQ") };
}

export const AUTH_REQUIREMENTS = Uint8Array.of(0x07, 0x80);

export function finish(tag: number, body: ByteWriter): Uint8Array {
  const w = new ByteWriter(body.length + 4);
  writeTlv(w, tag, body.toBytes());
  return w.toBytes();
}

export function encodeAare(a: Aare): Uint8Array {
  const w = new ByteWriter(96);
  if (a.protocolVersion) writeTlv(w, 0x80, a.protocolVersion);
  writeTlv(w, 0xa1, tlv(0x06, oid(CONTEXT_PREFIX, a.applicationContext)));
  writeTlv(w, 0xa2, tlv(0x02, Uint8Array.of(a.result)));
  writeTlv(w, 0xa3, tlv(0xa0 | a.diagnosticSource, tlv(0x02, Uint8Array.of(a.diagnostic))));
  if (a.respondingApTitle) writeTlv(w, 0xa4, tlv(0x04, a.respondingApTitle));
  if (a.respondingAeQualifier) writeTlv(w, 0xa5, tlv(0x04, a.respondingAeQualifier));
  if (a.authenticationRequested) writeTlv(w, 0x88, AUTH_REQUIREMENTS);
  if (a.mechanism !== undefined) writeTlv(w, 0x89, oid(MECHANISM_PREFIX, a.mechanism));
  if (a.authenticationValue) writeTlv(w, 0xaa, tlv(0x80, a.authenticationValue));
  if (a.userInformation) writeTlv(w, 0xbe, tlv(0x04, a.userInformation));
  return finish(AcseTag.aare, w);
}

export function encodeRelease(tag: number, a: Rlrq | Rlre): Uint8Array {
  const w = new ByteWriter(32);
  if (a.reason !== undefined) writeTlv(w, 0x80, Uint8Array.of(a.reason));
  if (a.userInformation) writeTlv(w, 0xbe, tlv(0x04, a.userInformation));
  return finish(tag, w);
}

export const encodeRlre = (a: Rlre): Uint8Array => encodeRelease(AcseTag.rlre, a);
