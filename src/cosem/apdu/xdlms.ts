import { readCount, readData, readLength, readList, writeData, writeLength, writeList, type Data } from "../axdr.js";
import type { AccessSelection } from "../interface-class.js";
import { Obis } from "../obis.js";
import { ByteReader, ByteWriter } from "../../util/bytes.js";
import { DecodeError } from "../../util/errors.js";

/**
 * xDLMS service APDUs of logical-name referencing (Green Book 9.5, A-XDR):
 * GET, SET, ACTION requests and responses in every variant, exception-
 * response and data-notification. One type per variant, discriminated by
 * `type`, so that server and client share the types.
 *
 * The code here is the meter's direction only: it reads requests and writes
 * responses. Reading responses and writing requests is the client's
 * (src/cosem/client/client-apdu.ts, built on the pieces exported here), so
 * that a device build, which contains this folder, carries no client code.
 */
export const ServiceTag = Object.freeze({
  getRequest: 0xc0,
  setRequest: 0xc1,
  actionRequest: 0xc3,
  getResponse: 0xc4,
  setResponse: 0xc5,
  actionResponse: 0xc7,
  exceptionResponse: 0xd8,
  dataNotification: 0x0f,
} as const);

export interface AttributeDescriptor {
  classId: number;
  instance: Obis;
  /** Signed: negative attribute ids are manufacturer specific. */
  attribute: number;
}

export interface MethodDescriptor {
  classId: number;
  instance: Obis;
  method: number;
}

export interface AttributeWithSelection {
  descriptor: AttributeDescriptor;
  access?: AccessSelection;
}

/** Get-Data-Result: a value (decoded, or already A-XDR encoded by the sender) or a data-access-result. */
export type DataResult = { data: Data } | { encoded: Uint8Array } | { error: number };

/** DataBlock-G: one block of a long response; raw is a slice of the encoded value. */
export interface DataBlockG {
  lastBlock: boolean;
  blockNumber: number;
  result: { raw: Uint8Array } | { error: number };
}

/** DataBlock-SA: one block of a long SET or ACTION request (or ACTION response's next block). */
export interface DataBlockSA {
  lastBlock: boolean;
  blockNumber: number;
  raw: Uint8Array;
}

export interface ActionResultWithData {
  result: number;
  returnParameters?: DataResult;
}

export type GetRequest =
  | { type: "get-request-normal"; invokeId: number; descriptor: AttributeDescriptor; access?: AccessSelection }
  | { type: "get-request-next"; invokeId: number; blockNumber: number }
  | { type: "get-request-with-list"; invokeId: number; items: AttributeWithSelection[] };

export type GetResponse =
  | { type: "get-response-normal"; invokeId: number; result: DataResult }
  | { type: "get-response-with-datablock"; invokeId: number; block: DataBlockG }
  | { type: "get-response-with-list"; invokeId: number; results: DataResult[] };

export type SetRequest =
  | { type: "set-request-normal"; invokeId: number; descriptor: AttributeDescriptor; access?: AccessSelection; value: DataResult & ({ data: Data } | { encoded: Uint8Array }) }
  | { type: "set-request-with-first-datablock"; invokeId: number; descriptor: AttributeDescriptor; access?: AccessSelection; block: DataBlockSA }
  | { type: "set-request-with-datablock"; invokeId: number; block: DataBlockSA }
  | { type: "set-request-with-list"; invokeId: number; items: AttributeWithSelection[]; values: Data[] }
  | { type: "set-request-with-list-and-first-datablock"; invokeId: number; items: AttributeWithSelection[]; block: DataBlockSA };

export type SetResponse =
  | { type: "set-response-normal"; invokeId: number; result: number }
  | { type: "set-response-datablock"; invokeId: number; blockNumber: number }
  | { type: "set-response-last-datablock"; invokeId: number; result: number; blockNumber: number }
  | { type: "set-response-last-datablock-with-list"; invokeId: number; results: number[]; blockNumber: number }
  | { type: "set-response-with-list"; invokeId: number; results: number[] };

