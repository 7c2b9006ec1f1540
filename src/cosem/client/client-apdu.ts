import { ByteReader, ByteWriter } from "../../util/bytes.js";
import { DecodeError } from "../../util/errors.js";
import { readOnly, readSmallInteger, tlv, writeTlv } from "../apdu/ber.js";
import {
  AcseTag,
  AUTH_REQUIREMENTS,
  CONTEXT_PREFIX,
  MECHANISM_PREFIX,
  AcseField,
  decodeRelease,
  encodeRelease,
  field,
  finish,
  oid,
  readAcseFields,
  type AcseFieldReader,
  type Aare,
  type Aarq,
  type Rlre,
  type Rlrq,
} from "../apdu/acse.js";
import { InitiateTag, flag, readConformance, writeConformance, type ConfirmedServiceError, type InitiateRequest, type InitiateResponse } from "../apdu/initiate.js";
import {
  ServiceError,
  ServiceTag,
  readBlockSA,
  readBool,
  readOctets,
  readOptionalFlag,
  writeBlockSA,
  writeOctets,
  writeValue,
  type ActionResponse,
  type ActionResultWithData,
  type AttributeDescriptor,
  type AttributeWithSelection,
  type DataBlockG,
  type DataNotification,
  type DataResult,
  type ExceptionResponse,
  type GetResponse,
  type MethodDescriptor,
  type ServiceRequest,
  type SetResponse,
} from "../apdu/xdlms.js";
import { readData, readList, writeData, writeList } from "../axdr.js";
import type { AccessSelection } from "../interface-class.js";

/**
 * The client's directions of the APDU codec: AARE and RLRE read, AARQ and
 * RLRQ written; InitiateResponse and ConfirmedServiceError read,
 * InitiateRequest written; service responses, exception-responses and
 * data-notifications read, service requests written. The meter's directions
 * are in src/cosem/apdu/ (a folder every device build contains); these are
 * here, in a folder no board manifest names, so that a device carries no
 * client code (bench/README.md, footprint.bytecode). The lab client and the
 * tests use both halves through ./codec.ts.
 */

/** What a client receives from a meter, besides ACSE and initiate APDUs. */
export type ClientReceives = GetResponse | SetResponse | ActionResponse | ExceptionResponse | DataNotification;

// ------------------------------------------------------------------ ACSE

/** result-source-diagnostic: a CHOICE of acse-service-user [1] or -provider [2], each an INTEGER. */
function readDiagnostic(out: Aare, value: Uint8Array, at: number): void {
  const r = new ByteReader(value);
  const choice = r.u8("result-source-diagnostic");
  if (choice !== 0xa1 && choice !== 0xa2) throw new DecodeError("bad-choice", "result-source-diagnostic", at);
  out.diagnosticSource = choice & 0x1f;
  const inner = value.subarray(1);
  const len = new ByteReader(inner).u8("diagnostic length");
  if (len + 1 !== inner.length) throw new DecodeError("bad-length", "result-source-diagnostic length", at);
  out.diagnostic = readSmallInteger(readOnly(inner.subarray(1), 0x02, "diagnostic"), "diagnostic");
}

const AARE_FIELDS: Readonly<Record<number, AcseFieldReader<Aare>>> = Object.freeze({
  0x80: field<Aare, "protocolVersion">("protocolVersion", AcseField.bytes),
  0xa1: field<Aare, "applicationContext">("applicationContext", AcseField.applicationContext),
  0xa2: field<Aare, "result">("result", (value) => readSmallInteger(readOnly(value, 0x02, "result"), "result")),
  0xa3: readDiagnostic,
  0xa4: field<Aare, "respondingApTitle">("respondingApTitle", AcseField.apTitle),
  0xa5: field<Aare, "respondingAeQualifier">("respondingAeQualifier", AcseField.aeQualifier("responding-AE-qualifier")),
  // responding-AP/AE-invocation-id, responder-acse-requirements' neighbour implementation-information: tolerated
  0xa6: null,
  0xa7: null,
  0x8b: null,
  0x88: field<Aare, "authenticationRequested">("authenticationRequested", AcseField.acseRequirements),
  0x89: field<Aare, "mechanism">("mechanism", AcseField.mechanism),
  0xaa: field<Aare, "authenticationValue">("authenticationValue", AcseField.authenticationValue),
  0xbe: field<Aare, "userInformation">("userInformation", AcseField.userInformation),
});

