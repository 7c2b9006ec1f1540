import { DecodeError } from "../util/errors.js";

/**
 * An OBIS code (IEC 62056-61): six value groups A..F, each 0..255.
 *
 * Wire form: the 6-byte logical name. Display form: `A-B:C.D.E*F`.
 * Parsing also accepts the dotted form `A.B.C.D.E.F` used in catalogs and
 * issue texts, and `A-B:C.D.E.F` (F after a dot), both common in tools; F may
 * be omitted in the display forms and then defaults to 255, as in IEC 62056-61.
 * Anything else is rejected: a half-parsed OBIS code would address the wrong
 * object.
 */
export class Obis {
  /**
   * The 48-bit value as a number: exact in a double, usable as a Map key.
   * It is the only field: the value groups are read from it, so a logical
   * name costs one property on the heap instead of seven (a meter holds a
   * few hundred of them).
   */
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare readonly key: number;

  private constructor(key: number) {
    this.key = key;
    // Immutable value: frozen, so that tables of OBIS codes stay in flash
    // when Moddable preloads them (xsl copies unfrozen objects to RAM).
    Object.freeze(this);
  }

  get a(): number {
    return Math.floor(this.key / 0x10000000000);
  }
  get b(): number {
    return Math.floor(this.key / 0x100000000) % 256;
  }
  get c(): number {
    return Math.floor(this.key / 0x1000000) % 256;
  }
  get d(): number {
    return (this.key % 0x1000000) >>> 16;
  }
  get e(): number {
    return ((this.key % 0x1000000) >>> 8) & 0xff;
  }
  get f(): number {
    return this.key % 256;
  }

  static of(a: number, b: number, c: number, d: number, e: number, f = 255): Obis {
    checkGroup(a, 0);
    checkGroup(b, 1);
    checkGroup(c, 2);
    checkGroup(d, 3);
    checkGroup(e, 4);
    checkGroup(f, 5);
    return new Obis(obisKey6(a, b, c, d, e, f));
  }

  /** From the 6-byte logical name at bytes[offset..offset+6). */
  static fromBytes(bytes: Uint8Array, offset = 0): Obis {
    if (offset < 0 || offset + 6 > bytes.length) {
      throw new DecodeError("truncated", "logical name needs 6 bytes", offset);
    }
    // The key inline (obisKey6's arithmetic): every request names an object this way.
    const b = bytes;
    const o = offset;
    return new Obis(((b[o] * 256 + b[o + 1]) * 256 + b[o + 2]) * 0x1000000 + ((b[o + 3] << 16) | (b[o + 4] << 8) | b[o + 5]));
  }

  /** Parses the display or dotted form; throws DecodeError naming the problem. */
  static parse(text: string): Obis {
    const s = text.trim();
    let m = /^(\d{1,3})-(\d{1,3}):(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:[*.](\d{1,3}))?$/.exec(s);
    if (!m) m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
    if (!m) throw new DecodeError("bad-obis", `not an OBIS code: "${text}" (expected A-B:C.D.E*F or A.B.C.D.E.F)`);
    const g: number[] = [];
    for (let i = 1; i <= 6; i++) {
      const v = m[i] === undefined ? 255 : parseInt(m[i], 10);
      if (v > 255) throw new DecodeError("bad-obis", `OBIS value group ${"ABCDEF"[i - 1]} out of range in "${text}"`);
      g.push(v);
    }
    return new Obis(obisKey6(g[0], g[1], g[2], g[3], g[4], g[5]));
  }

  toBytes(): Uint8Array {
    const out = new Uint8Array(6);
    this.writeTo(out, 0);
    return out;
  }

  /** Writes the logical name into out[offset..offset+6). */
  writeTo(out: Uint8Array, offset: number): void {
    const high = Math.floor(this.key / 0x1000000); // A, B, C
    const low = this.key % 0x1000000; // D, E, F
    out[offset] = high >>> 16;
    out[offset + 1] = (high >>> 8) & 0xff;
    out[offset + 2] = high & 0xff;
    out[offset + 3] = low >>> 16;
    out[offset + 4] = (low >>> 8) & 0xff;
    out[offset + 5] = low & 0xff;
  }

  /** `A-B:C.D.E*F` */
  toString(): string {
    return `${this.a}-${this.b}:${this.c}.${this.d}.${this.e}*${this.f}`;
  }

  /** `A.B.C.D.E.F` */
  toDotted(): string {
    return `${this.a}.${this.b}.${this.c}.${this.d}.${this.e}.${this.f}`;
  }

  equals(other: Obis): boolean {
    return this.key === other.key;
  }
}

function checkGroup(g: number, i: number): void {
  if (!Number.isInteger(g) || g < 0 || g > 255) throw new RangeError(`OBIS value group ${"ABCDEF"[i]} must be an integer 0..255, got ${g}`);
}

function obisKey6(a: number, b: number, c: number, d: number, e: number, f: number): number {
  return ((a * 256 + b) * 256 + c) * 0x1000000 + ((d << 16) | (e << 8) | f);
}
