/**
 * Codes of the "security" event log. The shared standards digest does not
 * list the IDIS security-log codes, so these are this project's own
 * assignments, kept in one place so a board can remap them to a utility's
 * companion specification.
 */
export const SecurityEvent = Object.freeze({
  /** A ciphered APDU whose tag did not verify or that could not be deciphered. */
  decipheringFailed: 1,
  /** A received invocation counter not above the last accepted one (value = the counter). */
  replay: 2,
  /** LLS password or HLS f(StoC) wrong (value = client SAP). */
  authenticationFailed: 3,
  /** An AARQ refused for its context, mechanism or missing system title (value = client SAP). */
  associationRefused: 4,
  /** A plain or weaker-protected APDU where the security policy requires protection. */
  policyViolation: 5,
  /** An unsupported security suite or compressed APDU. */
  unsupportedSecurity: 6,
  /** Global key replaced through key_transfer (value = key id). */
  keyChanged: 7,
  /** key_transfer with data that does not unwrap under the KEK. */
  keyUnwrapFailed: 8,
  /** Security policy raised through security_activate (value = new policy). */
  policyActivated: 9,
  /** The transmit invocation counter is exhausted: keys must change. */
  counterExhausted: 10,
  /** HLS secret changed through change_HLS_secret (value = client SAP). */
  secretChanged: 11,
  /** A client SAP's failed attempts reached the lockout threshold (value = client SAP); logged once per burst (server/auth-guard.ts). */
  authenticationLockout: 12,
  /**
   * Storage damage may have lost the newest accepted receive counter, so no
   * safe floor can be proved: a ciphered APDU was refused (value = client
   * SAP) until an HLS authentication with fresh challenge proves the
   * client's current counter, or a key change resets it (counters.ts).
   */
  receiveCounterUnproven: 13,
  /** The receive counter was proved again by an HLS pass 3 after storage damage (value = the new floor). */
  receiveCounterProven: 14,
  /**
   * Storage damage destroyed both copies of the transmit counter's
   * reservation (counters.ts), so no value can be proved unused under the
   * current keys: ciphered service with them is refused (logged at the boot
   * that found it, value = the Security Setup's instance E of 0-0:43.0.E.255,
   * and at each refused association, value = client SAP + 256) until new
   * keys are loaded (ARCHITECTURE.md, Storage).
   */
  transmitCounterUnproven: 15,
} as const);
