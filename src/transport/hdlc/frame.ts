/**
 * HDLC frame format type 3 (IEC 62056-46 / Green Book 8.4): the codec for one
 * frame between flags. Both link ends (src/transport/hdlc/server.ts and the
 * client) use it; nothing else frames HDLC.
 *
 *   7E | format(2) | dest | src | control | [HCS(2) | info] | FCS(2) | 7E
 *
 * decodeFrame is total: any bytes give a frame or a DecodeError. A control
 * byte the link layer does not know still decodes (kind "unknown") because
 * the answer to it is a FRMR, not silence; a bad HCS/FCS is a DecodeError
 * because a corrupted frame is discarded without answer.
 */
import { CRC16_X25_INIT, crc16x25Run } from "../../util/crc16.js";
import { DecodeError, EncodeError } from "../../util/errors.js";

export const FLAG = 0x7e;
/** The 11-bit length field bounds a frame (without flags) to 2047 bytes. */
export const MAX_FRAME_LENGTH = 0x7ff;

/**
 * An HDLC address. A client address is one byte (logical = client SAP). A
 * server address is 1 byte (upper only), 2 bytes (upper, lower) or 4 bytes
 * (two bytes each); upper = logical device, lower = physical device.
 */
export interface HdlcAddress {
  readonly logical: number;
  /** The lower (physical) address; undefined in the 1-byte form. */
  readonly physical?: number;
  readonly size: 1 | 2 | 4;
}

export type UnnumberedKind = "SNRM" | "DISC" | "UA" | "DM" | "FRMR" | "UI";

export type Control =
  | { readonly kind: "I"; readonly ns: number; readonly nr: number; readonly pf: boolean }
  | { readonly kind: "RR" | "RNR"; readonly nr: number; readonly pf: boolean }
  | { readonly kind: UnnumberedKind; readonly pf: boolean }
  /** A well-formed frame whose control byte the link does not implement (REJ, SREJ, ...): answered with FRMR. */
  | { readonly kind: "unknown"; readonly raw: number };

export interface HdlcFrame {
  readonly dest: HdlcAddress;
  readonly src: HdlcAddress;
  readonly control: Control;
  /** Format-field segmentation bit: more of this APDU follows in the next I-frame. */
  readonly segmented: boolean;
  /** Information field (empty when the frame has none). A view into the decoded bytes. */
  readonly info: Uint8Array;
}

/** Unnumbered command/response codes with the P/F bit cleared. */
const U_CODES: Record<UnnumberedKind, number> = Object.freeze({ SNRM: 0x83, DISC: 0x43, UA: 0x63, DM: 0x0f, FRMR: 0x87, UI: 0x03 });
const PF = 0x10;

export function encodeControl(c: Control): number {
  switch (c.kind) {
    case "I":
      return ((c.nr & 7) << 5) | (c.pf ? PF : 0) | ((c.ns & 7) << 1);
    case "RR":
      return ((c.nr & 7) << 5) | (c.pf ? PF : 0) | 0x01;
    case "RNR":
      return ((c.nr & 7) << 5) | (c.pf ? PF : 0) | 0x05;
    case "unknown":
      return c.raw & 0xff;
    default:
      return U_CODES[c.kind] | (c.pf ? PF : 0);
  }
}

export function decodeControl(b: number): Control {
  const pf = (b & PF) !== 0;
  if ((b & 1) === 0) return { kind: "I", ns: (b >> 1) & 7, nr: (b >> 5) & 7, pf };
  if ((b & 3) === 1) {
    const s = b & 0x0f;
    if (s === 0x01) return { kind: "RR", nr: (b >> 5) & 7, pf };
    if (s === 0x05) return { kind: "RNR", nr: (b >> 5) & 7, pf };
    return { kind: "unknown", raw: b };
  }
  switch (b & ~PF & 0xff) {
    case 0x83:
      return { kind: "SNRM", pf };
    case 0x43:
      return { kind: "DISC", pf };
    case 0x63:
      return { kind: "UA", pf };
    case 0x0f:
      return { kind: "DM", pf };
    case 0x87:
      return { kind: "FRMR", pf };
    case 0x03:
      return { kind: "UI", pf };
    default:
      return { kind: "unknown", raw: b };
  }
}

