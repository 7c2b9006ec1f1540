/**
 * The DLMS wrapper (IEC 62056-47, Green Book 7.3.3.2): every APDU on TCP or
 * UDP is preceded by 8 bytes: version (0x0001), source wPort, destination
 * wPort, APDU length, all big-endian. Client wPort = client SAP, server
 * wPort = logical device (1 = management).
 */
import { DecodeError, EncodeError } from "../../util/errors.js";

const WRAPPER_VERSION = 1;
export const WRAPPER_HEADER_SIZE = 8;

export interface WrapperHeader {
  readonly version: number;
  readonly source: number;
  readonly destination: number;
  readonly length: number;
}

export interface WrapperMessage {
  readonly header: WrapperHeader;
  readonly apdu: Uint8Array;
}

function checkWPort(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new EncodeError("wrapper-port", `${what} ${v} out of 0..65535`);
}

export function encodeWrapper(source: number, destination: number, apdu: Uint8Array): Uint8Array {
  checkWPort(source, "source wPort");
  checkWPort(destination, "destination wPort");
  if (apdu.length > 0xffff) throw new EncodeError("wrapper-length", `APDU of ${apdu.length} bytes exceeds the 16-bit length`);
  const out = new Uint8Array(WRAPPER_HEADER_SIZE + apdu.length);
  out[1] = WRAPPER_VERSION;
  out[2] = source >> 8;
  out[3] = source & 0xff;
  out[4] = destination >> 8;
  out[5] = destination & 0xff;
  out[6] = apdu.length >> 8;
  out[7] = apdu.length & 0xff;
  out.set(apdu, WRAPPER_HEADER_SIZE);
  return out;
}

export function decodeWrapperHeader(bytes: Uint8Array, at = 0): WrapperHeader {
  if (bytes.length - at < WRAPPER_HEADER_SIZE) throw new DecodeError("truncated", "wrapper header needs 8 bytes", at);
  const version = (bytes[at] << 8) | bytes[at + 1];
  if (version !== WRAPPER_VERSION) throw new DecodeError("wrapper-version", `wrapper version ${version} (only 1 exists)`, at);
  return {
    version,
    source: (bytes[at + 2] << 8) | bytes[at + 3],
    destination: (bytes[at + 4] << 8) | bytes[at + 5],
    length: (bytes[at + 6] << 8) | bytes[at + 7],
  };
}

/** One whole message (a UDP datagram): the length must match the bytes exactly. */
export function decodeWrapper(bytes: Uint8Array): WrapperMessage {
  const header = decodeWrapperHeader(bytes);
  if (header.length !== bytes.length - WRAPPER_HEADER_SIZE) {
    throw new DecodeError("wrapper-length", `length field ${header.length} but ${bytes.length - WRAPPER_HEADER_SIZE} bytes follow`, 6);
  }
  return { header, apdu: bytes.subarray(WRAPPER_HEADER_SIZE) };
}

/**
 * Cuts a TCP byte stream into wrapper messages. A bad version or a length
 * above the limit cannot be resynchronised (TCP has no frame delimiter), so
 * the reader reports it and stops: the owner closes the connection.
 */
export class WrapperReader {
  private declare header: WrapperHeader | undefined;
  private declare readonly head: Uint8Array<ArrayBuffer>;
  private declare headLen: number;
  private declare body: Uint8Array;
  private declare bodyLen: number;
  private declare failed: boolean;

  private declare readonly maxApdu: number;
  private declare readonly onMessage: (m: WrapperMessage) => void;
  private declare readonly onError: (e: DecodeError) => void;

  constructor(
    maxApdu: number,
    onMessage: (m: WrapperMessage) => void,
    onError: (e: DecodeError) => void,
  ) {
    this.head = new Uint8Array(WRAPPER_HEADER_SIZE);
    this.headLen = 0;
    this.body = new Uint8Array(0);
    this.bodyLen = 0;
    this.failed = false;
    this.maxApdu = maxApdu;
    this.onMessage = onMessage;
    this.onError = onError;
  }

  /** Part of a message (header or body) has arrived and the rest has not. */
  get pending(): boolean {
    return !this.failed && (this.header !== undefined || this.headLen > 0);
  }

  push(bytes: Uint8Array): void {
    let i = 0;
    while (i < bytes.length && !this.failed) {
      if (!this.header) {
        const n = Math.min(WRAPPER_HEADER_SIZE - this.headLen, bytes.length - i);
        this.head.set(bytes.subarray(i, i + n), this.headLen);
        this.headLen += n;
        i += n;
        if (this.headLen < WRAPPER_HEADER_SIZE) return;
        let h: WrapperHeader;
        try {
          h = decodeWrapperHeader(this.head);
        } catch (e) {
          return this.fail(e);
        }
        if (h.length > this.maxApdu) return this.fail(new DecodeError("wrapper-length", `APDU of ${h.length} bytes above the limit ${this.maxApdu}`, 6));
        this.header = h;
        this.body = new Uint8Array(h.length);
        this.bodyLen = 0;
      }
      const h = this.header;
      const n = Math.min(h.length - this.bodyLen, bytes.length - i);
      this.body.set(bytes.subarray(i, i + n), this.bodyLen);
      this.bodyLen += n;
      i += n;
      if (this.bodyLen === h.length) {
        const m = { header: h, apdu: this.body };
        this.header = undefined;
        this.headLen = 0;
        this.onMessage(m);
      }
    }
  }

  private fail(e: unknown): void {
    if (!(e instanceof DecodeError)) throw e;
    this.failed = true;
    this.onError(e);
  }
}
