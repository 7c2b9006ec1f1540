import { ByteReader, ByteWriter } from "../../util/bytes.js";
import { DecodeError } from "../../util/errors.js";
import { AcseTag, decodeAarq, decodeRlrq, encodeAare, encodeRlre, type AcseApdu, type Aare, type Aarq, type Rlre, type Rlrq } from "./acse.js";
import { readCiphered, writeCiphered, type CipheredApdu, type GeneralCipheredApdu } from "./ciphered.js";
import {
  InitiateTag,
  readInitiateRequest,
  writeConfirmedServiceError,
  writeInitiateResponse,
  type ConfirmedServiceError,
  type InitiateRequest,
  type InitiateResponse,
} from "./initiate.js";
import { readServiceRequest, writeServiceResponse, type ServiceApdu, type ServiceRequest, type ServiceResponse } from "./xdlms.js";

/**
 * Every APDU of DLMS/COSEM that this project exchanges, as one type. The
 * meter's codec below reads what a meter receives and writes what it sends;
 * the client's directions are src/cosem/client/client-apdu.ts, and
 * src/cosem/client/codec.ts decodes and encodes every APDU for the lab
 * client and the tests. Only this half is in a device build.
 */
export type Apdu = AcseApdu | InitiateRequest | InitiateResponse | ConfirmedServiceError | ServiceApdu | CipheredApdu | GeneralCipheredApdu;

/** What a meter receives. */
export type ApduToMeter = Aarq | Rlrq | InitiateRequest | ServiceRequest | CipheredApdu | GeneralCipheredApdu;

/** What a meter sends. */
export type ApduFromMeter = Aare | Rlre | InitiateResponse | ConfirmedServiceError | ServiceResponse | CipheredApdu | GeneralCipheredApdu;

/**
 * Decodes what a meter receives. Total: any bytes give an APDU or throw
 * DecodeError (and nothing else), and the whole input must be consumed. A
 * response, or any other tag a meter is never sent, is a "bad-tag" error.
 */
export function decodeApdu(bytes: Uint8Array): ApduToMeter {
  return totalDecode(bytes, decodeToMeter);
}

/** Runs a decoder so that any fault is a DecodeError (shared with the client's codec). */
export function totalDecode<T>(bytes: Uint8Array, decode: (bytes: Uint8Array) => T): T {
  try {
    return decode(bytes);
  } catch (e) {
    if (e instanceof DecodeError) throw e;
    // A bug in a decoder must still surface as a typed error to the server's error reply.
    throw new DecodeError("internal", `decoder fault: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The end of a decode: a known tag and the whole input consumed. */
export function finishDecode<T>(r: ByteReader, bytes: Uint8Array, out: T | null): T {
  if (out === null) throw new DecodeError("bad-tag", `unknown APDU tag 0x${bytes[0].toString(16)}`, 0);
  if (r.remaining !== 0) throw new DecodeError("trailing", `${r.remaining} bytes after the APDU`, r.pos);
  return out;
}

function decodeToMeter(bytes: Uint8Array): ApduToMeter {
  if (bytes.length === 0) throw new DecodeError("truncated", "empty APDU", 0);
  if (bytes[0] === AcseTag.aarq) return decodeAarq(bytes);
  if (bytes[0] === AcseTag.rlrq) return decodeRlrq(bytes);
  const r = new ByteReader(bytes);
  let out: ApduToMeter | null;
  if (bytes[0] === InitiateTag.request) {
    r.u8();
    out = readInitiateRequest(r);
  } else out = readServiceRequest(r) ?? readCiphered(r);
  return finishDecode(r, bytes, out);
}

/** Encodes what a meter sends. */
export function encodeApdu(a: ApduFromMeter): Uint8Array {
  if (a.type === "aare") return encodeAare(a);
  if (a.type === "rlre") return encodeRlre(a);
  const w = new ByteWriter(64);
  switch (a.type) {
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
      writeServiceResponse(w, a);
  }
  return w.toBytes();
}