/**
 * Writes an address in its declared size; throws EncodeError when it cannot be.
 * `(v & lim) === v` holds exactly for the integers 0..lim (lim = 2^k - 1): one test for
 * type, integrality and range.
 */
function putAddress(out: Uint8Array, at: number, a: HdlcAddress, what: string): number {
  const logical = a.logical;
  const lower = a.physical as number;
  const size = a.size;
  if (size === 1) {
    if ((logical & 0x7f) !== logical || lower !== undefined) throw badAddress(a, what);
    out[at] = (logical << 1) | 1;
    return at + 1;
  }
  if (size === 2) {
    if ((logical & 0x7f) !== logical || (lower & 0x7f) !== lower) throw badAddress(a, what);
    out[at] = logical << 1;
    out[at + 1] = (lower << 1) | 1;
    return at + 2;
  }
  if (size !== 4 || (logical & 0x3fff) !== logical || (lower & 0x3fff) !== lower) throw badAddress(a, what);
  out[at] = (logical >> 7) << 1;
  out[at + 1] = (logical & 0x7f) << 1;
  out[at + 2] = (lower >> 7) << 1;
  out[at + 3] = ((lower & 0x7f) << 1) | 1;
  return at + 4;
}

function badAddress(a: HdlcAddress, what: string): EncodeError {
  return new EncodeError("hdlc-address", `${what} address out of range for ${a.size}-byte form`);
}

/**
 * Encodes one frame with its flags. The information field is `head` ‖ f.info
 * (head: an LLC header a link adds without copying the APDU first).
 * Throws EncodeError for an address or length that cannot be represented.
 */
export function encodeFrame(f: HdlcFrame, head: Uint8Array = NO_INFO): Uint8Array {
  const info = f.info;
  const infoLength = head.length + info.length;
  // Flags, format, addresses, control, then HCS and info when there is info, and the FCS.
  const size = 7 + f.dest.size + f.src.size + (infoLength > 0 ? 2 + infoLength : 0);
  const len = size - 2;
  if (len > MAX_FRAME_LENGTH) throw new EncodeError("hdlc-length", `frame of ${len} bytes exceeds the 11-bit length field`);
  const out = new Uint8Array(size);
  out[0] = FLAG;
  out[1] = 0xa0 | (f.segmented ? 0x08 : 0) | (len >> 8);
  out[2] = len & 0xff;
  let p = putAddress(out, 3, f.dest, "destination");
  p = putAddress(out, p, f.src, "source");
  out[p++] = encodeControl(f.control);
  // One CRC pass: the register over the header gives the HCS and runs on over HCS and info to the FCS.
  let crc = crc16x25Run(CRC16_X25_INIT, out, 1, p);
  if (infoLength > 0) {
    const hcsAt = p;
    const hcs = crc ^ 0xffff;
    out[p] = hcs & 0xff;
    out[p + 1] = hcs >>> 8;
    p += 2;
    if (head.length > 0) {
      out.set(head, p);
      p += head.length;
    }
    out.set(info, p);
    p += info.length;
    crc = crc16x25Run(crc, out, hcsAt, p);
  }
  crc ^= 0xffff;
  out[p] = crc & 0xff;
  out[p + 1] = crc >>> 8;
  out[size - 1] = FLAG;
  return out;
}

/** The information field of a frame that has none (shared: an empty view holds nothing to change). */
const NO_INFO = new Uint8Array(0);

/** Reads an address starting at p (bytes up to end): its size is where the LSB is 1. */
function readAddress(b: Uint8Array, p: number, end: number, what: string): HdlcAddress {
  if (p + 1 < end && (b[p + 1] & 1) !== 0) return { logical: b[p] >> 1, physical: b[p + 1] >> 1, size: 2 };
  let n = 2;
  while (n < 4 && p + n < end && (b[p + n] & 1) === 0) n++;
  if (p + n >= end) throw new DecodeError("hdlc-address", `${what} address runs past the header`, p);
  n++;
  if (n === 4) return { logical: ((b[p] >> 1) << 7) | (b[p + 1] >> 1), physical: ((b[p + 2] >> 1) << 7) | (b[p + 3] >> 1), size: 4 };
  throw new DecodeError("hdlc-address", `${what} address of ${n} bytes (only 1, 2 or 4 exist)`, p);
}

