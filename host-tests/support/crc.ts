/**
 * Check-sequence helpers for tests that build or check HDLC frames by hand
 * (the firmware computes HCS and FCS in one pass inside the frame codec,
 * src/transport/hdlc/frame.ts, so it has no use for these).
 */
import { crc16x25 } from "../../src/util/crc16.js";

/** Writes the CRC-16/X.25 of bytes[start, at) into bytes[at], bytes[at + 1] (LSB first). */
export function putCrc16x25(bytes: Uint8Array, start: number, at: number): void {
  const crc = crc16x25(bytes, start, at);
  bytes[at] = crc & 0xff;
  bytes[at + 1] = crc >>> 8;
}

/** True when bytes[at], bytes[at + 1] hold the CRC-16/X.25 of bytes[start, at). */
export function checkCrc16x25(bytes: Uint8Array, start: number, at: number): boolean {
  if (at + 2 > bytes.length || start > at) return false;
  const crc = crc16x25(bytes, start, at);
  return bytes[at] === (crc & 0xff) && bytes[at + 1] === crc >>> 8;
}
