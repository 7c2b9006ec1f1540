/**
 * The LLC-headed information field of an HDLC frame a test sends by hand
 * (the firmware's links write the header through encodeFrame's head, so
 * they have no use for a joined copy).
 */
export function withLlc(apdu: Uint8Array, header: Uint8Array): Uint8Array {
  const out = new Uint8Array(apdu.length + 3);
  out.set(header, 0);
  out.set(apdu, 3);
  return out;
}