/**
 * Decodes one whole frame, flags included (bytes[start] and bytes[end-1] are 7E).
 * The info field is a view into the input.
 */
export function decodeFrame(bytes: Uint8Array, start = 0, end = bytes.length): HdlcFrame {
  const size = end - start;
  if (size < 2 || bytes[start] !== FLAG || bytes[end - 1] !== FLAG) throw new DecodeError("hdlc-flag", "frame not enclosed in 7E flags", start);
  if (size < 9) throw new DecodeError("hdlc-short", `frame of ${size} bytes is shorter than the smallest HDLC frame`, start);
  const f0 = bytes[start + 1];
  if (f0 >> 4 !== 0xa) throw new DecodeError("hdlc-format", `frame format type ${f0 >> 4} (only type 3, 0xA, is used)`, start + 1);
  const len = ((f0 & 7) << 8) | bytes[start + 2];
  if (len !== size - 2) throw new DecodeError("hdlc-length", `length field ${len} but ${size - 2} bytes between flags`, start + 1);
  const fcsAt = end - 3;
  // The usual addresses inline (a 2-byte meter address, a 1-byte client address, either way round); readAddress for the rest.
  const d0 = start + 3;
  const dest: HdlcAddress =
    (bytes[d0] & 1) !== 0 ? { logical: bytes[d0] >> 1, size: 1 } : (bytes[d0 + 1] & 1) !== 0 ? { logical: bytes[d0] >> 1, physical: bytes[d0 + 1] >> 1, size: 2 } : readAddress(bytes, d0, fcsAt, "destination");
  const srcAt = d0 + dest.size;
  const src: HdlcAddress = srcAt < fcsAt && (bytes[srcAt] & 1) !== 0 ? { logical: bytes[srcAt] >> 1, size: 1 } : readAddress(bytes, srcAt, fcsAt, "source");
  const ctrlAt = srcAt + src.size;
  if (ctrlAt >= fcsAt) throw new DecodeError("hdlc-short", "no control field", ctrlAt);
  const headerEnd = ctrlAt + 1;
  // One CRC pass over the frame; the register at the header's end is the HCS's.
  const headerCrc = crc16x25Run(CRC16_X25_INIT, bytes, start + 1, headerEnd);
  const fcs = crc16x25Run(headerCrc, bytes, headerEnd, fcsAt) ^ 0xffff;
  if (bytes[fcsAt] !== (fcs & 0xff) || bytes[fcsAt + 1] !== fcs >>> 8) throw new DecodeError("hdlc-fcs", "frame check sequence mismatch", fcsAt);
  let info: Uint8Array = NO_INFO;
  if (headerEnd < fcsAt) {
    // Anything between control and FCS starts with an HCS; an HCS with nothing after it is not a frame our encoder (or the standard) makes.
    if (headerEnd + 2 >= fcsAt) throw new DecodeError("hdlc-hcs", "header check sequence without an information field", headerEnd);
    const hcs = headerCrc ^ 0xffff;
    if (bytes[headerEnd] !== (hcs & 0xff) || bytes[headerEnd + 1] !== hcs >>> 8) throw new DecodeError("hdlc-hcs", "header check sequence mismatch", headerEnd);
    info = bytes.subarray(headerEnd + 2, fcsAt);
  }
  return { dest, src, control: decodeControl(bytes[ctrlAt]), segmented: (f0 & 0x08) !== 0, info };
}

export function clientAddress(sap: number): HdlcAddress {
  return { logical: sap, size: 1 };
}

/** Server address in the smallest form that holds it, or in the given size. */
export function serverAddress(logical: number, physical?: number, size?: 1 | 2 | 4): HdlcAddress {
  if (physical === undefined) return { logical, size: size ?? 1 };
  const s = size ?? (logical <= 0x7f && physical <= 0x7f ? 2 : 4);
  return { logical, physical, size: s };
}