export function decodeAare(bytes: Uint8Array): Aare {
  const fresh: Aare = { type: "aare", applicationContext: -1, result: -1, diagnosticSource: 1, diagnostic: -1, authenticationRequested: false };
  const out = readAcseFields(bytes, AcseTag.aare, "AARE", fresh, AARE_FIELDS);
  if (out.applicationContext < 0 || out.result < 0 || out.diagnostic < 0) {
    throw new DecodeError("missing", "AARE needs application-context-name, result and result-source-diagnostic");
  }
  return out;
}

export function decodeRlre(bytes: Uint8Array): Rlre {
  return { type: "rlre", ...decodeRelease(bytes, AcseTag.rlre, "RLRE") };
}

export function encodeAarq(a: Aarq): Uint8Array {
  const w = new ByteWriter(96);
  if (a.protocolVersion) writeTlv(w, 0x80, a.protocolVersion);
  writeTlv(w, 0xa1, tlv(0x06, oid(CONTEXT_PREFIX, a.applicationContext)));
  if (a.callingApTitle) writeTlv(w, 0xa6, tlv(0x04, a.callingApTitle));
  if (a.callingAeQualifier) writeTlv(w, 0xa7, tlv(0x04, a.callingAeQualifier));
  if (a.authenticationRequested) writeTlv(w, 0x8a, AUTH_REQUIREMENTS);
  if (a.mechanism !== undefined) writeTlv(w, 0x8b, oid(MECHANISM_PREFIX, a.mechanism));
  if (a.authenticationValue) writeTlv(w, 0xac, tlv(0x80, a.authenticationValue));
  if (a.userInformation) writeTlv(w, 0xbe, tlv(0x04, a.userInformation));
  return finish(AcseTag.aarq, w);
}

export const encodeRlrq = (a: Rlrq): Uint8Array => encodeRelease(AcseTag.rlrq, a);

// ------------------------------------------------------------------ initiate

export function writeInitiateRequest(w: ByteWriter, a: InitiateRequest): void {
  w.u8(InitiateTag.request);
  if (a.dedicatedKey) w.u8(1).u8(a.dedicatedKey.length).bytes(a.dedicatedKey);
  else w.u8(0);
  if (a.responseAllowed === undefined) w.u8(0);
  else w.u8(1).u8(a.responseAllowed ? 1 : 0);
  if (a.proposedQualityOfService === undefined) w.u8(0);
  else w.u8(1).u8(a.proposedQualityOfService & 0xff);
  w.u8(a.proposedDlmsVersion);
  writeConformance(w, a.proposedConformance);
  w.u16(a.clientMaxReceivePduSize);
}

export function readInitiateResponse(r: ByteReader): InitiateResponse {
  let q: number | undefined;
  if (flag(r, "quality-of-service")) q = r.i8("quality-of-service");
  const negotiatedDlmsVersion = r.u8("dlms version");
  const negotiatedConformance = readConformance(r);
  const serverMaxReceivePduSize = r.u16("server-max-receive-pdu-size");
  const vaaName = r.u16("vaa-name");
  const out: InitiateResponse = { type: "initiate-response", negotiatedDlmsVersion, negotiatedConformance, serverMaxReceivePduSize, vaaName };
  if (q !== undefined) out.negotiatedQualityOfService = q;
  return out;
}

export function readConfirmedServiceError(r: ByteReader): ConfirmedServiceError {
  const at = r.pos;
  const service = r.u8("confirmed-service-error choice");
  if (service < 1 || service > 19) throw new DecodeError("bad-choice", `confirmed-service-error choice ${service}`, at);
  const errorKind = r.u8("service-error choice");
  if (errorKind > 10) throw new DecodeError("bad-choice", `service-error choice ${errorKind}`, at + 1);
  return { type: "confirmed-service-error", service, errorKind, value: r.u8("service-error value") };
}

// ------------------------------------------------------------------ xDLMS services

function readDataResult(r: ByteReader): DataResult {
  const at = r.pos;
  const choice = r.u8("Get-Data-Result");
  if (choice === 0) return { data: readData(r) };
  if (choice === 1) return { error: r.u8("data-access-result") };
  throw new DecodeError("bad-choice", `Get-Data-Result choice ${choice}`, at);
}

