/**
 * CRC-16/X.25 as HDLC (IEC 62056-46) uses it for HCS and FCS: polynomial
 * 0x1021 reflected (0x8408), init 0xFFFF, reflected in/out, final XOR 0xFFFF.
 * The frame carries the result least significant byte first.
 * Table-driven: 512 bytes of table buy one lookup per byte instead of eight
 * shift/xor steps, which matters for every frame on a slow core.
 */
const TABLE = /* @__PURE__ */ buildTable();

function buildTable(): Uint16Array {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x8408 : c >>> 1;
    t[i] = c;
  }
  return t;
}

/** CRC of bytes[start, end). */
export function crc16x25(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ TABLE[(crc ^ bytes[i]) & 0xff];
  return crc ^ 0xffff;
}

/** Writes the CRC of bytes[start, at) into bytes[at], bytes[at + 1] (LSB first). */
export function putCrc16x25(bytes: Uint8Array, start: number, at: number): void {
  const crc = crc16x25(bytes, start, at);
  bytes[at] = crc & 0xff;
  bytes[at + 1] = crc >>> 8;
}

/** True when bytes[at], bytes[at + 1] hold the CRC of bytes[start, at). */
export function checkCrc16x25(bytes: Uint8Array, start: number, at: number): boolean {
  if (at + 2 > bytes.length || start > at) return false;
  const crc = crc16x25(bytes, start, at);
  return bytes[at] === (crc & 0xff) && bytes[at + 1] === crc >>> 8;
}
