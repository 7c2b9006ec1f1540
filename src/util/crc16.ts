/**
 * CRC-16/X.25 as HDLC (IEC 62056-46) uses it for HCS and FCS: polynomial
 * 0x1021 reflected (0x8408), init 0xFFFF, reflected in/out, final XOR 0xFFFF.
 * The frame carries the result least significant byte first.
 *
 * Every HDLC frame is checked twice per exchange (the meter's decode, its
 * answer's encode), and on XS each byte of a byte-at-a-time loop costs about
 * 28 computations: most of a plain register GET went here. So the loop takes
 * eight bytes a step ("slicing-by-8": eight 256-entry tables, 4 KiB, built
 * once and read-only, in flash on a device), then at most one four-byte step
 * and single bytes; slicing-by-4 (2 KiB) cost about 19 computations a byte,
 * by 8 cuts a plain register GET's four CRC passes by about 95
 * (hdlc.get.register.plain 8,031 -> 7,937) and more on long frames. Callers
 * run one pass over a frame (crc16x25Run carries the register from the
 * header into the information field instead of starting again).
 */
const T0 = new Uint16Array(256);
const T1 = new Uint16Array(256);
const T2 = new Uint16Array(256);
const T3 = new Uint16Array(256);
const T4 = new Uint16Array(256);
const T5 = new Uint16Array(256);
const T6 = new Uint16Array(256);
const T7 = new Uint16Array(256);
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
    T4[i] = (T3[i] >>> 8) ^ T0[T3[i] & 0xff];
    T5[i] = (T4[i] >>> 8) ^ T0[T4[i] & 0xff];
    T6[i] = (T5[i] >>> 8) ^ T0[T5[i] & 0xff];
    T7[i] = (T6[i] >>> 8) ^ T0[T6[i] & 0xff];
  }
}

/** The CRC register before any byte. */
export const CRC16_X25_INIT = 0xffff;

/** Advances the register over bytes[start, end) (no final XOR: the CRC is the register XOR 0xFFFF). */
export function crc16x25Run(crc: number, b: Uint8Array, start: number, end: number): number {
  let i = start;
  const last8 = end - 8;
  for (; i <= last8; i += 8) {
    const x = crc ^ b[i] ^ (b[i + 1] << 8);
    crc = T7[x & 0xff] ^ T6[x >>> 8] ^ T5[b[i + 2]] ^ T4[b[i + 3]] ^ T3[b[i + 4]] ^ T2[b[i + 5]] ^ T1[b[i + 6]] ^ T0[b[i + 7]];
  }
  const last4 = end - 4;
  if (i <= last4) {
    const x = crc ^ b[i] ^ (b[i + 1] << 8);
    crc = T3[x & 0xff] ^ T2[x >>> 8] ^ T1[b[i + 2]] ^ T0[b[i + 3]];
    i += 4;
  }
  for (; i < end; i++) crc = (crc >>> 8) ^ T0[(crc ^ b[i]) & 0xff];
  return crc;
}

/** CRC of bytes[start, end). */
export function crc16x25(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return crc16x25Run(CRC16_X25_INIT, bytes, start, end) ^ 0xffff;
}
