/**
 * CRC-32 (IEEE 802.3, reflected 0xEDB88320, init and final XOR 0xFFFFFFFF).
 * The log store protects records with 32 bits rather than the HDLC CRC-16:
 * a half-erased sector offers thousands of damaged records per power cut,
 * and a 16-bit check would let one through every few tens of thousands.
 */
const TABLE = /* @__PURE__ */ buildTable();

function buildTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
}

/** CRC of bytes[start, end), as an unsigned 32-bit number. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ TABLE[(crc ^ bytes[i]) & 0xff];
  return (crc ^ 0xffffffff) >>> 0;
}
