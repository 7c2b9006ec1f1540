import { DecodeError } from "./errors.js";

/**
 * Bounds-checked big-endian reader. Every read checks the remaining length
 * first and throws DecodeError, so decoders built on it are total without
 * sprinkling checks. Reads of byte runs return subarrays (no copy): callers
 * that keep them beyond the input's lifetime must copy.
 */
export class ByteReader {
  declare readonly buf: Uint8Array;
  declare pos: number;
  declare readonly end: number;
  /** Made on the first float read; declared only, so a reader of integers never carries the field. */
  private declare view: DataView | undefined;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  need(n: number, what: string): void {
    if (n > this.end - this.pos) {
      throw new DecodeError("truncated", `${what}: need ${n} bytes, have ${this.end - this.pos}`, this.pos);
    }
  }

  // The bounds checks are inline (need() only throws): these run for every
  // byte of every APDU and profile row, and a call costs more than the read.
  u8(what = "byte"): number {
    const p = this.pos;
    if (p >= this.end) this.need(1, what);
    this.pos = p + 1;
    return this.buf[p];
  }

  i8(what = "integer"): number {
    const v = this.u8(what);
    return v > 0x7f ? v - 0x100 : v;
  }

  u16(what = "uint16"): number {
    const p = this.pos;
    if (p + 2 > this.end) this.need(2, what);
    const b = this.buf;
    this.pos = p + 2;
    return (b[p] << 8) | b[p + 1];
  }

  i16(what = "int16"): number {
    const v = this.u16(what);
    return v > 0x7fff ? v - 0x10000 : v;
  }

  u32(what = "uint32"): number {
    const p = this.pos;
    if (p + 4 > this.end) this.need(4, what);
    const b = this.buf;
    this.pos = p + 4;
    return ((b[p] << 24) >>> 0) + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]);
  }

  i32(what = "int32"): number {
    return this.u32(what) | 0;
  }

  u64(what = "uint64"): bigint {
    const hi = this.u32(what);
    const lo = this.u32(what);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  i64(what = "int64"): bigint {
    return BigInt.asIntN(64, this.u64(what));
  }

  f32(what = "float32"): number {
    this.need(4, what);
    const v = this.dataView().getFloat32(this.pos, false);
    this.pos += 4;
    return v;
  }

  f64(what = "float64"): number {
    this.need(8, what);
    const v = this.dataView().getFloat64(this.pos, false);
    this.pos += 8;
    return v;
  }

  bytes(n: number, what = "bytes"): Uint8Array {
    const p = this.pos;
    if (n > this.end - p) this.need(n, what);
    this.pos = p + n;
    return this.buf.subarray(p, p + n);
  }

  private dataView(): DataView {
    if (!this.view) this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    return this.view;
  }
}

/** Growable big-endian writer; one backing buffer, doubled when full. */
export class ByteWriter {
  private declare buf: Uint8Array;
  private declare len: number;

  constructor(initialCapacity = 64) {
    this.len = 0;
    this.buf = new Uint8Array(initialCapacity > 0 ? initialCapacity : 16);
  }

  get length(): number {
    return this.len;
  }

  private reserve(n: number): void {
    const need = this.len + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  // Capacity checks inline (reserve() only grows): see ByteReader.u8.
  u8(v: number): this {
    const n = this.len;
    if (n >= this.buf.length) this.reserve(1);
    this.buf[n] = v;
    this.len = n + 1;
    return this;
  }

  u16(v: number): this {
    const n = this.len;
    if (n + 2 > this.buf.length) this.reserve(2);
    const b = this.buf;
    b[n] = (v >>> 8) & 0xff;
    b[n + 1] = v & 0xff;
    this.len = n + 2;
    return this;
  }

  u32(v: number): this {
    const n = this.len;
    if (n + 4 > this.buf.length) this.reserve(4);
    const b = this.buf;
    b[n] = (v >>> 24) & 0xff;
    b[n + 1] = (v >>> 16) & 0xff;
    b[n + 2] = (v >>> 8) & 0xff;
    b[n + 3] = v & 0xff;
    this.len = n + 4;
    return this;
  }

  u64(v: bigint): this {
    const u = BigInt.asUintN(64, v);
    this.u32(Number(u >> 32n));
    return this.u32(Number(u & 0xffffffffn));
  }

  f32(v: number): this {
    this.reserve(4);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 4).setFloat32(0, v, false);
    this.len += 4;
    return this;
  }

