import { encodeApdu as encodeFromMeter, decodeApdu as decodeToMeter, finishDecode, totalDecode, type Apdu, type ApduFromMeter } from "../apdu/apdu.js";
import { AcseTag } from "../apdu/acse.js";
import { InitiateTag } from "../apdu/initiate.js";
import { ByteReader, ByteWriter } from "../../util/bytes.js";
import { DecodeError } from "../../util/errors.js";
import {
  decodeAare,
  decodeRlre,
  encodeAarq,
  encodeRlrq,
  readConfirmedServiceError,
  readInitiateResponse,
  readServiceResponse,
  writeInitiateRequest,
  writeServiceRequest,
} from "./client-apdu.js";

/**
 * Every APDU in both directions: the meter's codec (src/cosem/apdu/apdu.ts)
 * for what a meter receives and sends, and the client's directions
 * (./client-apdu.ts) for the rest. Used by the lab client, the simulator's
 * tools and the tests; never by the firmware. decodeApdu is total: any
 * bytes give an Apdu or throw DecodeError, and the whole input must be
 * consumed.
 */
export function decodeApdu(bytes: Uint8Array): Apdu {
  return totalDecode(bytes, decodeAny);
}

function decodeAny(bytes: Uint8Array): Apdu {
  if (bytes.length === 0) throw new DecodeError("truncated", "empty APDU", 0);
  if (bytes[0] === AcseTag.aare) return decodeAare(bytes);
  if (bytes[0] === AcseTag.rlre) return decodeRlre(bytes);
  const r = new ByteReader(bytes);
  let out: Apdu | null;
  if (bytes[0] === InitiateTag.response) {
    r.u8();
    out = readInitiateResponse(r);
  } else if (bytes[0] === InitiateTag.confirmedServiceError) {
    r.u8();
    out = readConfirmedServiceError(r);
  } else {
    out = readServiceResponse(r);
    if (out === null) return decodeToMeter(bytes);
  }
  return finishDecode(r, bytes, out);
}

export function encodeApdu(a: Apdu): Uint8Array {
  switch (a.type) {
    case "aarq":
      return encodeAarq(a);
    case "rlrq":
      return encodeRlrq(a);
    case "initiate-request": {
      const w = new ByteWriter(32);
      writeInitiateRequest(w, a);
      return w.toBytes();
    }
    case "get-request-normal":
    case "get-request-next":
    case "get-request-with-list":
    case "set-request-normal":
    case "set-request-with-first-datablock":
    case "set-request-with-datablock":
    case "set-request-with-list":
    case "set-request-with-list-and-first-datablock":
    case "action-request-normal":
    case "action-request-next-pblock":
    case "action-request-with-list":
    case "action-request-with-first-pblock":
    case "action-request-with-list-and-first-pblock":
    case "action-request-with-pblock":
    case "data-notification": {
      const w = new ByteWriter(64);
      writeServiceRequest(w, a);
      return w.toBytes();
    }
    default:
      return encodeFromMeter(a satisfies ApduFromMeter);
  }
}

export type { Apdu } from "../apdu/apdu.js";
