import { ByteReader, ByteWriter } from "../../util/bytes.js";
import { DecodeError } from "../../util/errors.js";
import {
  AcseTag,
  decodeAare,
  decodeAarq,
  decodeRlre,
  decodeRlrq,
  encodeAare,
  encodeAarq,
  encodeRlre,
  encodeRlrq,
  type AcseApdu,
} from "./acse.js";
import { readCiphered, writeCiphered, type CipheredApdu, type GeneralCipheredApdu } from "./ciphered.js";
import {
  InitiateTag,
  readConfirmedServiceError,
  readInitiateRequest,
  readInitiateResponse,
  writeConfirmedServiceError,
  writeInitiateRequest,
  writeInitiateResponse,
  type ConfirmedServiceError,
  type InitiateRequest,
  type InitiateResponse,
} from "./initiate.js";
import { readServiceApdu, writeServiceApdu, type ServiceApdu } from "./xdlms.js";

/**
 * Every APDU this meter exchanges, one decoder and one encoder. decodeApdu
 * is total: any bytes give an Apdu or throw DecodeError (and nothing else),
 * and the whole input must be consumed.
 */
export type Apdu = AcseApdu | InitiateRequest | InitiateResponse | ConfirmedServiceError | ServiceApdu | CipheredApdu | GeneralCipheredApdu;

export function decodeApdu(bytes: Uint8Array): Apdu {
  try {
    return decodeUnchecked(bytes);
  } catch (e) {
    if (e instanceof DecodeError) throw e;
    // A bug in a decoder must still surface as a typed error to the server's error reply.
    throw new DecodeError("internal", `decoder fault: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function decodeUnchecked(bytes: Uint8Array): Apdu {
  if (bytes.length === 0) throw new DecodeError("truncated", "empty APDU", 0);
  switch (bytes[0]) {
    case AcseTag.aarq:
      return decodeAarq(bytes);
    case AcseTag.aare:
      return decodeAare(bytes);
    case AcseTag.rlrq:
      return decodeRlrq(bytes);
    case AcseTag.rlre:
      return decodeRlre(bytes);
  }
  const r = new ByteReader(bytes);
  let out: Apdu | null;
  switch (bytes[0]) {
    case InitiateTag.request:
      r.u8();
      out = readInitiateRequest(r);
      break;
    case InitiateTag.response:
      r.u8();
      out = readInitiateResponse(r);
      break;
    case InitiateTag.confirmedServiceError:
      r.u8();
      out = readConfirmedServiceError(r);
      break;
    default:
      out = readServiceApdu(r) ?? readCiphered(r);
  }
  if (out === null) throw new DecodeError("bad-tag", `unknown APDU tag 0x${bytes[0].toString(16)}`, 0);
  if (r.remaining !== 0) throw new DecodeError("trailing", `${r.remaining} bytes after the APDU`, r.pos);
  return out;
}

export function encodeApdu(a: Apdu): Uint8Array {
  switch (a.type) {
    case "aarq":
      return encodeAarq(a);
    case "aare":
      return encodeAare(a);
    case "rlrq":
      return encodeRlrq(a);
    case "rlre":
      return encodeRlre(a);
  }
  const w = new ByteWriter(64);
  switch (a.type) {
    case "initiate-request":
      writeInitiateRequest(w, a);
      break;
    case "initiate-response":
      writeInitiateResponse(w, a);
      break;
    case "confirmed-service-error":
      writeConfirmedServiceError(w, a);
      break;
    case "ciphered":
    case "general-glo-ciphering":
    case "general-ded-ciphering":
      writeCiphered(w, a);
      break;
    default:
      writeServiceApdu(w, a);
  }
  return w.toBytes();
}
