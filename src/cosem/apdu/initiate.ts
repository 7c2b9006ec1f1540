import { ByteReader, ByteWriter } from "../../util/bytes.js";
import { DecodeError } from "../../util/errors.js";

/**
 * xDLMS InitiateRequest / InitiateResponse (carried in the AARQ/AARE
 * user-information) and ConfirmedServiceError (Green Book 9.5, A-XDR).
 * Optional fields remember whether they were present so that decode then
 * encode reproduces the input byte for byte. The code is the meter's
 * direction (InitiateRequest read, InitiateResponse and ConfirmedServiceError
 * written); the client's is in src/cosem/client/client-apdu.ts.
 */
export const InitiateTag = Object.freeze({ request: 0x01, response: 0x08, confirmedServiceError: 0x0e } as const);

export interface InitiateRequest {
  type: "initiate-request";
  dedicatedKey?: Uint8Array;
  /** undefined: the DEFAULT (TRUE) was used, i.e. the field was absent. */
  responseAllowed?: boolean;
  proposedQualityOfService?: number;
  proposedDlmsVersion: number;
  /** 24-bit conformance block (see conformance.ts). */
  proposedConformance: number;
  clientMaxReceivePduSize: number;
}

export interface InitiateResponse {
  type: "initiate-response";
  negotiatedQualityOfService?: number;
  negotiatedDlmsVersion: number;
  negotiatedConformance: number;
  serverMaxReceivePduSize: number;
  /** 0x0007 for logical name referencing. */
  vaaName: number;
}

/** ConfirmedServiceError: which service failed, the ServiceError choice and its enumerated value. */
export interface ConfirmedServiceError {
  type: "confirmed-service-error";
  /** 1 initiateError, 2 getStatus, ..., 5 read, 6 write. */
  service: number;
  /** ServiceError choice: 0 application-reference, 1 hardware-resource, ..., 6 initiate, 10 other. */
  errorKind: number;
  value: number;
}

/** ServiceError initiate values. */
export const InitiateError = Object.freeze({ other: 0, dlmsVersionTooLow: 1, incompatibleConformance: 2, pduSizeTooShort: 3, refusedByVdeHandler: 4 } as const);

export function readConformance(r: ByteReader): number {
  const at = r.pos;
  if (r.u8("conformance tag") !== 0x5f || r.u8("conformance tag") !== 0x1f) {
    throw new DecodeError("bad-tag", "conformance block must start 5F 1F", at);
  }
  if (r.u8("conformance length") !== 4) throw new DecodeError("bad-length", "conformance block length must be 4", at + 2);
  r.u8("conformance unused bits");
  return (r.u8() << 16) | (r.u8() << 8) | r.u8("conformance");
}

export function writeConformance(w: ByteWriter, c: number): void {
  w.u8(0x5f).u8(0x1f).u8(4).u8(0).u8((c >>> 16) & 0xff).u16(c & 0xffff);
}

export function flag(r: ByteReader, what: string): boolean {
  const at = r.pos;
  const f = r.u8(what);
  if (f > 1) throw new DecodeError("bad-value", `${what}: optional flag ${f}`, at);
  return f === 1;
}

export function readInitiateRequest(r: ByteReader): InitiateRequest {
  let dedicatedKey: Uint8Array | undefined;
  if (flag(r, "dedicated-key")) {
    const n = r.u8("dedicated-key length");
    dedicatedKey = r.bytes(n, "dedicated-key").slice();
  }
  let responseAllowed: boolean | undefined;
  if (flag(r, "response-allowed")) responseAllowed = r.u8("response-allowed") !== 0;
  let proposedQualityOfService: number | undefined;
  if (flag(r, "quality-of-service")) proposedQualityOfService = r.i8("quality-of-service");
  const proposedDlmsVersion = r.u8("dlms version");
  const proposedConformance = readConformance(r);
  const clientMaxReceivePduSize = r.u16("client-max-receive-pdu-size");
  const out: InitiateRequest = { type: "initiate-request", proposedDlmsVersion, proposedConformance, clientMaxReceivePduSize };
  if (dedicatedKey) out.dedicatedKey = dedicatedKey;
  if (responseAllowed !== undefined) out.responseAllowed = responseAllowed;
  if (proposedQualityOfService !== undefined) out.proposedQualityOfService = proposedQualityOfService;
  return out;
}

export function writeInitiateResponse(w: ByteWriter, a: InitiateResponse): void {
  w.u8(InitiateTag.response);
  if (a.negotiatedQualityOfService === undefined) w.u8(0);
  else w.u8(1).u8(a.negotiatedQualityOfService & 0xff);
  w.u8(a.negotiatedDlmsVersion);
  writeConformance(w, a.negotiatedConformance);
  w.u16(a.serverMaxReceivePduSize).u16(a.vaaName);
}

export function writeConfirmedServiceError(w: ByteWriter, a: ConfirmedServiceError): void {
  w.u8(InitiateTag.confirmedServiceError).u8(a.service).u8(a.errorKind).u8(a.value);
}
