import { describe, expect, it } from "vitest";
import { Obis } from "../src/cosem/obis.js";
import { toHex } from "../src/util/bytes.js";
import { DecodeError } from "../src/util/errors.js";
import { dlmsVector } from "./support/vectors.js";

describe("OBIS code", () => {
  it("test_cosem.py:18/22 (dlms-cosem): 00 00 2B 01 00 FF is 0-0:43.1.0*255 both ways", () => {
    const bytes = dlmsVector("test_cosem.py", 18);
    const o = Obis.fromBytes(bytes);
    expect([o.a, o.b, o.c, o.d, o.e, o.f]).toEqual([0, 0, 43, 1, 0, 255]);
    expect(o.toString()).toBe("0-0:43.1.0*255");
    expect(toHex(Obis.of(0, 0, 43, 1, 0, 255).toBytes())).toBe(toHex(dlmsVector("test_cosem.py", 22)));
  });

  it("parses the display, dotted and F-omitted forms (as dlms-cosem's test_obis_from_string)", () => {
    for (const s of ["1-0:1.8.0*255", "1-0:1.8.0.255", "1-0:1.8.0", "1.0.1.8.0.255", " 1.0.1.8.0.255 "]) {
      expect(Obis.parse(s).toDotted()).toBe("1.0.1.8.0.255");
    }
    expect(Obis.parse("1.0.99.1.0.255").toString()).toBe("1-0:99.1.0*255");
  });

  it("rejects malformed and out-of-range text with DecodeError", () => {
    for (const s of ["1.8.0", "", "1-0:1.8", "1-0:1.8.0*256", "256.0.1.8.0.255", "a-b:c.d.e*f", "1-0:1.8.0*255x", "1.0.1.8.0.255.1", "-1.0.1.8.0.255"]) {
      expect(() => Obis.parse(s)).toThrow(DecodeError);
    }
  });

  it("validates value groups when built from numbers", () => {
    expect(() => Obis.of(1, 0, 1, 8, 0, 256)).toThrow(RangeError);
    expect(() => Obis.of(1.5, 0, 1, 8, 0)).toThrow(RangeError);
    expect(Obis.of(1, 0, 1, 8, 0).f).toBe(255);
  });

  it("refuses a logical name shorter than 6 bytes", () => {
    expect(() => Obis.fromBytes(new Uint8Array(5))).toThrow(DecodeError);
    expect(() => Obis.fromBytes(new Uint8Array(8), 3)).toThrow(DecodeError);
  });

  it("keys are unique per code and readable without allocation", () => {
    const a = Obis.parse("1-0:1.8.0*255");
    const b = Obis.parse("1-0:1.8.1*255");
    expect(a.key).not.toBe(b.key);
    expect(a.equals(Obis.of(1, 0, 1, 8, 0, 255))).toBe(true);
    const buf = new Uint8Array([9, 9, 1, 0, 1, 8, 0, 255]);
    // The key read in place (the inline arithmetic of fromBytes) equals the one built from the groups.
    expect(Obis.fromBytes(buf, 2).key).toBe(a.key);
    expect(Obis.parse("255-255:255.255.255*255").key).toBe(2 ** 48 - 1);
  });
});
