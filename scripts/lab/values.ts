/**
 * Values on the lab's command line and screen. Display: A-XDR Data as short
 * text (date-times decoded, printable octet strings as text, others hex).
 * Input for `set` and `action`: a typed literal (`u32:42`, `os:0102`,
 * `vs:text`, `dt:2026-01-14T07:00:00Z`, `bool:true`, `enum:1`, `null`) or
 * the A-XDR bytes themselves (`hex:0906...`), decoded by the project's A-XDR
 * codec, so the lab never encodes anything the library does not.
 */
import { Tag, decodeData, type Data } from "../../src/cosem/axdr.js";
import { dateTimeFromBytes, dateTimeFromUtcMs, dateTimeToBytes, dateTimeToUtcMs, DEVIATION_NOT_SPECIFIED, type DateTime } from "../../src/cosem/datetime.js";
import { fromHex, toHex } from "../../src/util/bytes.js";

const p2 = (n: number) => (n < 10 ? "0" : "") + n;

function formatDateTime(dt: DateTime): string {
  const year = dt.year === 0xffff ? "****" : String(dt.year);
  const f = (n: number) => (n === 0xff ? "**" : p2(n));
  const dev = dt.deviation === DEVIATION_NOT_SPECIFIED ? "" : ` dev ${dt.deviation}`;
  return `${year}-${f(dt.month)}-${f(dt.day)} ${f(dt.hour)}:${f(dt.minute)}:${f(dt.second)}${dev}`;
}

function printable(b: Uint8Array): boolean {
  if (b.length === 0) return false;
  for (const c of b) if (c < 0x20 || c > 0x7e) return false;
  return true;
}

export function formatData(d: Data): string {
  switch (d.tag) {
    case Tag.NullData:
      return "null";
    case Tag.Array:
    case Tag.Structure: {
      const items = (d.value as Data[]).map(formatData);
      return d.tag === Tag.Array ? `[${items.join(", ")}]` : `{${items.join(", ")}}`;
    }
    case Tag.OctetString: {
      const b = d.value as Uint8Array;
      // Printable text first: an identifier such as an image name may be 12
      // bytes long, while a date-time's year high byte is never printable
      // (it would be a year past 8191, or 0xff for "not specified").
      if (b.length === 12 && !printable(b)) {
        try {
          return formatDateTime(dateTimeFromBytes(b));
        } catch {
          // not a date-time after all
        }
      }
      if (b.length === 6 && !printable(b)) return `${b[0]}-${b[1]}:${b[2]}.${b[3]}.${b[4]}*${b[5]}`;
      return printable(b) ? `"${String.fromCharCode(...b)}"` : toHex(b);
    }
    case Tag.VisibleString:
    case Tag.Utf8String:
      return JSON.stringify(d.value);
    case Tag.Boolean:
      return String(d.value);
    case Tag.BitString: {
      const bs = d.value as { length: number; bytes: Uint8Array };
      let s = "";
      for (let i = 0; i < bs.length; i++) s += (bs.bytes[i >> 3] >> (7 - (i & 7))) & 1;
      return `b'${s}'`;
    }
    case Tag.DateTime:
      return formatDateTime(d.value);
    case Tag.Date:
    case Tag.Time:
      return JSON.stringify(d.value);
    default:
      return typeof d.value === "bigint" ? d.value.toString() : typeof d.value === "number" ? String(d.value) : JSON.stringify(d.value, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  }
}

const INT_TAGS: Record<string, [number, number, number]> = {
  i8: [Tag.Integer, -128, 127],
  u8: [Tag.Unsigned, 0, 255],
  i16: [Tag.Long, -32768, 32767],
  u16: [Tag.LongUnsigned, 0, 65535],
  i32: [Tag.DoubleLong, -0x80000000, 0x7fffffff],
  u32: [Tag.DoubleLongUnsigned, 0, 0xffffffff],
  enum: [Tag.Enum, 0, 255],
};

/** Parses a typed literal; throws an Error with a usable message on bad input. */
export function parseValue(text: string): Data {
  if (text === "null") return { tag: Tag.NullData, value: null } as Data;
  const colon = text.indexOf(":");
  if (colon < 0) throw new Error(`value "${text}": expected type:value (u8, u16, u32, i8, i16, i32, enum, bool, os, vs, dt, hex) or null`);
  const type = text.slice(0, colon);
  const v = text.slice(colon + 1);
  const int = INT_TAGS[type];
  if (int) {
    const n = Number(v);
    if (!Number.isInteger(n) || n < int[1] || n > int[2]) throw new Error(`${type} takes an integer in ${int[1]}..${int[2]}`);
    return { tag: int[0], value: n } as Data;
  }
  switch (type) {
    case "bool":
      if (v !== "true" && v !== "false") throw new Error("bool takes true or false");
      return { tag: Tag.Boolean, value: v === "true" };
    case "os":
      return { tag: Tag.OctetString, value: fromHex(v) };
    case "vs":
      if (!/^[\x20-\x7e]*$/.test(v)) throw new Error("vs takes printable ASCII");
      return { tag: Tag.VisibleString, value: v };
    case "dt": {
      const ms = Date.parse(v);
      if (Number.isNaN(ms)) throw new Error(`dt takes an ISO date-time such as 2026-01-14T07:00:00Z, not "${v}"`);
      return { tag: Tag.OctetString, value: dateTimeToBytes(dateTimeFromUtcMs(ms, 0, 0)) };
    }
    case "hex":
      return decodeData(fromHex(v));
    default:
      throw new Error(`unknown value type "${type}"`);
  }
}

/** UTC ms of a 12-byte date-time octet string, if it is one with a known instant. */
export function dateTimeUtc(d: Data | undefined): number | undefined {
  if (!d || d.tag !== Tag.OctetString || (d.value as Uint8Array).length !== 12) return undefined;
  try {
    return dateTimeToUtcMs(dateTimeFromBytes(d.value as Uint8Array), 0);
  } catch {
    return undefined;
  }
}
