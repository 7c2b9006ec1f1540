import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Obis } from "../src/cosem/obis.js";
import { checkCrc16x25, putCrc16x25 } from "./support/crc.js";
import { DecodeError } from "../src/util/errors.js";
import { runtime } from "./support/report.js";

const runs = runtime === "xs" ? 200 : 2000;
const group = fc.integer({ min: 0, max: 255 });

describe("OBIS properties", () => {
  it("bytes -> Obis -> display text -> Obis -> bytes is the identity", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), (b) => {
        const o = Obis.fromBytes(b);
        expect(Obis.parse(o.toString()).toBytes()).toEqual(b);
        expect(Obis.parse(o.toDotted()).key).toBe(o.key);
      }),
      { numRuns: runs },
    );
  });

  it("distinct codes have distinct keys", () => {
    fc.assert(
      fc.property(fc.tuple(group, group, group, group, group, group), fc.tuple(group, group, group, group, group, group), (x, y) => {
        const a = Obis.of(...x);
        const b = Obis.of(...y);
        expect(a.key === b.key).toBe(x.join() === y.join());
      }),
      { numRuns: runs },
    );
  });

  it("parsing arbitrary text gives an Obis or a DecodeError", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (s) => {
        try {
          const o = Obis.parse(s);
          expect(o.toBytes()).toHaveLength(6);
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
        }
      }),
      { numRuns: runs },
    );
  });
});

describe("CRC-16/X.25 properties", () => {
  it("a frame with its CRC appended checks; any changed byte is caught", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (body, at, x) => {
        const f = new Uint8Array(body.length + 2);
        f.set(body);
        putCrc16x25(f, 0, body.length);
        expect(checkCrc16x25(f, 0, body.length)).toBe(true);
        f[at % body.length] ^= x;
        expect(checkCrc16x25(f, 0, body.length)).toBe(false);
      }),
      { numRuns: runs },
    );
  });
});