export type ActionRequest =
  | { type: "action-request-normal"; invokeId: number; descriptor: MethodDescriptor; parameters?: Data }
  | { type: "action-request-next-pblock"; invokeId: number; blockNumber: number }
  | { type: "action-request-with-list"; invokeId: number; descriptors: MethodDescriptor[]; parameters: Data[] }
  | { type: "action-request-with-first-pblock"; invokeId: number; descriptor: MethodDescriptor; block: DataBlockSA }
  | { type: "action-request-with-list-and-first-pblock"; invokeId: number; descriptors: MethodDescriptor[]; block: DataBlockSA }
  | { type: "action-request-with-pblock"; invokeId: number; block: DataBlockSA };

export type ActionResponse =
  | { type: "action-response-normal"; invokeId: number; response: ActionResultWithData }
  | { type: "action-response-with-pblock"; invokeId: number; block: DataBlockSA }
  | { type: "action-response-with-list"; invokeId: number; responses: ActionResultWithData[] }
  | { type: "action-response-next-pblock"; invokeId: number; blockNumber: number };

/** exception-response state-error and service-error (Green Book 9.5, ExceptionResponse). */
export const StateError = Object.freeze({ serviceNotAllowed: 1, serviceUnknown: 2 } as const);
export const ServiceError = Object.freeze({
  operationNotPossible: 1,
  serviceNotSupported: 2,
  otherReason: 3,
  pduTooLong: 4,
  decipheringError: 5,
  invocationCounterError: 6,
} as const);

export interface ExceptionResponse {
  type: "exception-response";
  stateError: number;
  serviceError: number;
  /** With invocation-counter-error: the counter value the server expects at least. */
  invocationCounter?: number;
}

export interface DataNotification {
  type: "data-notification";
  longInvokeId: number;
  /** date-time as the octet string carried it (empty when the sender gave none). */
  dateTime: Uint8Array;
  body: Data;
}

export type ServiceApdu = GetRequest | GetResponse | SetRequest | SetResponse | ActionRequest | ActionResponse | ExceptionResponse | DataNotification;
/** What a meter receives. */
export type ServiceRequest = GetRequest | SetRequest | ActionRequest;
/** What the meter's server sends (its data-notifications are built by src/push/notification.ts from encoded values). */
export type ServiceResponse = GetResponse | SetResponse | ActionResponse | ExceptionResponse;

// ------------------------------------------------------------------ reading

function readAttributeDescriptor(r: ByteReader): AttributeDescriptor {
  // Every GET and SET starts here: the 9 bytes in one bounds check (short input takes the checked reads below for their errors).
  const p = r.pos;
  if (r.end - p >= 9) {
    const b = r.buf;
    const a = b[p + 8];
    r.pos = p + 9;
    return { classId: (b[p] << 8) | b[p + 1], instance: Obis.fromBytes(b, p + 2), attribute: a > 0x7f ? a - 0x100 : a };
  }
  const classId = r.u16("class id");
  const instance = Obis.fromBytes(r.bytes(6, "instance id"));
  return { classId, instance, attribute: r.i8("attribute id") };
}

function readMethodDescriptor(r: ByteReader): MethodDescriptor {
  const classId = r.u16("class id");
  const instance = Obis.fromBytes(r.bytes(6, "instance id"));
  return { classId, instance, method: r.i8("method id") };
}

export function readOptionalFlag(r: ByteReader, what: string): boolean {
  const at = r.pos;
  const f = r.u8(what);
  if (f > 1) throw new DecodeError("bad-value", `${what}: optional flag ${f}`, at);
  return f === 1;
}

function readAccess(r: ByteReader): AccessSelection | undefined {
  // Mostly absent: that case without the checked read.
  const p = r.pos;
  if (p < r.end && r.buf[p] === 0) {
    r.pos = p + 1;
    return undefined;
  }
  if (!readOptionalFlag(r, "access-selection")) return undefined;
  const selector = r.u8("access selector");
  return { selector, parameters: readData(r) };
}

function readWithSelection(r: ByteReader): AttributeWithSelection {
  const descriptor = readAttributeDescriptor(r);
  const access = readAccess(r);
  return access ? { descriptor, access } : { descriptor };
}

export function readBool(r: ByteReader, what: string): boolean {
  const at = r.pos;
  const b = r.u8(what);
  if (b > 1) throw new DecodeError("bad-value", `${what}: boolean ${b}`, at);
  return b === 1;
}

export function readOctets(r: ByteReader, what: string): Uint8Array {
  return r.bytes(readLength(r), what).slice();
}

