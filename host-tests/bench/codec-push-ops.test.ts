import { describe, expect, it } from "vitest";
import { axdrDecode, axdrEncode } from "../../bench/ops/axdr.js";
import { pushAlarmCiphered } from "../../bench/ops/push.js";
import { Tag, encodeData } from "../../src/cosem/axdr.js";
import { openApdu, readEnvelope } from "../../src/cosem/security/protect.js";
import { DEVELOPMENT_KEYS } from "../../src/meter/config.js";
import { toHex } from "../../src/util/bytes.js";

describe("codec and push bench operations do what their names say", () => {
  it("axdr.decode/encode.profile24 round-trip dlms-cosem's 24-row profile response byte for byte", () => {
    const bytes = axdrDecode.setup();
    expect(axdrDecode.bytes!(bytes)).toBe(554);
    const data = axdrEncode.setup();
    if (data.tag !== Tag.Array) throw new Error("not an array");
    expect(data.value.length).toBe(24);
    expect(toHex(encodeData(data))).toBe(toHex(bytes));
    axdrDecode.run(bytes);
    axdrEncode.run(data);
  });

  it("push.alarm.ciphered seals an on-alarm data-notification that opens under the management keys, and opens a counter reservation", () => {
    const s = pushAlarmCiphered.setup();
    pushAlarmCiphered.prepare!(s);
    const reservations = s.reservations;
    pushAlarmCiphered.run(s);
    expect(s.reservations).toBe(reservations + 1);
    // run() keeps only the length; the next notification is sealed the same way, one counter value on.
    const apdu = s.meter.pushes!.notification(s.setup, s.meter.clock.now())!;
    expect(apdu[0]).toBe(0xdb);
    expect(apdu.length).toBe(pushAlarmCiphered.bytes!(s));
    const env = readEnvelope(apdu);
    if (!env || !("systemTitle" in env)) throw new Error("not a general-glo-ciphering envelope");
    const opened = openApdu(s.board.crypto, env, env.systemTitle, { encryptionKey: DEVELOPMENT_KEYS.globalUnicastKey, authenticationKey: DEVELOPMENT_KEYS.authenticationKey });
    if (!opened.ok) throw new Error(`does not open: ${opened.reason}`);
    // data-notification (0x0f), then its body: the push's logical name first (Blue Book 4.4.8.2).
    expect(opened.plain[0]).toBe(0x0f);
    expect(toHex(opened.plain)).toContain(toHex(s.setup.logicalName.toBytes()));
  });
});
