import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Tag, decodeData, encodeData, type Data, type TypeDescription } from "../src/cosem/axdr.js";
import { DecodeError } from "../src/util/errors.js";
import { runtime } from "./support/report.js";

// XS interprets; the same properties run with fewer cases there.
const runs = runtime === "xs" ? 150 : 1000;

const byte = fc.integer({ min: 0, max: 255 });
const bytes = fc.uint8Array({ maxLength: 300 });
const dateTime = fc.record({
  year: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constant(0xffff)),
  month: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constantFrom(0xfd, 0xfe, 0xff)),
  day: fc.oneof(fc.integer({ min: 1, max: 31 }), fc.constantFrom(0xfd, 0xfe, 0xff)),
  dayOfWeek: fc.oneof(fc.integer({ min: 1, max: 7 }), fc.constant(0xff)),
  hour: byte,
  minute: byte,
  second: byte,
  hundredths: byte,
  deviation: fc.oneof(fc.integer({ min: -720, max: 720 }), fc.constant(-0x8000)),
  status: byte,
});

const simple: fc.Arbitrary<Data> = fc.oneof(
  fc.constant<Data>({ tag: Tag.NullData, value: null }),
  fc.constant<Data>({ tag: Tag.DontCare, value: null }),
  fc.boolean().map((value): Data => ({ tag: Tag.Boolean, value })),
  fc.integer({ min: 0, max: 40 }).chain((length) =>
    fc.uint8Array({ minLength: Math.ceil(length / 8), maxLength: Math.ceil(length / 8) }).map((b): Data => ({ tag: Tag.BitString, value: { length, bytes: b } })),
  ),
  fc.integer({ min: -0x80000000, max: 0x7fffffff }).map((value): Data => ({ tag: Tag.DoubleLong, value })),
  fc.integer({ min: 0, max: 0xffffffff }).map((value): Data => ({ tag: Tag.DoubleLongUnsigned, value })),
  bytes.map((value): Data => ({ tag: Tag.OctetString, value })),
  fc.string({ maxLength: 40 }).map((s): Data => ({ tag: Tag.VisibleString, value: s.replace(/[^\x20-\x7e]/g, "?") })),
  fc.string({ unit: "binary", maxLength: 40 }).map((value): Data => ({ tag: Tag.Utf8String, value })),
  byte.map((value): Data => ({ tag: Tag.Bcd, value })),
  fc.integer({ min: -128, max: 127 }).map((value): Data => ({ tag: Tag.Integer, value })),
  fc.integer({ min: -32768, max: 32767 }).map((value): Data => ({ tag: Tag.Long, value })),
  byte.map((value): Data => ({ tag: Tag.Unsigned, value })),
  fc.integer({ min: 0, max: 65535 }).map((value): Data => ({ tag: Tag.LongUnsigned, value })),
  fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }).map((value): Data => ({ tag: Tag.Long64, value })),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((value): Data => ({ tag: Tag.Long64Unsigned, value })),
  byte.map((value): Data => ({ tag: Tag.Enum, value })),
  fc.float({ noNaN: true }).map((value): Data => ({ tag: Tag.Float32, value })),
  fc.double({ noNaN: true }).map((value): Data => ({ tag: Tag.Float64, value })),
  dateTime.map((value): Data => ({ tag: Tag.DateTime, value })),
  fc.record({ year: fc.integer({ min: 0, max: 0xffff }), month: byte, day: byte, dayOfWeek: byte }).map((value): Data => ({ tag: Tag.Date, value })),
  fc.record({ hour: byte, minute: byte, second: byte, hundredths: byte }).map((value): Data => ({ tag: Tag.Time, value })),
);

const { data } = fc.letrec<{ data: Data }>((tie) => ({
  data: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    simple,
    fc.array(tie("data"), { maxLength: 6 }).map((value): Data => ({ tag: Tag.Array, value })),
    fc.array(tie("data"), { maxLength: 6 }).map((value): Data => ({ tag: Tag.Structure, value })),
  ),
}));

// Compact arrays: a description, then values generated to match it.
const description: fc.Arbitrary<TypeDescription> = fc.oneof(
  fc.constantFrom<TypeDescription>({ tag: Tag.LongUnsigned }, { tag: Tag.DoubleLong }, { tag: Tag.OctetString }, { tag: Tag.Boolean }),
  fc.constant<TypeDescription>({ tag: Tag.Structure, fields: [{ tag: Tag.Unsigned }, { tag: Tag.OctetString }, { tag: Tag.Long64 }] }),
  fc.constant<TypeDescription>({ tag: Tag.Array, count: 3, element: { tag: Tag.Integer } }),
);

function valueOf(t: TypeDescription): fc.Arbitrary<Data> {
  switch (t.tag) {
    case Tag.LongUnsigned:
      return fc.integer({ min: 0, max: 65535 }).map((value): Data => ({ tag: Tag.LongUnsigned, value }));
    case Tag.DoubleLong:
      return fc.integer({ min: -0x80000000, max: 0x7fffffff }).map((value): Data => ({ tag: Tag.DoubleLong, value }));
    case Tag.OctetString:
      return fc.uint8Array({ maxLength: 20 }).map((value): Data => ({ tag: Tag.OctetString, value }));
    case Tag.Boolean:
      return fc.boolean().map((value): Data => ({ tag: Tag.Boolean, value }));
    case Tag.Unsigned:
      return byte.map((value): Data => ({ tag: Tag.Unsigned, value }));
    case Tag.Integer:
      return fc.integer({ min: -128, max: 127 }).map((value): Data => ({ tag: Tag.Integer, value }));
    case Tag.Long64:
      return fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }).map((value): Data => ({ tag: Tag.Long64, value }));
    case Tag.Structure:
      return fc.tuple(...t.fields.map(valueOf)).map((value): Data => ({ tag: Tag.Structure, value }));
    case Tag.Array: {
      const el = t.element;
      return fc.array(valueOf(el), { minLength: t.count, maxLength: t.count }).map((value): Data => ({ tag: Tag.Array, value }));
    }
    default:
      throw new Error(`no generator for ${t.tag}`);
  }
}

const compactArray = description.chain((d) =>
  fc.array(valueOf(d), { maxLength: 8 }).map((values): Data => ({ tag: Tag.CompactArray, value: { description: d, values } })),
);

describe("A-XDR properties", () => {
  it("decode(encode(x)) equals x for generated Data of every type", () => {
    fc.assert(
      fc.property(fc.oneof(data, compactArray), (d) => {
        const enc = encodeData(d);
        const back = decodeData(enc);
        expect(back).toEqual(d);
        // Encoding is canonical: the decoded value encodes to the same bytes.
        expect(encodeData(back)).toEqual(enc);
      }),
      { numRuns: runs },
    );
  });

  it("decoding arbitrary bytes yields a Data or a DecodeError, nothing else", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        try {
          const d = decodeData(b);
          expect(encodeData(d).length).toBeLessThanOrEqual(b.length + 8 * b.length);
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
        }
      }),
      { numRuns: runs * 5 },
    );
  });

  it("decoding mutated valid encodings yields a Data or a DecodeError", () => {
    fc.assert(
      fc.property(data, fc.array(fc.tuple(fc.nat(), byte), { minLength: 1, maxLength: 4 }), fc.nat(), (d, flips, cut) => {
        const enc = encodeData(d);
        for (const [at, v] of flips) if (enc.length) enc[at % enc.length] = v;
        const sliced = enc.subarray(0, enc.length ? enc.length - (cut % enc.length) : 0);
        try {
          decodeData(sliced);
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
        }
      }),
      { numRuns: runs * 2 },
    );
  });
});
