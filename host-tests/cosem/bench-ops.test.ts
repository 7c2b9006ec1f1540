import { describe, expect, it } from "vitest";
import { decodeApdu } from "../../src/cosem/client/codec.js";
import { openApdu, readEnvelope } from "../../src/cosem/security/protect.js";
import { hdlcGetSuite0, xdlmsBenchOps } from "../../bench/ops/xdlms.js";
import { GAK, GUEK, SERVER_TITLE } from "../../bench/rigs/xdlms-meter.js";

/** The benchmark operations must keep working: each runs a few times without throwing. */
describe("xDLMS bench operations", () => {
  it.each(xdlmsBenchOps.map((op) => ({ op, name: op.name })))("$name", ({ op }) => {
    const s = op.setup() as never;
    // Each op throws when the exchange it measures goes wrong (refused association, unopened response, no blocks).
    for (let i = 0; i < 3; i++) op.run(s);
    expect((s as { m: { server: { faults: number } } }).m.server.faults).toBe(0);
  });

  it("the HDLC-framed ciphered GET really carries a GET through the link and gets the register back", () => {
    const ciphered = hdlcGetSuite0.setup();
    hdlcGetSuite0.run(ciphered);
    const opened = openApdu(ciphered.m.crypto, readEnvelope(ciphered.lastResponse!)!, SERVER_TITLE, { encryptionKey: GUEK, authenticationKey: GAK });
    expect(opened.ok && decodeApdu(opened.plain)).toMatchObject({ type: "get-response-normal", result: { data: { value: 12345 } } });
  });
});
