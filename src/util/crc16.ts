/**
 * CRC-16/X.25 as HDLC (IEC 62056-46) uses it for HCS and FCS: polynomial
 * 0x1021 reflected (0x8408), init 0xFFFF, reflected in/out, final XOR 0xFFFF.
 * The frame carries the result least significant byte first.
 *
 * Every HDLC frame is checked twice per exchange (the meter's decode, its
 * answer's encode), and on XS each byte of a byte-at-a-time loop costs about
 * 28 computations: most of a plain register GET went here. So the loop takes
 * four bytes a step ("slicing-by-4": four 256-entry tables, 2 KiB, built once
 * and read-only, in flash on a device), about 19 computations a byte, and
 * callers run one pass over a frame (crc16x25Run carries the register from
 * the header into the information field instead of starting again).
 */
const T0 = new Uint16Array(256);
const T1 = new Uint16Array(256);
const T2 = new Uint16Array(256);
const T3 = new Uint16Array(256);
buildTables();

function buildTables(): void {
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x8408 : c >>> 1;
    T0[i] = c;
  }
  // T_n[i]: the register after byte i followed by n zero bytes.
  for (let i = 0; i < 256; i++) {
    T1[i] = (T0[i] >>> 8) ^ T0[T0[i] & 0xff];
    T2[i] = (T1[i] >>> 8) ^ T0[T1[i] & 0xff];
    T3[i] = (T2[i] >>> 8) ^ T0[T2[i] & 0xff];
  }
}

/** The CRC register before any byte. */
export const CRC16_X25_INIT = 0xffff;

/** Advances the register over bytes[start, end) (no final XOR: the CRC is the register XOR 0xFFFF). */
export function crc16x25Run(crc: number, b: Uint8Array, start: number, end: number): number {
  let i = start;
  const last4 = end - 4;
  for (; i <= last4; i += 4) {
    const x = crc ^ b[i] ^ (b[i + 1] << 8);
    crc = T3[x & 0xff] ^ T2[x >>> 8] ^ T1[b[i + 2]] ^ T0[b[i + 3]];
  }
  for (; i < end; i++) crc = (crc >>> 8) ^ T0[(crc ^ b[i]) & 0xff];
  return crc;
}

/** CRC of bytes[start, end). */
export function crc16x25(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return crc16x25Run(CRC16_X25_INIT, bytes, start, end) ^ 0xffff;
}
