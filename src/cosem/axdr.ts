import { ByteReader, ByteWriter, utf8Decode, utf8Encode } from "../util/bytes.js";
import { DecodeError, EncodeError } from "../util/errors.js";
import {
  type CosemDate,
  type CosemTime,
  type DateTime,
  readDate,
  readDateTime,
  readTime,
  writeDate,
  writeDateTime,
  writeTime,
} from "./datetime.js";
import { frozen } from "../util/frozen.js";

/**
 * A-XDR encoding of COSEM `Data` (IEC 62056-6-2, Blue Book 4.1.5).
 *
 * Values are plain `{tag, value}` objects: the tag is the A-XDR type tag, so
 * decoding needs no lookup table and encoding needs no type inference.
 * Integers up to 32 bits are numbers, 64-bit ones bigint; strings of bytes are
 * copies (never views into a receive buffer that will be reused).
 */
export const Tag = Object.freeze({
  NullData: 0,
  Array: 1,
  Structure: 2,
  Boolean: 3,
  BitString: 4,
  DoubleLong: 5,
  DoubleLongUnsigned: 6,
  OctetString: 9,
  VisibleString: 10,
  Utf8String: 12,
  Bcd: 13,
  Integer: 15,
  Long: 16,
  Unsigned: 17,
  LongUnsigned: 18,
  CompactArray: 19,
  Long64: 20,
  Long64Unsigned: 21,
  Enum: 22,
  Float32: 23,
  Float64: 24,
  DateTime: 25,
  Date: 26,
  Time: 27,
  DontCare: 255,
} as const);

export interface BitString {
  /** Number of bits; `bytes` holds ceil(length / 8) octets, first bit = MSB of bytes[0]. */
  length: number;
  bytes: Uint8Array;
}

/** Type description of compact-array contents (Blue Book 4.1.5, TypeDescription). */
export type TypeDescription =
  | { tag: typeof Tag.Array; count: number; element: TypeDescription }
  | { tag: typeof Tag.Structure; fields: TypeDescription[] }
  | { tag: SimpleTag };

export interface CompactArray {
  description: TypeDescription;
  /** Decoded elements, each a full Data of the described type. */
  values: Data[];
}

type SimpleTag = Exclude<(typeof Tag)[keyof typeof Tag], typeof Tag.Array | typeof Tag.Structure | typeof Tag.CompactArray>;

export type Data =
  | { tag: typeof Tag.NullData; value: null }
  | { tag: typeof Tag.DontCare; value: null }
  | { tag: typeof Tag.Array; value: Data[] }
  | { tag: typeof Tag.Structure; value: Data[] }
  | { tag: typeof Tag.Boolean; value: boolean }
  | { tag: typeof Tag.BitString; value: BitString }
  | {
      tag:
        | typeof Tag.DoubleLong
        | typeof Tag.DoubleLongUnsigned
        | typeof Tag.Bcd
        | typeof Tag.Integer
        | typeof Tag.Long
        | typeof Tag.Unsigned
        | typeof Tag.LongUnsigned
        | typeof Tag.Enum
        | typeof Tag.Float32
        | typeof Tag.Float64;
      value: number;
    }
  | { tag: typeof Tag.OctetString; value: Uint8Array }
  | { tag: typeof Tag.VisibleString | typeof Tag.Utf8String; value: string }
  | { tag: typeof Tag.CompactArray; value: CompactArray }
  | { tag: typeof Tag.Long64 | typeof Tag.Long64Unsigned; value: bigint }
  | { tag: typeof Tag.DateTime; value: DateTime }
  | { tag: typeof Tag.Date; value: CosemDate }
  | { tag: typeof Tag.Time; value: CosemTime };

/** Nesting deeper than this is refused: it bounds the decoder's stack on a 256 KB device. */
const MAX_DEPTH = 24;

// ---------------------------------------------------------------- lengths

/** A-XDR length: one byte below 0x80, else 0x80|n followed by n big-endian bytes (n ≤ 4). */
export function readLength(r: ByteReader): number {
  const first = r.u8("length");
  if (first < 0x80) return first;
  const n = first & 0x7f;
  if (n === 0 || n > 4) throw new DecodeError("bad-length", `length of ${n} octets`, r.pos - 1);
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + r.u8("length");
  return v;
}

