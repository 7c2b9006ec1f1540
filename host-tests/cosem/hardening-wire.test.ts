/**
 * Issue 15 item 5: wire deviations a black-box client found. The expected
 * bytes are written from the ASN.1 of IEC 62056-5-3 clause 8 (xDLMS APDUs),
 * never taken from this project's encoder:
 *
 *   Set-Response ::= CHOICE { set-response-normal [1], set-response-datablock [2],
 *     set-response-last-datablock [3], set-response-last-datablock-with-list [4],
 *     set-response-with-list [5] }
 *   Set-Response-Last-Datablock-With-List ::= SEQUENCE { invoke-id-and-priority,
 *     result SEQUENCE OF Data-Access-Result, block-number Unsigned32 }
 *   Action-Response ::= CHOICE { action-response-normal [1], action-response-with-pblock [2],
 *     action-response-with-list [3], action-response-next-pblock [4] }
 *   Action-Response-With-List ::= SEQUENCE { invoke-id-and-priority,
 *     list-of-responses SEQUENCE OF Action-Response-With-Optional-Data }
 *   Invoke-Id-And-Priority ::= BIT STRING (SIZE(8)) { invoke-id (0..3), service-class (6):
 *     0 = unconfirmed, 1 = confirmed, priority (7) }
 */
import { describe, expect, it } from "vitest";
import { D, encodeData } from "../../src/cosem/axdr.js";
import { encodeApdu } from "../../src/cosem/client/codec.js";
import { DataObject } from "../../src/cosem/classes/data.js";
import { concatBytes, fromHex, toHex } from "../../src/util/bytes.js";
import { LN, SAP, buildMeter, connect } from "../../bench/rigs/xdlms-meter.js";

/** The LLS firmware association: plain APDUs, so the response bytes are the wire bytes. */
async function firmwareSession() {
  const m = buildMeter();
  const c = connect(m, SAP.firmware);
  await c.client.associate();
  return { m, ...c };
}

describe("failing block transfers answer in the form of their request (IEC 62056-5-3, 8 and Green Book 9.3.9/9.3.10 SET and ACTION with block transfer)", () => {
  it("a failing SET with-list-and-first-datablock gets set-response-last-datablock-with-list (C5 04), one result per item", async () => {
    const { m, session } = await firmwareSession();
    const raw = concatBytes(Uint8Array.of(2), encodeData(D.u16(1)), encodeData(D.u16(2)));
    // Block number 2 where the first block must be 1: data-block-number-invalid (19 = 0x13).
    const req = encodeApdu({
      type: "set-request-with-list-and-first-datablock",
      invokeId: 0xc1,
      items: [{ descriptor: { classId: 1, instance: LN.config, attribute: 2 } }, { descriptor: { classId: 1, instance: LN.config, attribute: 2 } }],
      block: { lastBlock: true, blockNumber: 2, raw },
    });
    expect(toHex(m.server.handle(req, session)!)).toBe("c504c102131300000002");
  });

  it("a failing ACTION with-list-and-first-pblock gets action-response-with-list (C7 03), one result per method", async () => {
    const { m, session } = await firmwareSession();
    const raw = concatBytes(Uint8Array.of(2), encodeData(D.u8(1)), encodeData(D.u8(2)));
    const req = encodeApdu({
      type: "action-request-with-list-and-first-pblock",
      invokeId: 0xc2,
      descriptors: [{ classId: 9, instance: LN.echo, method: 1 }, { classId: 9, instance: LN.echo, method: 1 }],
      block: { lastBlock: true, blockNumber: 2, raw },
    });
    // long-action-aborted (15 = 0x0F) per method, no return parameters (00).
    expect(toHex(m.server.handle(req, session)!)).toBe("c703c2020f000f00");
    expect(m.echo.calls).toBe(0);
  });
});

describe("unconfirmed SET and ACTION are carried out without a response (IEC 62056-5-3, 8 Invoke-Id-And-Priority service-class; Green Book 9.3: unconfirmed services have no .response)", () => {
  it("SET normal with service-class 0 (invoke byte 0x81) writes the value and answers nothing; with 0xC1 it answers C5 01", async () => {
    const { m, session } = await firmwareSession();
    const config = m.catalog.find((e) => e.object.logicalName.key === LN.config.key)!.object as DataObject;
    const unconfirmed = fromHex("c10181" + "0001" + "0000600200ff" + "02" + "00" + "120063");
    expect(m.server.handle(unconfirmed, session)).toBeUndefined();
    expect(config.get(2, { role: "management", clientSap: 1, nowUtcMs: 0 })).toEqual({ ok: true, value: D.u16(99) });
    const confirmed = fromHex("c101c1" + "0001" + "0000600200ff" + "02" + "00" + "120064");
    expect(toHex(m.server.handle(confirmed, session)!)).toBe("c501c100");
    expect(config.get(2, { role: "management", clientSap: 1, nowUtcMs: 0 })).toEqual({ ok: true, value: D.u16(100) });
  });

  it("ACTION normal with service-class 0 runs the method and answers nothing; with-list too; confirmed ones answer", async () => {
    const { m, session } = await firmwareSession();
    const descriptor = "0009" + "00000a0064ff" + "01";
    expect(m.server.handle(fromHex("c30183" + descriptor + "00"), session)).toBeUndefined();
    expect(m.echo.calls).toBe(1);
    const list = encodeApdu({ type: "action-request-with-list", invokeId: 0x84, descriptors: [{ classId: 9, instance: LN.echo, method: 1 }], parameters: [D.u8(5)] });
    expect(m.server.handle(list, session)).toBeUndefined();
    expect(m.echo.calls).toBe(2);
    expect(toHex(m.server.handle(fromHex("c301c3" + descriptor + "00"), session)!)).toBe("c701c30000");
    expect(m.echo.calls).toBe(3);
  });
});
