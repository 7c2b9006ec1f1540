/**
 * The security header of a ciphered APDU (Green Book 9.2.7.2.4): the
 * security control byte and the 4-byte invocation counter.
 *
 * Security control byte: bits 0..3 security suite, bit 4 authentication,
 * bit 5 encryption, bit 6 broadcast key, bit 7 compression. The meter reads
 * it through these masks (no decoded object: nothing needs one).
 */
export const SC_AUTHENTICATED = 0x10;
export const SC_ENCRYPTED = 0x20;
export const SC_BROADCAST = 0x40;
const SC_COMPRESSED = 0x80;

/**
 * Checks a header against what this meter can process; returns a reason, or undefined when fine.
 * Suites 0 and 1 protect APDUs with the same AES-GCM-128 (suite 1 adds ECDSA/ECDH around it).
 */
export function unsupportedReason(sc: number): string | undefined {
  if ((sc & 0x0f) > 1) return `security suite ${sc & 0x0f}`;
  if ((sc & SC_COMPRESSED) !== 0) return "compression";
  return undefined;
}