export function writeLength(w: ByteWriter, n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new EncodeError("range", `length ${n}`);
  if (n < 0x80) w.u8(n);
  else if (n <= 0xff) w.u8(0x81).u8(n);
  else if (n <= 0xffff) w.u8(0x82).u16(n);
  else if (n <= 0xffffff) w.u8(0x83).u8(n >>> 16).u16(n & 0xffff);
  else w.u8(0x84).u32(n);
}

/** A SEQUENCE OF: its count, then each element through `write`. */
export function writeList<T>(w: ByteWriter, items: readonly T[], write: (w: ByteWriter, item: T) => void): void {
  writeLength(w, items.length);
  for (let i = 0; i < items.length; i++) {
    const x = items[i];
    write(w, x);
  }
}

/** A count of elements, refused when it cannot fit in what is left (bounds allocation). */
export function readCount(r: ByteReader, minBytesEach: number): number {
  const at = r.pos;
  const n = readLength(r);
  if (minBytesEach > 0 && n > r.remaining / minBytesEach) {
    throw new DecodeError("bad-length", `${n} elements cannot fit in ${r.remaining} bytes`, at);
  }
  return n;
}

/** A SEQUENCE OF: its count (checked as readCount does), then each element through `read`. */
export function readList<T>(r: ByteReader, minBytesEach: number, read: (r: ByteReader) => T): T[] {
  const n = readCount(r, minBytesEach);
  const out: T[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = read(r);
  return out;
}

// ---------------------------------------------------------------- decoding

/** Decodes exactly one Data filling all of `bytes`; throws DecodeError otherwise. */
export function decodeData(bytes: Uint8Array): Data {
  const r = new ByteReader(bytes);
  const d = readData(r);
  if (r.remaining !== 0) throw new DecodeError("trailing", `${r.remaining} bytes after the data`, r.pos);
  return d;
}

/** Reads one Data at the reader's position. Throws only DecodeError. */
export function readData(r: ByteReader, depth = 0): Data {
  const at = r.pos;
  const tag = r.u8("data tag");
  return readValue(r, tag, depth, at);
}

function readValue(r: ByteReader, tag: number, depth: number, at: number): Data {
  switch (tag) {
    case Tag.NullData:
      return { tag: Tag.NullData, value: null };
    case Tag.DontCare:
      return { tag: Tag.DontCare, value: null };
    case Tag.Array:
    case Tag.Structure: {
      if (depth >= MAX_DEPTH) throw new DecodeError("too-deep", `nesting deeper than ${MAX_DEPTH}`, at);
      const n = readCount(r, 1);
      const items: Data[] = new Array(n);
      for (let i = 0; i < n; i++) items[i] = readData(r, depth + 1);
      return tag === Tag.Array ? { tag: Tag.Array, value: items } : { tag: Tag.Structure, value: items };
    }
    case Tag.Boolean:
      return { tag: Tag.Boolean, value: r.u8("boolean") !== 0 };
    case Tag.BitString: {
      const bits = readLength(r);
      const bytes = r.bytes(Math.ceil(bits / 8), "bit-string").slice();
      return { tag: Tag.BitString, value: { length: bits, bytes } };
    }
    case Tag.DoubleLong:
      return { tag: Tag.DoubleLong, value: r.i32() };
    case Tag.DoubleLongUnsigned:
      return { tag: Tag.DoubleLongUnsigned, value: r.u32() };
    case Tag.OctetString:
      return { tag: Tag.OctetString, value: r.bytes(readLength(r), "octet-string").slice() };
    case Tag.VisibleString:
      return { tag: Tag.VisibleString, value: latin1(r.bytes(readLength(r), "visible-string")) };
    case Tag.Utf8String: {
      const raw = r.bytes(readLength(r), "utf8-string");
      const s = utf8Decode(raw);
      if (s === undefined) throw new DecodeError("bad-utf8", "utf8-string is not valid UTF-8", at);
      return { tag: Tag.Utf8String, value: s };
    }
    case Tag.Bcd:
      return { tag: Tag.Bcd, value: r.u8("bcd") };
    case Tag.Integer:
      return { tag: Tag.Integer, value: r.i8() };
    case Tag.Long:
      return { tag: Tag.Long, value: r.i16() };
    case Tag.Unsigned:
      return { tag: Tag.Unsigned, value: r.u8() };
    case Tag.LongUnsigned:
      return { tag: Tag.LongUnsigned, value: r.u16() };
    case Tag.CompactArray:
      if (depth >= MAX_DEPTH) throw new DecodeError("too-deep", `nesting deeper than ${MAX_DEPTH}`, at);
      return { tag: Tag.CompactArray, value: readCompactArray(r, depth) };
    case Tag.Long64:
      return { tag: Tag.Long64, value: r.i64() };
    case Tag.Long64Unsigned:
      return { tag: Tag.Long64Unsigned, value: r.u64() };
    case Tag.Enum:
      return { tag: Tag.Enum, value: r.u8("enum") };
    case Tag.Float32:
      return { tag: Tag.Float32, value: r.f32() };
    case Tag.Float64:
      return { tag: Tag.Float64, value: r.f64() };
    case Tag.DateTime:
      return { tag: Tag.DateTime, value: readDateTime(r) };
    case Tag.Date:
      return { tag: Tag.Date, value: readDate(r) };
    case Tag.Time:
      return { tag: Tag.Time, value: readTime(r) };
    default:
      throw new DecodeError("bad-tag", `unknown data tag 0x${tag.toString(16)}`, at);
  }
}

function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

function readTypeDescription(r: ByteReader, depth: number): TypeDescription {
  const at = r.pos;
  if (depth >= MAX_DEPTH) throw new DecodeError("too-deep", `type description deeper than ${MAX_DEPTH}`, at);
  const tag = r.u8("type description");
  if (tag === Tag.Array) {
    const count = r.u16("array element count");
    return { tag: Tag.Array, count, element: readTypeDescription(r, depth + 1) };
  }
  if (tag === Tag.Structure) {
    const n = readCount(r, 1);
    const fields: TypeDescription[] = new Array(n);
    for (let i = 0; i < n; i++) fields[i] = readTypeDescription(r, depth + 1);
    return { tag: Tag.Structure, fields };
  }
  if (tag === Tag.CompactArray || !isSimpleTag(tag)) {
    throw new DecodeError("bad-tag", `type 0x${tag.toString(16)} cannot describe compact-array contents`, at);
  }
  return { tag };
}

function isSimpleTag(tag: number): tag is SimpleTag {
  switch (tag) {
    case Tag.NullData:
    case Tag.DontCare:
    case Tag.Boolean:
    case Tag.BitString:
    case Tag.DoubleLong:
    case Tag.DoubleLongUnsigned:
    case Tag.OctetString:
    case Tag.VisibleString:
    case Tag.Utf8String:
    case Tag.Bcd:
    case Tag.Integer:
    case Tag.Long:
    case Tag.Unsigned:
    case Tag.LongUnsigned:
    case Tag.Long64:
    case Tag.Long64Unsigned:
    case Tag.Enum:
    case Tag.Float32:
    case Tag.Float64:
    case Tag.DateTime:
    case Tag.Date:
    case Tag.Time:
      return true;
    default:
      return false;
  }
}

/** Minimum encoded size of one untagged value of this type; 0 means it can be empty. */
function minSize(t: TypeDescription): number {
  switch (t.tag) {
    case Tag.Array:
      return t.count * minSize(t.element);
    case Tag.Structure: {
      let n = 0;
      for (let i = 0; i < t.fields.length; i++) {
        const f = t.fields[i];
        n += minSize(f);
      }
      return n;
    }
    case Tag.NullData:
    case Tag.DontCare:
      return 0;
    default:
      return 1;
  }
}

function readCompactArray(r: ByteReader, depth: number): CompactArray {
  const description = readTypeDescription(r, depth + 1);
  const at = r.pos;
  const contentLength = readLength(r);
  const content = new ByteReader(r.buf, r.pos, r.pos + contentLength);
  r.bytes(contentLength, "compact-array contents");
  const values: Data[] = [];
  if (contentLength > 0 && minSize(description) === 0) {
    throw new DecodeError("bad-compact-array", "contents of a zero-size element type cannot be split", at);
  }
  // Zero-size fields (null-data) could make a few bytes expand to millions of
  // values; a budget proportional to the input bounds the allocation. It is
  // this decode's own, not module state (a preloaded module's bindings are
  // constants on a device).
  const budget = { left: 8 * contentLength + 1024 };
  while (content.remaining > 0) values.push(readUntagged(content, description, depth + 1, budget));
  return { description, values };
}

function readUntagged(r: ByteReader, t: TypeDescription, depth: number, budget: { left: number }): Data {
  if (depth >= MAX_DEPTH) throw new DecodeError("too-deep", `nesting deeper than ${MAX_DEPTH}`, r.pos);
  if (--budget.left < 0) throw new DecodeError("too-large", "compact-array expands beyond its size budget", r.pos);
  if (t.tag === Tag.Array) {
    if (t.count * minSize(t.element) > r.remaining || t.count > budget.left) {
      throw new DecodeError("truncated", `compact-array element of ${t.count} items does not fit`, r.pos);
    }
    const items: Data[] = new Array(t.count);
    for (let i = 0; i < t.count; i++) items[i] = readUntagged(r, t.element, depth + 1, budget);
    return { tag: Tag.Array, value: items };
  }
  if (t.tag === Tag.Structure) {
    const items: Data[] = new Array(t.fields.length);
    for (let i = 0; i < t.fields.length; i++) items[i] = readUntagged(r, t.fields[i], depth + 1, budget);
    return { tag: Tag.Structure, value: items };
  }
  return readValue(r, t.tag, depth, r.pos);
}

// ---------------------------------------------------------------- encoding

export function encodeData(d: Data): Uint8Array {
  const w = new ByteWriter(32);
  writeData(w, d);
  return w.toBytes();
}

/** Appends the tagged encoding of d. Throws EncodeError for unrepresentable values. */
export function writeData(w: ByteWriter, d: Data): void {
  w.u8(d.tag);
  writeValue(w, d);
}

function intIn(v: number, lo: number, hi: number, what: string): number {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new EncodeError("range", `${what} out of range: ${v}`);
  return v;
}

function writeValue(w: ByteWriter, d: Data): void {
  switch (d.tag) {
    case Tag.NullData:
    case Tag.DontCare:
      return;
    case Tag.Array:
    case Tag.Structure:
      writeLength(w, d.value.length);
      for (let i = 0; i < d.value.length; i++) {
        const item = d.value[i];
        writeData(w, item);
      }
      return;
    case Tag.Boolean:
      w.u8(d.value ? 1 : 0);
      return;
    case Tag.BitString:
      if (d.value.bytes.length !== Math.ceil(d.value.length / 8)) {
        throw new EncodeError("range", `bit-string of ${d.value.length} bits needs ${Math.ceil(d.value.length / 8)} octets`);
      }
      writeLength(w, d.value.length);
      w.bytes(d.value.bytes);
      return;
    case Tag.DoubleLong:
      w.u32(intIn(d.value, -0x80000000, 0x7fffffff, "double-long") >>> 0);
      return;
    case Tag.DoubleLongUnsigned:
      w.u32(intIn(d.value, 0, 0xffffffff, "double-long-unsigned"));
      return;
    case Tag.OctetString:
      writeLength(w, d.value.length);
      w.bytes(d.value);
      return;
    case Tag.VisibleString: {
      const s = d.value;
      writeLength(w, s.length);
      for (let i = 0; i < s.length; i++) w.u8(intIn(s.charCodeAt(i), 0, 255, "visible-string character"));
      return;
    }
    case Tag.Utf8String: {
      const b = utf8Encode(d.value);
      writeLength(w, b.length);
      w.bytes(b);
      return;
    }
    case Tag.Bcd:
    case Tag.Unsigned:
    case Tag.Enum:
      w.u8(intIn(d.value, 0, 255, "unsigned"));
      return;
    case Tag.Integer:
      w.u8(intIn(d.value, -128, 127, "integer") & 0xff);
      return;
    case Tag.Long:
      w.u16(intIn(d.value, -0x8000, 0x7fff, "long") & 0xffff);
      return;
    case Tag.LongUnsigned:
      w.u16(intIn(d.value, 0, 0xffff, "long-unsigned"));
      return;
    case Tag.CompactArray:
      writeCompactArray(w, d.value);
      return;
    case Tag.Long64:
      if (d.value < -(1n << 63n) || d.value >= 1n << 63n) throw new EncodeError("range", `long64 out of range: ${d.value}`);
      w.u64(d.value);
      return;
    case Tag.Long64Unsigned:
      if (d.value < 0n || d.value >= 1n << 64n) throw new EncodeError("range", `long64-unsigned out of range: ${d.value}`);
      w.u64(d.value);
      return;
    case Tag.Float32:
      w.f32(d.value);
      return;
    case Tag.Float64:
      w.f64(d.value);
      return;
    case Tag.DateTime:
      writeDateTime(w, d.value);
      return;
    case Tag.Date:
      writeDate(w, d.value);
      return;
    case Tag.Time:
      writeTime(w, d.value);
      return;
    default:
      throw new EncodeError("bad-tag", `cannot encode tag ${(d as { tag: number }).tag}`);
  }
}

function writeTypeDescription(w: ByteWriter, t: TypeDescription): void {
  w.u8(t.tag);
  if (t.tag === Tag.Array) {
    w.u16(intIn(t.count, 0, 0xffff, "compact-array element count"));
    writeTypeDescription(w, t.element);
  } else if (t.tag === Tag.Structure) {
    writeLength(w, t.fields.length);
    for (let i = 0; i < t.fields.length; i++) {
      const f = t.fields[i];
      writeTypeDescription(w, f);
    }
  }
}

function writeCompactArray(w: ByteWriter, ca: CompactArray): void {
  writeTypeDescription(w, ca.description);
  const content = new ByteWriter(64);
  for (let i = 0; i < ca.values.length; i++) {
    const v = ca.values[i];
    writeUntagged(content, v, ca.description);
  }
  writeLength(w, content.length);
  w.bytes(content.toBytes());
}

function writeUntagged(w: ByteWriter, d: Data, t: TypeDescription): void {
  if (d.tag !== t.tag) throw new EncodeError("type-mismatch", `compact-array element tag ${d.tag} does not match ${t.tag}`);
  if (t.tag === Tag.Array) {
    const items = d.value as Data[];
    if (items.length !== t.count) throw new EncodeError("type-mismatch", `compact-array element needs ${t.count} items`);
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      writeUntagged(w, item, t.element);
    }
  } else if (t.tag === Tag.Structure) {
    const items = d.value as Data[];
    if (items.length !== t.fields.length) throw new EncodeError("type-mismatch", "compact-array structure field count");
    for (let i = 0; i < items.length; i++) writeUntagged(w, items[i], t.fields[i]);
  } else {
    writeValue(w, d);
  }
}

