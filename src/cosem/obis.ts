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
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly d: number;
  readonly e: number;
  readonly f: number;
  /** The 48-bit value as a number: exact in a double, usable as a Map key. */
  readonly key: number;

  private constructor(a: number, b: number, c: number, d: number, e: number, f: number) {
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    this.e = e;
    this.f = f;
    this.key = obisKey6(a, b, c, d, e, f);
    // Immutable value: frozen, so that tables of OBIS codes stay in flash
    // when Moddable preloads them (xsl copies unfrozen objects to RAM).
    Object.freeze(this);
  }

  static of(a: number, b: number, c: number, d: number, e: number, f = 255): Obis {
    const groups = [a, b, c, d, e, f];
    for (let i = 0; i < 6; i++) {
      const g = groups[i];
      if (!Number.isInteger(g) || g < 0 || g > 255) {
        throw new RangeError(`OBIS value group ${"ABCDEF"[i]} must be an integer 0..255, got ${g}`);
      }
    }
    return new Obis(a, b, c, d, e, f);
  }

  /** From the 6-byte logical name at bytes[offset..offset+6). */
  static fromBytes(bytes: Uint8Array, offset = 0): Obis {
    if (offset < 0 || offset + 6 > bytes.length) {
      throw new DecodeError("truncated", "logical name needs 6 bytes", offset);
    }
    return new Obis(bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3], bytes[offset + 4], bytes[offset + 5]);
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
    return new Obis(g[0], g[1], g[2], g[3], g[4], g[5]);
  }

  toBytes(): Uint8Array {
    return Uint8Array.of(this.a, this.b, this.c, this.d, this.e, this.f);
  }

  /** Writes the logical name into out[offset..offset+6). */
  writeTo(out: Uint8Array, offset: number): void {
    out[offset] = this.a;
    out[offset + 1] = this.b;
    out[offset + 2] = this.c;
    out[offset + 3] = this.d;
    out[offset + 4] = this.e;
    out[offset + 5] = this.f;
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

function obisKey6(a: number, b: number, c: number, d: number, e: number, f: number): number {
  return ((a * 256 + b) * 256 + c) * 0x1000000 + ((d << 16) | (e << 8) | f);
}

/** The Map key of the logical name at bytes[offset..offset+6) without allocating an Obis. */
export function obisKeyAt(bytes: Uint8Array, offset: number): number {
  return obisKey6(bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3], bytes[offset + 4], bytes[offset + 5]);
}
