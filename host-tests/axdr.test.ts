import { describe, expect, it } from "vitest";
import { D, Tag, decodeData, encodeData, readData, readLength, type Data } from "../src/cosem/axdr.js";
import { ByteReader, fromHex, toHex } from "../src/util/bytes.js";
import { DecodeError } from "../src/util/errors.js";
import { dateTimeFromBytes } from "../src/cosem/datetime.js";
import { dlmsVector } from "./support/vectors.js";

// Vectors: shared/vectors/dlms/dlms-cosem-test-bytes.json, cited as the
// dlms-cosem test file and line that holds the bytes. Expected values are read
// from the bytes by hand and from the assertions of those dlms-cosem tests.

function roundTrip(bytes: Uint8Array): Data {
  const d = decodeData(bytes);
  expect(toHex(encodeData(d))).toBe(toHex(bytes));
  return d;
}

function items(d: Data): Data[] {
  if (d.tag !== Tag.Array && d.tag !== Tag.Structure) throw new Error(`not a container: ${d.tag}`);
  return d.value;
}

describe("A-XDR against dlms-cosem vectors", () => {
  it("test_a_xdr.py:84 LTE quality of service: structure of 5 typed fields", () => {
    const d = roundTrip(dlmsVector("test_a_xdr.py", 84));
    expect(d.tag).toBe(Tag.Structure);
    expect(items(d)).toEqual([D.u16(720), D.u16(3240), D.u8(18), D.u8(30), D.i8(-64)]);
  });

  it("test_a_xdr.py:102 GSM cell info: structure of 7 starting with a double-long-unsigned", () => {
    const d = roundTrip(dlmsVector("test_a_xdr.py", 102));
    const f = items(d);
    expect(f).toHaveLength(7);
    expect(f[0]).toEqual(D.u32(0));
    expect(f.map((x) => x.tag)).toEqual([Tag.DoubleLongUnsigned, Tag.LongUnsigned, Tag.Unsigned, Tag.Unsigned, Tag.LongUnsigned, Tag.LongUnsigned, Tag.LongUnsigned]);
  });

  it("test_a_xdr.py:29 load profile: array of 24 structures (date-time, status, value)", () => {
    const raw = dlmsVector("test_a_xdr.py", 29);
    // First byte 00 is the Get-Data-Result choice "data"; the Data follows.
    expect(raw[0]).toBe(0);
    const d = roundTrip(raw.subarray(1));
    const rows = items(d);
    expect(rows).toHaveLength(24);
    for (let h = 0; h < 24; h++) {
      const [ts, status, value] = items(rows[h]);
      expect(ts.tag).toBe(Tag.OctetString);
      const dt = dateTimeFromBytes(ts.value as Uint8Array);
      expect([dt.year, dt.month, dt.day, dt.dayOfWeek, dt.hour, dt.minute]).toEqual([2018, 2, 12, 5, h, 0]);
      expect(dt.deviation).toBe(-0x8000);
      expect(status).toEqual(D.u8(0));
      expect(value.tag).toBe(Tag.DoubleLongUnsigned);
    }
    expect(items(rows[0])[2]).toEqual(D.u32(0x186a0));
    expect(items(rows[23])[2]).toEqual(D.u32(0x1ac00));
  });

  it("test_parsers.py:6 profile buffer with null-data timestamps (compressed rows)", () => {
    const rows = items(roundTrip(dlmsVector("test_parsers.py", 6)));
    expect(rows).toHaveLength(4);
    expect(items(rows[0])).toHaveLength(4);
    const first = dateTimeFromBytes(items(rows[0])[0].value as Uint8Array);
    expect([first.year, first.month, first.day, first.hour, first.deviation]).toEqual([2019, 12, 31, 23, -60]);
    for (let i = 1; i < 4; i++) expect(items(rows[i])[0]).toEqual(D.null());
    expect(items(rows[0])[2]).toEqual(D.u32(0x5ed));
    expect(items(rows[0])[3]).toEqual(D.u32(0x654));
    expect(items(rows[0])[1]).toEqual(D.u8(6));
  });

  it("test_xdlms/test_set.py:16 octet-string holding a date-time", () => {
    const d = roundTrip(dlmsVector("test_xdlms/test_set.py", 16));
    const dt = dateTimeFromBytes(d.value as Uint8Array);
    expect(dt).toEqual({ year: 2021, month: 1, day: 24, dayOfWeek: 0xff, hour: 14, minute: 48, second: 57, hundredths: 80, deviation: -60, status: 0 });
  });

  it("test_xdlms/test_selective_access.py:19 capture object definition", () => {
    const d = roundTrip(dlmsVector("test_xdlms/test_selective_access.py", 19));
    expect(items(d)).toEqual([D.u16(8), D.octets(fromHex("0000010000ff")), D.i8(2), D.u16(0)]);
  });

  it("test_xdlms/test_selective_access.py:77 range descriptor parameters", () => {
    const raw = dlmsVector("test_xdlms/test_selective_access.py", 77);
    expect(raw[0]).toBe(1); // access selector 1 = range_descriptor
    const f = items(roundTrip(raw.subarray(1)));
    expect(f).toHaveLength(4);
    expect(items(f[0])).toEqual([D.u16(8), D.octets(fromHex("0000010000ff")), D.i8(2), D.u16(0)]);
    expect(dateTimeFromBytes(f[1].value as Uint8Array).deviation).toBe(-120);
    expect(dateTimeFromBytes(f[2].value as Uint8Array).day).toBe(6);
    expect(f[3]).toEqual(D.array([]));
  });

  it("test_dlms_connection.py:183 long-unsigned 0", () => {
    expect(roundTrip(dlmsVector("test_dlms_connection.py", 183))).toEqual(D.u16(0));
  });

  it("test_a_xdr.py:112 multi-byte length 82 0F 0F = 3855", () => {
    expect(readLength(new ByteReader(dlmsVector("test_a_xdr.py", 112)))).toBe(0x0f0f);
  });
});

