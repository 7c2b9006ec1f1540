import { describe, expect, it } from "vitest";
import { crc16x25 } from "../src/util/crc16.js";
import { checkCrc16x25, putCrc16x25 } from "./support/crc.js";
import { dlmsVector } from "./support/vectors.js";

// Whole HDLC frames from dlms-cosem's tests (shared/vectors/dlms): each has an
// HCS over format..control (when there is an information field) and an FCS
// over format..information, both CRC-16/X.25 sent LSB first.
const frames: [string, number][] = [
  ["test_hdlc/test_hdlc.py", 89], // SNRM-like frame without information field
  ["test_hdlc/test_hdlc.py", 105], // UA with negotiation parameters
  ["test_hdlc/test_hdlc.py", 137], // I-frame carrying an AARQ
  ["test_hdlc/test_hdlc.py", 168], // I-frame carrying an AARE
  ["test_hdlc/test_hdlc.py", 216], // segmented I-frame carrying a data-notification (HCS only checked)
];

function headerLength(frame: Uint8Array): number {
  // flag, format (2), destination address, source address, control
  let i = 3;
  while ((frame[i] & 1) === 0) i++;
  i++;
  while ((frame[i] & 1) === 0) i++;
  i++;
  return i + 1; // control
}

describe("CRC-16/X.25", () => {
  it("check value of ASCII 123456789 is 0x906E (CRC catalogue, shared/docs/STANDARDS.md)", () => {
    const ascii = new Uint8Array([0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39]);
    expect(crc16x25(ascii)).toBe(0x906e);
  });

  for (const [file, line] of frames) {
    it(`HCS and FCS of the frame at ${file}:${line}`, () => {
      const f = dlmsVector(file, line);
      expect(f[0]).toBe(0x7e);
      const length = ((f[1] & 0x07) << 8) | f[2];
      const end = 1 + length; // index of the closing flag when the frame is whole
      const hdr = headerLength(f);
      if (end < f.length && f[end] === 0x7e) {
        expect(checkCrc16x25(f, 1, end - 2)).toBe(true);
        if (end - 2 > hdr) expect(checkCrc16x25(f, 1, hdr)).toBe(true);
      } else {
        // The vector holds only part of a long frame: its header check still holds.
        expect(checkCrc16x25(f, 1, hdr)).toBe(true);
      }
    });
  }

  it("detects any single flipped bit in a frame", () => {
    const f = dlmsVector("test_hdlc/test_hdlc.py", 137);
    const end = f.length - 1;
    for (let i = 1; i < end - 2; i++) {
      for (let bit = 0; bit < 8; bit++) {
        f[i] ^= 1 << bit;
        expect(checkCrc16x25(f, 1, end - 2)).toBe(false);
        f[i] ^= 1 << bit;
      }
    }
    expect(checkCrc16x25(f, 1, end - 2)).toBe(true);
  });

  it("putCrc16x25 writes what checkCrc16x25 accepts, LSB first", () => {
    const buf = new Uint8Array([0xa0, 0x08, 0x02, 0x23, 0x21, 0x93, 0, 0]);
    putCrc16x25(buf, 0, 6);
    const crc = crc16x25(buf, 0, 6);
    expect(buf[6]).toBe(crc & 0xff);
    expect(buf[7]).toBe(crc >> 8);
    expect(checkCrc16x25(buf, 0, 6)).toBe(true);
    expect(checkCrc16x25(buf, 0, 7)).toBe(false);
  });
});