  f64(v: number): this {
    this.reserve(8);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 8).setFloat64(0, v, false);
    this.len += 8;
    return this;
  }

  bytes(src: Uint8Array): this {
    if (this.len + src.length > this.buf.length) this.reserve(src.length);
    this.buf.set(src, this.len);
    this.len += src.length;
    return this;
  }

  /** A copy of what was written (the writer may be reused afterwards). */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

const HEX = "0123456789abcdef";

export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i] >> 4] + HEX[bytes[i] & 15];
  return s;
}

/** Parses hex (whitespace allowed between bytes); throws DecodeError on bad input. */
export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, "");
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) {
    throw new DecodeError("bad-hex", "not an even-length hex string");
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.substr(i * 2, 2), 16);
  return out;
}

/*
 * Unsigned 32-bit fields at a known offset, for fixed layouts (record headers,
 * stored counters) where a ByteReader/ByteWriter would only add an object.
 * The caller has checked that four bytes are there. Big-endian is the DLMS
 * and storage order; little-endian is MCUboot's. (ByteReader.u32 and
 * ByteWriter.u32 keep the same arithmetic inline: they run for every field
 * of every APDU, where a call costs more than the read.)
 */

/** The big-endian unsigned 32-bit value at b[p..p+4). */
export function readU32(b: Uint8Array, p: number): number {
  // `<< 24` alone would make the top bit a sign: add the high byte unsigned.
  return ((b[p] << 24) >>> 0) + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]);
}

/** Writes v (taken modulo 2^32) big-endian at b[p..p+4). */
export function writeU32(b: Uint8Array, p: number, v: number): void {
  b[p] = v >>> 24;
  b[p + 1] = v >>> 16;
  b[p + 2] = v >>> 8;
  b[p + 3] = v;
}

/** v as four big-endian bytes. */
export function u32Bytes(v: number): Uint8Array {
  const b = new Uint8Array(4);
  writeU32(b, 0, v);
  return b;
}

/** The little-endian unsigned 32-bit value at b[p..p+4). */
export function readU32le(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    n += p.length;
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Strict UTF-8 decode (XS has no guaranteed TextDecoder on every board). */
export function utf8Decode(bytes: Uint8Array): string | undefined {
  let s = "";
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    let cp: number;
    let n: number;
    if (b < 0x80) {
      cp = b;
      n = 0;
    } else if (b >= 0xc2 && b < 0xe0) {
      cp = b & 0x1f;
      n = 1;
    } else if (b >= 0xe0 && b < 0xf0) {
      cp = b & 0x0f;
      n = 2;
    } else if (b >= 0xf0 && b < 0xf5) {
      cp = b & 0x07;
      n = 3;
    } else return undefined;
    if (i + n >= bytes.length && n > 0) return undefined;
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k];
      if ((c & 0xc0) !== 0x80) return undefined;
      cp = (cp << 6) | (c & 0x3f);
    }
    // Reject overlong forms, surrogates and out-of-range code points.
    if ((n === 2 && cp < 0x800) || (n === 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff)) {
      return undefined;
    }
    s += String.fromCodePoint(cp);
    i += n + 1;
  }
  return s;
}

export function utf8Encode(s: string): Uint8Array {
  const w = new ByteWriter(s.length + 8);
  for (let i = 0; i < s.length; i++) {
    let cp = s.codePointAt(i) as number;
    if (cp > 0xffff) i++;
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd; // lone surrogate
    if (cp < 0x80) w.u8(cp);
    else if (cp < 0x800) w.u8(0xc0 | (cp >> 6)).u8(0x80 | (cp & 0x3f));
    else if (cp < 0x10000) w.u8(0xe0 | (cp >> 12)).u8(0x80 | ((cp >> 6) & 0x3f)).u8(0x80 | (cp & 0x3f));
    else w.u8(0xf0 | (cp >> 18)).u8(0x80 | ((cp >> 12) & 0x3f)).u8(0x80 | ((cp >> 6) & 0x3f)).u8(0x80 | (cp & 0x3f));
  }
  return w.toBytes();
}
