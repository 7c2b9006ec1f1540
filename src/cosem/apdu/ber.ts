import { ByteReader, ByteWriter } from "../../util/bytes.js";
import { DecodeError } from "../../util/errors.js";

/**
 * The small part of BER (X.690) that ACSE needs: one-byte tags and definite
 * lengths. ACSE APDUs are a flat list of context-tagged fields, so a reader
 * that yields (tag, contents) pairs is enough; indefinite lengths and
 * multi-byte tags never occur in DLMS and are refused.
 */
export interface Tlv {
  tag: number;
  /** View into the input (copy before keeping). */
  value: Uint8Array;
  /** Offset of the tag byte in the input, for error messages. */
  at: number;
}

function readBerLength(r: ByteReader): number {
  const at = r.pos;
  const first = r.u8("BER length");
  if (first < 0x80) return first;
  const n = first & 0x7f;
  if (n === 0 || n > 3) throw new DecodeError("bad-length", `BER length of ${n} octets`, at);
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + r.u8("BER length");
  return v;
}

function writeBerLength(w: ByteWriter, n: number): void {
  if (n < 0x80) w.u8(n);
  else if (n <= 0xff) w.u8(0x81).u8(n);
  else w.u8(0x82).u16(n);
}

function readTlv(r: ByteReader): Tlv {
  const at = r.pos;
  const tag = r.u8("BER tag");
  if ((tag & 0x1f) === 0x1f) throw new DecodeError("bad-tag", `multi-byte BER tag 0x${tag.toString(16)}`, at);
  const len = readBerLength(r);
  return { tag, value: r.bytes(len, `BER 0x${tag.toString(16)} contents`), at };
}

/** All TLVs filling `bytes` exactly. */
export function readTlvs(bytes: Uint8Array): Tlv[] {
  const r = new ByteReader(bytes);
  const out: Tlv[] = [];
  while (r.remaining > 0) out.push(readTlv(r));
  return out;
}

/** The single TLV filling `bytes`, which must carry `tag`. */
export function readOnly(bytes: Uint8Array, tag: number, what: string): Uint8Array {
  const r = new ByteReader(bytes);
  const t = readTlv(r);
  if (t.tag !== tag) throw new DecodeError("bad-tag", `${what}: expected tag 0x${tag.toString(16)}, got 0x${t.tag.toString(16)}`, t.at);
  if (r.remaining !== 0) throw new DecodeError("trailing", `${what}: ${r.remaining} bytes after the value`, r.pos);
  return t.value;
}

export function writeTlv(w: ByteWriter, tag: number, value: Uint8Array): void {
  w.u8(tag);
  writeBerLength(w, value.length);
  w.bytes(value);
}

export function tlv(tag: number, value: Uint8Array): Uint8Array {
  const w = new ByteWriter(value.length + 4);
  writeTlv(w, tag, value);
  return w.toBytes();
}

/** BER INTEGER contents as a non-negative small number (ACSE result and diagnostic values). */
export function readSmallInteger(value: Uint8Array, what: string): number {
  if (value.length < 1 || value.length > 2) throw new DecodeError("bad-value", `${what}: integer of ${value.length} octets`);
  let v = 0;
  for (let i = 0; i < value.length; i++) {
    const b = value[i];
    v = v * 256 + b;
  }
  return v;
}
