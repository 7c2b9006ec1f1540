/**
 * The LLC header that precedes every xDLMS APDU in an HDLC I-frame (IEC
 * 62056-46 / Green Book 8.4.4.4): destination LSAP E6, source LSAP E6 for a
 * command (client to server) or E7 for a response, quality 00.
 */
export const LLC_REQUEST: Uint8Array = Uint8Array.of(0xe6, 0xe6, 0x00);
export const LLC_RESPONSE: Uint8Array = Uint8Array.of(0xe6, 0xe7, 0x00);

/** The APDU after the given LLC header, or undefined when the header is not there. */
export function stripLlc(bytes: Uint8Array, header: Uint8Array): Uint8Array | undefined {
  if (bytes.length < 3 || bytes[0] !== header[0] || bytes[1] !== header[1] || bytes[2] !== header[2]) return undefined;
  return bytes.subarray(3);
}