function readBlockG(r: ByteReader): DataBlockG {
  const lastBlock = readBool(r, "last-block");
  const blockNumber = r.u32("block-number");
  const at = r.pos;
  const choice = r.u8("DataBlock-G result");
  if (choice === 0) return { lastBlock, blockNumber, result: { raw: readOctets(r, "raw-data") } };
  if (choice === 1) return { lastBlock, blockNumber, result: { error: r.u8("data-access-result") } };
  throw new DecodeError("bad-choice", `DataBlock-G result choice ${choice}`, at);
}

function readActionResult(r: ByteReader): ActionResultWithData {
  const result = r.u8("action-result");
  if (!readOptionalFlag(r, "return-parameters")) return { result };
  return { result, returnParameters: readDataResult(r) };
}

function readAccessResult(r: ByteReader): number {
  return r.u8("data-access-result");
}

function readResults(r: ByteReader): number[] {
  return readList(r, 1, readAccessResult);
}

function readGetResponse(r: ByteReader, choice: number, at: number): GetResponse {
  const invokeId = r.u8("invoke-id");
  switch (choice) {
    case 1:
      return { type: "get-response-normal", invokeId, result: readDataResult(r) };
    case 2:
      return { type: "get-response-with-datablock", invokeId, block: readBlockG(r) };
    case 3:
      return { type: "get-response-with-list", invokeId, results: readList(r, 2, readDataResult) };
    default:
      throw new DecodeError("bad-choice", `get-response choice ${choice}`, at);
  }
}

function readSetResponse(r: ByteReader, choice: number, at: number): SetResponse {
  const invokeId = r.u8("invoke-id");
  switch (choice) {
    case 1:
      return { type: "set-response-normal", invokeId, result: r.u8("data-access-result") };
    case 2:
      return { type: "set-response-datablock", invokeId, blockNumber: r.u32("block-number") };
    case 3: {
      const result = r.u8("data-access-result");
      return { type: "set-response-last-datablock", invokeId, result, blockNumber: r.u32("block-number") };
    }
    case 4: {
      const results = readResults(r);
      return { type: "set-response-last-datablock-with-list", invokeId, results, blockNumber: r.u32("block-number") };
    }
    case 5:
      return { type: "set-response-with-list", invokeId, results: readResults(r) };
    default:
      throw new DecodeError("bad-choice", `set-response choice ${choice}`, at);
  }
}

function readActionResponse(r: ByteReader, choice: number, at: number): ActionResponse {
  const invokeId = r.u8("invoke-id");
  switch (choice) {
    case 1:
      return { type: "action-response-normal", invokeId, response: readActionResult(r) };
    case 2:
      return { type: "action-response-with-pblock", invokeId, block: readBlockSA(r) };
    case 3:
      return { type: "action-response-with-list", invokeId, responses: readList(r, 2, readActionResult) };
    case 4:
      return { type: "action-response-next-pblock", invokeId, blockNumber: r.u32("block-number") };
    default:
      throw new DecodeError("bad-choice", `action-response choice ${choice}`, at);
  }
}

/** Reads one service response, exception-response or data-notification at r (tag included); null when the tag is none of these. */
export function readServiceResponse(r: ByteReader): ClientReceives | null {
  const at = r.pos;
  const tag = r.u8("APDU tag");
  switch (tag) {
    case ServiceTag.getResponse:
      return readGetResponse(r, r.u8("get-response choice"), at + 1);
    case ServiceTag.setResponse:
      return readSetResponse(r, r.u8("set-response choice"), at + 1);
    case ServiceTag.actionResponse:
      return readActionResponse(r, r.u8("action-response choice"), at + 1);
    case ServiceTag.exceptionResponse: {
      const stateError = r.u8("state-error");
      const serviceError = r.u8("service-error");
      // Later editions of the Green Book append the expected counter to invocation-counter-error.
      if (serviceError === ServiceError.invocationCounterError && r.remaining >= 4) {
        return { type: "exception-response", stateError, serviceError, invocationCounter: r.u32("invocation counter") };
      }
      return { type: "exception-response", stateError, serviceError };
    }
    case ServiceTag.dataNotification: {
      const longInvokeId = r.u32("long-invoke-id-and-priority");
      const dateTime = readOctets(r, "date-time");
      return { type: "data-notification", longInvokeId, dateTime, body: readData(r) };
    }
    default:
      r.pos = at;
      return null;
  }
}

