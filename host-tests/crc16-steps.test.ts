import { describe, expect, it } from "vitest";
import { CRC16_X25_INIT, crc16x25, crc16x25Run } from "../src/util/crc16.js";

/**
 * The table-driven CRC takes eight bytes a step, then four, then single
 * bytes (src/util/crc16.ts): every length and start offset must give what
 * the bitwise definition gives (reflected polynomial 0x8408, init and final
 * XOR 0xFFFF), whose check value is the catalogue's 0x906E.
 */
function bitwise(b: Uint8Array, start: number, end: number): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) {
    crc ^= b[i];
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x8408 : crc >>> 1;
  }
  return crc ^ 0xffff;
}

describe("CRC-16/X.25 table steps", () => {
  it("the bitwise reference has the catalogue's check value 0x906E", () => {
    expect(bitwise(Uint8Array.of(0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39), 0, 9)).toBe(0x906e);
  });

  it("every length 0..40 at every start 0..8 equals the bitwise reference", () => {
    const b = new Uint8Array(64);
    for (let i = 0; i < b.length; i++) b[i] = (i * 151 + 17) & 0xff;
    for (let start = 0; start <= 8; start++) {
      for (let n = 0; n <= 40; n++) expect(crc16x25(b, start, start + n)).toBe(bitwise(b, start, start + n));
    }
  });

  it("a run split anywhere carries the register on (one pass over header and information)", () => {
    const b = new Uint8Array(37);
    for (let i = 0; i < b.length; i++) b[i] = (i * 73 + 5) & 0xff;
    for (let cut = 0; cut <= b.length; cut++) {
      expect(crc16x25Run(crc16x25Run(CRC16_X25_INIT, b, 0, cut), b, cut, b.length) ^ 0xffff).toBe(bitwise(b, 0, b.length));
    }
  });
});
