import { DecodeError } from "../util/errors.js";

/**
 * Unsigned LEB128 varints and zigzag for signed values, on plain numbers up
 * to 2^53 (no BigInt: it is slow on XS). Profiles store deltas this way, so
 * a typical 15-minute energy delta takes one or two bytes.
 */
export class VarintWriter {
  private declare buf: Uint8Array;
  declare length: number;

  constructor(capacity = 64) {
    this.length = 0;
    this.buf = new Uint8Array(capacity);
  }

  byte(v: number): void {
    if (this.length === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }

  /** Unsigned integer 0..2^53-1. */
  uint(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`varint ${v}`);
    while (v >= 0x80) {
      this.byte((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.byte(v);
  }

  /** Signed integer, zigzag: 0, -1, 1, -2 ... -> 0, 1, 2, 3 ... */
  sint(v: number): void {
    this.uint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Bounds-checked varint reader: throws only DecodeError. */
export class VarintReader {
  declare pos: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  byte(): number {
    if (this.pos >= this.end) throw new DecodeError("truncated", "varint data ends early", this.pos);
    return this.buf[this.pos++];
  }

  uint(): number {
    // One byte (values below 128, most profile deltas) without the general loop.
    const p = this.pos;
    if (p < this.end && this.buf[p] < 0x80) {
      this.pos = p + 1;
      return this.buf[p];
    }
    let v = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      v += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (!Number.isSafeInteger(v)) break;
        return v;
      }
      scale *= 0x80;
    }
    throw new DecodeError("bad-varint", "varint longer than 53 bits", this.pos);
  }

  sint(): number {
    const z = this.uint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }
}
