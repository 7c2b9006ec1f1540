/**
 * The meter's data-notification against third-party bytes (dlms-cosem's
 * tests): the plain APDU of tests/test_general_global_cipher.py:47, its
 * general-glo-ciphering at :6 (system title :8, keys MYDUMMYGLOBALKEY :29,
 * security control 0x30, invocation counter 0x1E5), and the same APDU in a
 * wrapper frame, wPorts 1 and 1, at tests/test_udp_message.py:6. The
 * counter is the Security Setup's persisted transmit counter, positioned
 * through its store record.
 */
import { describe, expect, it } from "vitest";
import { SimCrypto } from "../../hal/sim/crypto.js";
import { D, encodeData } from "../../src/cosem/axdr.js";
import { Obis } from "../../src/cosem/obis.js";
import { Policy, SecuritySetup } from "../../src/cosem/security/security-setup.js";
import { MemoryKeyValueStore } from "../../src/persistence.js";
import { encodeBody, encodeNotification, pushSecurityControl, sealNotification } from "../../src/push/notification.js";
import { encodeWrapper } from "../../src/transport/wrapper/wrapper.js";
import { toHex } from "../../src/util/bytes.js";
import { dlmsVector } from "../support/vectors.js";

const plain = dlmsVector("test_general_global_cipher.py", 47);
const ciphered = dlmsVector("test_general_global_cipher.py", 6);
const title = dlmsVector("test_general_global_cipher.py", 8);
const key = dlmsVector("test_general_global_cipher.py", 29);
const udp = dlmsVector("test_udp_message.py", 6);

function setupAt(counter: number, policy: number): SecuritySetup {
  const kv = new MemoryKeyValueStore();
  kv.put("ss.p.tx", Uint8Array.of(counter >>> 24, (counter >>> 16) & 0xff, (counter >>> 8) & 0xff, counter & 0xff));
  return new SecuritySetup(
    { name: "ss.p", logicalName: Obis.of(0, 0, 43, 0, 1, 255), serverSystemTitle: title, policy, keys: { globalUnicast: key, authentication: key, master: new Uint8Array(16) } },
    kv,
    new SimCrypto(),
    { record: () => {} },
    () => Date.UTC(2026, 0, 1),
  );
}

describe("data-notification APDUs against dlms-cosem's bytes", () => {
  it("the plain notification: invoke id 0x1DB, no date-time, an octet-string body", () => {
    // The vector's body is the octet-string that follows the empty date-time (tag 09, 34 bytes).
    const body = plain.subarray(6);
    expect(body[0]).toBe(0x09);
    expect(encodeNotification(0x1db, new Uint8Array(0), encodeData(D.octets(body.subarray(2))))).toEqual(plain);
  });

  it("sealed with general-glo-ciphering under the Security Setup's counter: the vector's bytes, and the counter moved on", () => {
    const setup = setupAt(0x1e5, Policy.authenticatedResponse | Policy.encryptedResponse);
    expect(pushSecurityControl(setup)).toBe(0x30);
    const sealed = sealNotification(new SimCrypto(), plain, setup, pushSecurityControl(setup));
    expect(sealed).toEqual(ciphered);
    expect(setup.tx.peek).toBe(0x1e6);
    // The next push takes the next value: never the same nonce twice.
    expect(sealNotification(new SimCrypto(), plain, setup, 0x30)).not.toEqual(ciphered);
  });

  it("in a wrapper frame from wPort 1 to wPort 1: dlms-cosem's UDP message byte for byte", () => {
    expect(encodeWrapper(1, 1, ciphered)).toEqual(udp);
  });

  it("a policy without response protection pushes plain; the body is a structure of the encoded values in order", () => {
    expect(pushSecurityControl(setupAt(1, Policy.authenticatedRequest | Policy.encryptedRequest))).toBe(0);
    expect(pushSecurityControl(undefined)).toBe(0);
    const a = encodeData(D.u16(7));
    const b = encodeData(D.octets(Uint8Array.of(1, 2)));
    // A-XDR as the Blue Book writes it (structure tag 02, element count, the elements), not our encoder's output.
    expect(toHex(encodeBody([a, b]))).toBe("020212000709020102");
    expect(toHex(encodeBody([]))).toBe("0200");
  });
});