// ---------------------------------------------------------------- builders

/** Short constructors, so that object code reads like the Blue Book's attribute types. */
export const D = frozen({
  null: (): Data => ({ tag: Tag.NullData, value: null }),
  array: (items: Data[]): Data => ({ tag: Tag.Array, value: items }),
  struct: (...items: Data[]): Data => ({ tag: Tag.Structure, value: items }),
  bool: (value: boolean): Data => ({ tag: Tag.Boolean, value }),
  bits: (length: number, bytes: Uint8Array): Data => ({ tag: Tag.BitString, value: { length, bytes } }),
  i8: (value: number): Data => ({ tag: Tag.Integer, value }),
  i16: (value: number): Data => ({ tag: Tag.Long, value }),
  i32: (value: number): Data => ({ tag: Tag.DoubleLong, value }),
  i64: (value: bigint): Data => ({ tag: Tag.Long64, value }),
  u8: (value: number): Data => ({ tag: Tag.Unsigned, value }),
  u16: (value: number): Data => ({ tag: Tag.LongUnsigned, value }),
  u32: (value: number): Data => ({ tag: Tag.DoubleLongUnsigned, value }),
  u64: (value: bigint): Data => ({ tag: Tag.Long64Unsigned, value }),
  enum: (value: number): Data => ({ tag: Tag.Enum, value }),
  f32: (value: number): Data => ({ tag: Tag.Float32, value }),
  f64: (value: number): Data => ({ tag: Tag.Float64, value }),
  octets: (value: Uint8Array): Data => ({ tag: Tag.OctetString, value }),
  visible: (value: string): Data => ({ tag: Tag.VisibleString, value }),
  utf8: (value: string): Data => ({ tag: Tag.Utf8String, value }),
  dateTime: (value: DateTime): Data => ({ tag: Tag.DateTime, value }),
  date: (value: CosemDate): Data => ({ tag: Tag.Date, value }),
  time: (value: CosemTime): Data => ({ tag: Tag.Time, value }),
} as const);
