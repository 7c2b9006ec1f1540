/**
 * Token results. The names are the meter's token acceptance and rejection
 * indications of IEC 62055-41 (Accept, Reject for format/authentication,
 * Used, Old, Key expired, Overflow, DDTK, key change 1st/2nd section
 * accepted); the IEC text itself was not available to this project, so the
 * numbers are this meter's own and the mapping to the names is documented
 * here (ARCHITECTURE.md, Prepayment). Every result is logged.
 */
export const TokenResult = Object.freeze({
  /** Accepted and applied. */
  accepted: 0,
  /** One half of a key change accepted; waiting for the other half. */
  keyChangeFirstHalf: 1,
  /** Not 20 digits, or a value of 2^66 or more ("Reject", format). */
  formatError: 2,
  /** CRC wrong after decryption: wrong key, wrong tables, mistyped or altered ("Reject", authentication). */
  authenticationError: 3,
  /** Reserved class 3, or class 1 which this meter does not support. */
  invalidClass: 4,
  /** A subclass this meter does not implement (water, gas, currency, unknown management). */
  invalidSubclass: 5,
  /** TID already in the token-ID memory ("Used"). */
  used: 6,
  /** TID older than every TID the memory holds while it is full ("Old"). */
  old: 7,
  /** TID beyond the key expiry number of the decoder key ("Key expired"). */
  keyExpired: 8,
  /** Credit would exceed the register ("Overflow"). */
  overflow: 9,
  /** Credit token entered while the meter holds the default key (key type 0, "DDTK"). */
  keyTypeNotAllowed: 10,
  /** The second half of a key change did not match the pending first half (different key revision or expiry). */
  keyChangeMismatch: 11,
  /** The meter has no decoder key provisioned (or no tables). */
  notProvisioned: 12,
} as const);
export type TokenResult = (typeof TokenResult)[keyof typeof TokenResult];

export const TOKEN_RESULT_NAMES: readonly string[] = Object.freeze([
  "accepted",
  "key-change-first-half",
  "format-error",
  "authentication-error",
  "invalid-class",
  "invalid-subclass",
  "used",
  "old",
  "key-expired",
  "overflow",
  "key-type-not-allowed",
  "key-change-mismatch",
  "not-provisioned",
]);

/** Token Gateway (class 115) token_status status_code for a result (Blue Book enum). */
export const GatewayStatus = Object.freeze({ formatOk: 0, authenticationOk: 1, validationOk: 2, executionOk: 3, formatFailure: 4, authenticationFailure: 5, validationFailure: 6, executionFailure: 7, notProcessed: 8 } as const);

export function gatewayStatusOf(r: TokenResult): number {
  switch (r) {
    case TokenResult.accepted:
      return GatewayStatus.executionOk;
    case TokenResult.keyChangeFirstHalf:
      return GatewayStatus.validationOk;
    case TokenResult.formatError:
    case TokenResult.invalidClass:
    case TokenResult.invalidSubclass:
      return GatewayStatus.formatFailure;
    case TokenResult.authenticationError:
    case TokenResult.notProvisioned:
      return GatewayStatus.authenticationFailure;
    case TokenResult.overflow:
      return GatewayStatus.executionFailure;
    default:
      return GatewayStatus.validationFailure;
  }
}