export function readBlockSA(r: ByteReader): DataBlockSA {
  const lastBlock = readBool(r, "last-block");
  const blockNumber = r.u32("block-number");
  return { lastBlock, blockNumber, raw: readOctets(r, "raw-data") };
}

function readGetRequest(r: ByteReader, choice: number, at: number): GetRequest {
  const invokeId = r.u8("invoke-id");
  switch (choice) {
    case 1: {
      const descriptor = readAttributeDescriptor(r);
      const access = readAccess(r);
      return access ? { type: "get-request-normal", invokeId, descriptor, access } : { type: "get-request-normal", invokeId, descriptor };
    }
    case 2:
      return { type: "get-request-next", invokeId, blockNumber: r.u32("block-number") };
    case 3:
      return { type: "get-request-with-list", invokeId, items: readList(r, 10, readWithSelection) };
    default:
      throw new DecodeError("bad-choice", `get-request choice ${choice}`, at);
  }
}

function readSetRequest(r: ByteReader, choice: number, at: number): SetRequest {
  const invokeId = r.u8("invoke-id");
  switch (choice) {
    case 1: {
      const descriptor = readAttributeDescriptor(r);
      const access = readAccess(r);
      const value = { data: readData(r) };
      return access ? { type: "set-request-normal", invokeId, descriptor, access, value } : { type: "set-request-normal", invokeId, descriptor, value };
    }
    case 2: {
      const descriptor = readAttributeDescriptor(r);
      const access = readAccess(r);
      const block = readBlockSA(r);
      return access
        ? { type: "set-request-with-first-datablock", invokeId, descriptor, access, block }
        : { type: "set-request-with-first-datablock", invokeId, descriptor, block };
    }
    case 3:
      return { type: "set-request-with-datablock", invokeId, block: readBlockSA(r) };
    case 4:
    case 5: {
      const items = readList(r, 10, readWithSelection);
      const n = items.length;
      if (choice === 5) return { type: "set-request-with-list-and-first-datablock", invokeId, items, block: readBlockSA(r) };
      const m = readCount(r, 1);
      if (m !== n) throw new DecodeError("bad-length", `set-request-with-list: ${n} attributes but ${m} values`, r.pos);
      const values: Data[] = new Array(m);
      for (let i = 0; i < m; i++) values[i] = readData(r);
      return { type: "set-request-with-list", invokeId, items, values };
    }
    default:
      throw new DecodeError("bad-choice", `set-request choice ${choice}`, at);
  }
}

function readMethodList(r: ByteReader): MethodDescriptor[] {
  return readList(r, 9, readMethodDescriptor);
}

function readActionRequest(r: ByteReader, choice: number, at: number): ActionRequest {
  const invokeId = r.u8("invoke-id");
  switch (choice) {
    case 1: {
      const descriptor = readMethodDescriptor(r);
      if (!readOptionalFlag(r, "method-invocation-parameters")) return { type: "action-request-normal", invokeId, descriptor };
      return { type: "action-request-normal", invokeId, descriptor, parameters: readData(r) };
    }
    case 2:
      return { type: "action-request-next-pblock", invokeId, blockNumber: r.u32("block-number") };
    case 3: {
      const descriptors = readMethodList(r);
      const m = readCount(r, 1);
      if (m !== descriptors.length) throw new DecodeError("bad-length", `action-request-with-list: ${descriptors.length} methods but ${m} parameters`, r.pos);
      const parameters: Data[] = new Array(m);
      for (let i = 0; i < m; i++) parameters[i] = readData(r);
      return { type: "action-request-with-list", invokeId, descriptors, parameters };
    }
    case 4:
      return { type: "action-request-with-first-pblock", invokeId, descriptor: readMethodDescriptor(r), block: readBlockSA(r) };
    case 5:
      return { type: "action-request-with-list-and-first-pblock", invokeId, descriptors: readMethodList(r), block: readBlockSA(r) };
    case 6:
      return { type: "action-request-with-pblock", invokeId, block: readBlockSA(r) };
    default:
      throw new DecodeError("bad-choice", `action-request choice ${choice}`, at);
  }
}