function writeAttributeDescriptor(w: ByteWriter, d: AttributeDescriptor): void {
  w.u16(d.classId).bytes(d.instance.toBytes()).u8(d.attribute & 0xff);
}

function writeMethodDescriptor(w: ByteWriter, d: MethodDescriptor): void {
  w.u16(d.classId).bytes(d.instance.toBytes()).u8(d.method & 0xff);
}

function writeAccess(w: ByteWriter, a: AccessSelection | undefined): void {
  if (!a) {
    w.u8(0);
    return;
  }
  w.u8(1).u8(a.selector);
  writeData(w, a.parameters);
}

/** An attribute descriptor and its optional selective access: a list item, or the body of a normal GET or SET request. */
function writeItem(w: ByteWriter, item: AttributeWithSelection): void {
  writeAttributeDescriptor(w, item.descriptor);
  writeAccess(w, item.access);
}

function writeItems(w: ByteWriter, items: AttributeWithSelection[]): void {
  writeList(w, items, writeItem);
}

/** Appends the encoding of a service request (or a data-notification, for tests and the lab's listener). Throws EncodeError for unrepresentable Data. */
export function writeServiceRequest(w: ByteWriter, a: ServiceRequest | DataNotification): void {
  switch (a.type) {
    case "get-request-normal":
      w.u8(0xc0).u8(1).u8(a.invokeId);
      writeItem(w, a);
      return;
    case "get-request-next":
      w.u8(0xc0).u8(2).u8(a.invokeId).u32(a.blockNumber);
      return;
    case "get-request-with-list":
      w.u8(0xc0).u8(3).u8(a.invokeId);
      writeItems(w, a.items);
      return;
    case "set-request-normal":
      w.u8(0xc1).u8(1).u8(a.invokeId);
      writeItem(w, a);
      writeValue(w, a.value);
      return;
    case "set-request-with-first-datablock":
      w.u8(0xc1).u8(2).u8(a.invokeId);
      writeItem(w, a);
      writeBlockSA(w, a.block);
      return;
    case "set-request-with-datablock":
      w.u8(0xc1).u8(3).u8(a.invokeId);
      writeBlockSA(w, a.block);
      return;
    case "set-request-with-list":
      w.u8(0xc1).u8(4).u8(a.invokeId);
      writeItems(w, a.items);
      writeList(w, a.values, writeData);
      return;
    case "set-request-with-list-and-first-datablock":
      w.u8(0xc1).u8(5).u8(a.invokeId);
      writeItems(w, a.items);
      writeBlockSA(w, a.block);
      return;
    case "action-request-normal":
      w.u8(0xc3).u8(1).u8(a.invokeId);
      writeMethodDescriptor(w, a.descriptor);
      if (a.parameters === undefined) w.u8(0);
      else {
        w.u8(1);
        writeData(w, a.parameters);
      }
      return;
    case "action-request-next-pblock":
      w.u8(0xc3).u8(2).u8(a.invokeId).u32(a.blockNumber);
      return;
    case "action-request-with-list":
      w.u8(0xc3).u8(3).u8(a.invokeId);
      writeList(w, a.descriptors, writeMethodDescriptor);
      writeList(w, a.parameters, writeData);
      return;
    case "action-request-with-first-pblock":
      w.u8(0xc3).u8(4).u8(a.invokeId);
      writeMethodDescriptor(w, a.descriptor);
      writeBlockSA(w, a.block);
      return;
    case "action-request-with-list-and-first-pblock":
      w.u8(0xc3).u8(5).u8(a.invokeId);
      writeList(w, a.descriptors, writeMethodDescriptor);
      writeBlockSA(w, a.block);
      return;
    case "action-request-with-pblock":
      w.u8(0xc3).u8(6).u8(a.invokeId);
      writeBlockSA(w, a.block);
      return;
    case "data-notification":
      w.u8(0x0f).u32(a.longInvokeId);
      writeOctets(w, a.dateTime);
      writeData(w, a.body);
      return;
  }
}
