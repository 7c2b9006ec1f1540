import { describe, expect, it } from "vitest";
import { decodeApdu, encodeApdu } from "../../src/cosem/apdu/apdu.js";
import { openApdu, readEnvelope } from "../../src/cosem/security/protect.js";
import { hdlcGetPlain, hdlcGetSuite0, xdlmsBenchOps } from "./bench-ops.js";
import { GAK, GUEK, LN, SERVER_TITLE } from "./fixture.js";

/** The benchmark operations must keep working: each runs a few times without throwing. */
describe("xDLMS bench operations", () => {
  it.each(xdlmsBenchOps.map((op) => ({ op, name: op.name })))("$name", ({ op }) => {
    const s = op.setup() as never;
    // Each op throws when the exchange it measures goes wrong (refused association, unopened response, no blocks).
    for (let i = 0; i < 3; i++) op.run(s);
    expect((s as { m: { server: { faults: number } } }).m.server.faults).toBe(0);
  });

  it("the HDLC-framed GETs really carry a GET through the link and get the register back", async () => {
    const plain = hdlcGetPlain.setup();
    const get = encodeApdu({ type: "get-request-normal", invokeId: 0xc1, descriptor: { classId: 1, instance: LN.energy, attribute: 2 } });
    const resp = await plain.hdlc.request(get);
    expect(decodeApdu(resp)).toMatchObject({ type: "get-response-normal", result: { data: { value: 12345 } } });
    const ciphered = hdlcGetSuite0.setup();
    hdlcGetSuite0.run(ciphered);
    const opened = openApdu(ciphered.m.crypto, readEnvelope(ciphered.lastResponse!)!, SERVER_TITLE, { encryptionKey: GUEK, authenticationKey: GAK });
    expect(opened.ok && decodeApdu(opened.plain)).toMatchObject({ type: "get-response-normal", result: { data: { value: 12345 } } });
  });
});
