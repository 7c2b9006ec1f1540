/**
 * Data-notification APDUs (IEC 62056-5-3, 9.3.x: DataNotification ::=
 * SEQUENCE {long-invoke-id-and-priority, date-time OCTET STRING,
 * notification-body}), built straight from the encoded values of a Push
 * Setup's push_object_list, and sealed with general-glo-ciphering under a
 * Security Setup's keys, server system title and its persisted transmit
 * invocation counter: the same counter the xDLMS server takes its values
 * from, so no value is ever used twice whoever sends.
 */
import type { CryptoPort } from "../../hal/crypto.js";
import { writeLength } from "../cosem/axdr.js";
import { SC_AUTHENTICATED, SC_ENCRYPTED } from "../cosem/security/header.js";
import { sealApdu } from "../cosem/security/protect.js";
import { Policy, type SecuritySetup } from "../cosem/security/security-setup.js";
import { ByteWriter } from "../util/bytes.js";

const DATA_NOTIFICATION = 0x0f;
const STRUCTURE = 0x02;

/** long-invoke-id-and-priority bit 31: high priority (alarms, last gasp). Bit 30 (service class) stays 0: unconfirmed. */
export const PRIORITY_HIGH = 0x80000000;

/** The notification body: a structure of the already encoded values, in push_object_list order. */
export function encodeBody(values: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (let j = 0; j < values.length; j++) {
    const v = values[j];
    size += v.length;
  }
  const w = new ByteWriter(size + 6);
  w.u8(STRUCTURE);
  writeLength(w, values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    w.bytes(v);
  }
  return w.toBytes();
}

/**
 * The plain data-notification: tag 0x0F, long-invoke-id-and-priority (24-bit
 * invoke id plus the priority bit), date-time as an A-XDR octet string (empty
 * when the sender gives none), then the encoded body.
 */
export function encodeNotification(longInvokeId: number, dateTime: Uint8Array, body: Uint8Array): Uint8Array {
  const w = new ByteWriter(body.length + dateTime.length + 8);
  w.u8(DATA_NOTIFICATION).u32(longInvokeId >>> 0);
  writeLength(w, dateTime.length);
  w.bytes(dateTime);
  w.bytes(body);
  return w.toBytes();
}

/**
 * The security control a push carries under a Security Setup: the response
 * bits of its policy (what the meter applies to what it sends). 0: plain.
 */
export function pushSecurityControl(setup: SecuritySetup | undefined): number {
  if (!setup) return 0;
  const p = setup.policy;
  return ((p & Policy.authenticatedResponse) !== 0 ? SC_AUTHENTICATED : 0) | ((p & Policy.encryptedResponse) !== 0 ? SC_ENCRYPTED : 0);
}

/**
 * general-glo-ciphering of a plain notification with the setup's global key
 * and its next transmit invocation counter. undefined when the keys are
 * missing or the counter space is used up (the key must change first).
 */
export function sealNotification(crypto: CryptoPort, plain: Uint8Array, setup: SecuritySetup, securityControl: number): Uint8Array | undefined {
  const keys = setup.suite0Keys();
  if (!keys) return undefined;
  const ic = setup.tx.take();
  if (ic === undefined) return undefined;
  return sealApdu(crypto, plain, { securityControl, systemTitle: setup.serverSystemTitle, invocationCounter: ic, keys, dedicated: false, general: true });
}
