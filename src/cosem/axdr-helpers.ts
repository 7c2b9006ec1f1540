import { D, Tag, type Data } from "./axdr.js";
import {
  dateTimeFromBytes,
  dateTimeToBytes,
  readDate,
  readTime,
  writeDate,
  writeTime,
  type CosemDate,
  type CosemTime,
  type DateTime,
} from "./datetime.js";
import { Obis } from "./obis.js";
import { ByteReader, ByteWriter } from "../util/bytes.js";

/**
 * Short A-XDR builders and checked readers for the interface classes.
 * Readers return undefined on a wrong type or range, so a class answers
 * typeUnmatched / otherReason and never throws. The builders are the ones of
 * `D` in axdr.ts under the short names the class tables read best with.
 */

export const { u8, i8, u16, i16, u32, bool } = D;
export const os = D.octets;
export const en = D.enum;
export const arr = D.array;
export const st = (value: Data[]): Data => ({ tag: Tag.Structure, value });

export function dateTimeOs(dt: DateTime): Data {
  return os(dateTimeToBytes(dt));
}

export function timeOs(t: CosemTime): Data {
  const w = new ByteWriter(4);
  writeTime(w, t);
  return os(w.toBytes());
}

export function dateOs(d: CosemDate): Data {
  const w = new ByteWriter(5);
  writeDate(w, d);
  return os(w.toBytes());
}

export function asOctets(d: Data | undefined, length?: number): Uint8Array | undefined {
  if (!d || d.tag !== Tag.OctetString) return undefined;
  if (length !== undefined && d.value.length !== length) return undefined;
  return d.value;
}

export function asObis(d: Data | undefined): Obis | undefined {
  const b = asOctets(d, 6);
  return b ? Obis.fromBytes(b) : undefined;
}

/** An unsigned/signed integer of exactly the given tag, within [min, max]. */
export function asInt(d: Data | undefined, tag: number, min = -Infinity, max = Infinity): number | undefined {
  if (!d || d.tag !== tag || typeof d.value !== "number") return undefined;
  const v = d.value;
  return Number.isInteger(v) && v >= min && v <= max ? v : undefined;
}

export function asBool(d: Data | undefined): boolean | undefined {
  return d && d.tag === Tag.Boolean ? d.value : undefined;
}

export function asList(d: Data | undefined, tag: number, length?: number): Data[] | undefined {
  if (!d || d.tag !== tag) return undefined;
  const v = d.value as Data[];
  if (length !== undefined && v.length !== length) return undefined;
  return v;
}

/** A date-time as an octet-string of 12 (the Blue Book form) or a date-time tag. */
export function asDateTime(d: Data | undefined): DateTime | undefined {
  if (!d) return undefined;
  if (d.tag === Tag.DateTime) return d.value;
  const b = asOctets(d, 12);
  return b ? dateTimeFromBytes(b) : undefined;
}

export function asTime(d: Data | undefined): CosemTime | undefined {
  if (!d) return undefined;
  if (d.tag === Tag.Time) return d.value;
  const b = asOctets(d, 4);
  return b ? readTime(new ByteReader(b)) : undefined;
}

export function asDate(d: Data | undefined): CosemDate | undefined {
  if (!d) return undefined;
  if (d.tag === Tag.Date) return d.value;
  const b = asOctets(d, 5);
  return b ? readDate(new ByteReader(b)) : undefined;
}