/** Reads one service request at r (tag included); null when the tag is not a request tag. */
export function readServiceRequest(r: ByteReader): ServiceRequest | null {
  const at = r.pos;
  const tag = r.u8("APDU tag");
  switch (tag) {
    case ServiceTag.getRequest:
      return readGetRequest(r, r.u8("get-request choice"), at + 1);
    case ServiceTag.setRequest:
      return readSetRequest(r, r.u8("set-request choice"), at + 1);
    case ServiceTag.actionRequest:
      return readActionRequest(r, r.u8("action-request choice"), at + 1);
    default:
      r.pos = at;
      return null;
  }
}

// ------------------------------------------------------------------ writing

export function writeOctets(w: ByteWriter, b: Uint8Array): void {
  writeLength(w, b.length);
  w.bytes(b);
}

/** Writes a Data given decoded or pre-encoded (the encoded form is already tagged). */
export function writeValue(w: ByteWriter, v: { data: Data } | { encoded: Uint8Array }): void {
  if ("data" in v) writeData(w, v.data);
  else w.bytes(v.encoded);
}

function writeDataResult(w: ByteWriter, r: DataResult): void {
  if ("error" in r) w.u8(1).u8(r.error);
  else {
    w.u8(0);
    writeValue(w, r);
  }
}

function writeBlockG(w: ByteWriter, b: DataBlockG): void {
  w.u8(b.lastBlock ? 1 : 0).u32(b.blockNumber);
  if ("error" in b.result) w.u8(1).u8(b.result.error);
  else {
    w.u8(0);
    writeOctets(w, b.result.raw);
  }
}

export function writeBlockSA(w: ByteWriter, b: DataBlockSA): void {
  w.u8(b.lastBlock ? 1 : 0).u32(b.blockNumber);
  writeOctets(w, b.raw);
}

function writeActionResult(w: ByteWriter, a: ActionResultWithData): void {
  w.u8(a.result);
  if (!a.returnParameters) w.u8(0);
  else {
    w.u8(1);
    writeDataResult(w, a.returnParameters);
  }
}

function writeAccessResult(w: ByteWriter, result: number): void {
  w.u8(result);
}

function writeResults(w: ByteWriter, results: number[]): void {
  writeList(w, results, writeAccessResult);
}

/** Appends the encoding of a service response. Throws EncodeError for unrepresentable Data. */
export function writeServiceResponse(w: ByteWriter, a: ServiceResponse): void {
  switch (a.type) {
    case "get-response-normal":
      w.u8(0xc4).u8(1).u8(a.invokeId);
      writeDataResult(w, a.result);
      return;
    case "get-response-with-datablock":
      w.u8(0xc4).u8(2).u8(a.invokeId);
      writeBlockG(w, a.block);
      return;
    case "get-response-with-list":
      w.u8(0xc4).u8(3).u8(a.invokeId);
      writeList(w, a.results, writeDataResult);
      return;
    case "set-response-normal":
      w.u8(0xc5).u8(1).u8(a.invokeId).u8(a.result);
      return;
    case "set-response-datablock":
      w.u8(0xc5).u8(2).u8(a.invokeId).u32(a.blockNumber);
      return;
    case "set-response-last-datablock":
      w.u8(0xc5).u8(3).u8(a.invokeId).u8(a.result).u32(a.blockNumber);
      return;
    case "set-response-last-datablock-with-list":
      w.u8(0xc5).u8(4).u8(a.invokeId);
      writeResults(w, a.results);
      w.u32(a.blockNumber);
      return;
    case "set-response-with-list":
      w.u8(0xc5).u8(5).u8(a.invokeId);
      writeResults(w, a.results);
      return;
    case "action-response-normal":
      w.u8(0xc7).u8(1).u8(a.invokeId);
      writeActionResult(w, a.response);
      return;
    case "action-response-with-pblock":
      w.u8(0xc7).u8(2).u8(a.invokeId);
      writeBlockSA(w, a.block);
      return;
    case "action-response-with-list":
      w.u8(0xc7).u8(3).u8(a.invokeId);
      writeList(w, a.responses, writeActionResult);
      return;
    case "action-response-next-pblock":
      w.u8(0xc7).u8(4).u8(a.invokeId).u32(a.blockNumber);
      return;
    case "exception-response":
      w.u8(0xd8).u8(a.stateError).u8(a.serviceError);
      if (a.invocationCounter !== undefined) w.u32(a.invocationCounter);
      return;
  }
}