describe("A-XDR every type", () => {
  const cases: [string, Data][] = [
    ["00", D.null()],
    ["ff", { tag: Tag.DontCare, value: null }],
    ["0301", D.bool(true)],
    ["0300", D.bool(false)],
    ["040ba5e0", D.bits(11, fromHex("a5e0"))],
    ["05fffffffe", D.i32(-2)],
    ["06ffffffff", D.u32(0xffffffff)],
    ["0903010203", D.octets(fromHex("010203"))],
    ["0a0341425a", D.visible("ABZ")],
    ["0c03e282ac", D.utf8("€")],
    ["0d99", { tag: Tag.Bcd, value: 0x99 }],
    ["0f80", D.i8(-128)],
    ["108000", D.i16(-32768)],
    ["11ff", D.u8(255)],
    ["12ffff", D.u16(65535)],
    ["148000000000000000", D.i64(-(1n << 63n))],
    ["15ffffffffffffffff", D.u64((1n << 64n) - 1n)],
    ["1603", D.enum(3)],
    ["173fc00000", D.f32(1.5)],
    ["18c004000000000000", D.f64(-2.5)],
    ["1907e40101ff00030000ff8800", D.dateTime({ year: 2020, month: 1, day: 1, dayOfWeek: 0xff, hour: 0, minute: 3, second: 0, hundredths: 0, deviation: -120, status: 0 })],
    ["1affffff fe ff".replace(/ /g, ""), D.date({ year: 0xffff, month: 0xff, day: 0xfe, dayOfWeek: 0xff })],
    ["1b173b3b63", D.time({ hour: 23, minute: 59, second: 59, hundredths: 99 })],
    ["0102" + "0201" + "1201f4" + "0200", D.array([D.struct(D.u16(500)), D.struct()])],
  ];
  for (const [hex, value] of cases) {
    it(`${hex} <-> tag ${value.tag}`, () => {
      expect(decodeData(fromHex(hex))).toEqual(value);
      expect(toHex(encodeData(value))).toBe(hex);
    });
  }

  it("octet-strings longer than 127 bytes use the long length form", () => {
    const big = new Uint8Array(300).fill(7);
    const enc = encodeData(D.octets(big));
    expect(toHex(enc.subarray(0, 4))).toBe("0982012c");
    expect(decodeData(enc)).toEqual(D.octets(big));
  });

  it("compact-array of integer as cjhdev/dlms_trouble encodes it (test/tc_d_compact_array.rb)", () => {
    // Third-party bytes not yet in shared/vectors: six integers 42 -> 13 0F 06 2A*6.
    const bytes = fromHex("130f062a2a2a2a2a2a");
    const d = decodeData(bytes);
    expect(d).toEqual({ tag: Tag.CompactArray, value: { description: { tag: Tag.Integer }, values: [42, 42, 42, 42, 42, 42].map(D.i8) } });
    expect(toHex(encodeData(d))).toBe(toHex(bytes));
  });

  it("compact-array of long-unsigned", () => {
    const ca: Data = { tag: Tag.CompactArray, value: { description: { tag: Tag.LongUnsigned }, values: [D.u16(1), D.u16(2), D.u16(0x1234)] } };
    const enc = encodeData(ca);
    // tag, type description (long-unsigned), content length 6, three untagged values
    expect(toHex(enc)).toBe("1312" + "06" + "0001" + "0002" + "1234");
    expect(decodeData(enc)).toEqual(ca);
  });

  it("compact-array of structures with an octet-string field", () => {
    const desc = { tag: Tag.Structure, fields: [{ tag: Tag.OctetString }, { tag: Tag.DoubleLongUnsigned }] } as const;
    const ca: Data = {
      tag: Tag.CompactArray,
      value: {
        description: { tag: Tag.Structure, fields: [...desc.fields] },
        values: [D.struct(D.octets(fromHex("aa")), D.u32(1)), D.struct(D.octets(fromHex("")), D.u32(2))],
      },
    };
    const enc = encodeData(ca);
    expect(toHex(enc)).toBe("13" + "0202" + "09" + "06" + "0b" + "01aa00000001" + "0000000002");
    expect(decodeData(enc)).toEqual(ca);
  });
});

describe("A-XDR refuses bad input with DecodeError", () => {
  const bad: [string, string][] = [
    ["", "truncated"],
    ["08", "bad-tag"],
    ["0104", "bad-length"],
    ["0905aabb", "truncated"],
    ["0980", "bad-length"],
    ["098500000001", "bad-length"],
    ["0c02c328", "bad-utf8"],
    ["19 07e4 01".replace(/ /g, ""), "truncated"],
    ["1200", "truncated"],
    ["120000ff", "trailing"],
    ["1301" + "00", "truncated"],
    ["1300" + "05" + "0000000000", "bad-compact-array"],
    ["1313" + "00", "bad-tag"],
  ];
  for (const [hex, code] of bad) {
    it(`"${hex}" -> ${code}`, () => {
      let err: unknown;
      try {
        decodeData(fromHex(hex));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DecodeError);
      expect((err as DecodeError).code).toBe(code);
    });
  }

  it("refuses nesting beyond MAX_DEPTH instead of recursing without bound", () => {
    const deep = new Uint8Array(2000);
    for (let i = 0; i < 1000; i++) {
      deep[2 * i] = 0x02;
      deep[2 * i + 1] = 0x01;
    }
    expect(() => decodeData(deep)).toThrow(DecodeError);
  });

  it("readData leaves the reader after one value", () => {
    const r = new ByteReader(fromHex("1100" + "1201f4"));
    expect(readData(r)).toEqual(D.u8(0));
    expect(readData(r)).toEqual(D.u16(500));
    expect(r.remaining).toBe(0);
  });
});
