import { describe, expect, it } from "vitest";
import { decodeApdu as meterDecode, encodeApdu as meterEncode, type ApduFromMeter } from "../../src/cosem/apdu/apdu.js";
import { ApplicationContext, AssociationResult } from "../../src/cosem/apdu/acse.js";
import { ServiceError, StateError } from "../../src/cosem/apdu/xdlms.js";
import { D } from "../../src/cosem/axdr.js";
import { decodeApdu, encodeApdu, type Apdu } from "../../src/cosem/client/codec.js";
import { encodeAarq } from "../../src/cosem/client/client-apdu.js";
import { Obis } from "../../src/cosem/obis.js";
import { DecodeError } from "../../src/util/errors.js";
import { dlmsVector } from "../support/vectors.js";
import { SAP, TestSession, buildMeter } from "../../bench/rigs/xdlms-meter.js";

/**
 * The APDU codec is split by direction (bench/README.md, footprint.bytecode):
 * src/cosem/apdu/apdu.ts reads what a meter receives and writes what it
 * sends, and is all a device build has; the client's directions are in
 * src/cosem/client/. The meter's half must agree with the two-way codec on
 * its directions, refuse the others as an unknown tag, and the server must
 * answer a client-direction APDU sent to it as it did with the one codec.
 */
const LN = Obis.of(1, 0, 1, 8, 0, 255);
const desc = { classId: 3, instance: LN, attribute: 2 };

const toMeter: Apdu[] = [
  { type: "get-request-normal", invokeId: 0xc1, descriptor: desc },
  { type: "get-request-next", invokeId: 0xc1, blockNumber: 7 },
  { type: "set-request-normal", invokeId: 0xc1, descriptor: desc, value: { data: D.u32(5) } },
  { type: "action-request-normal", invokeId: 0xc1, descriptor: { classId: 70, instance: LN, method: 1 }, parameters: D.i8(0) },
  { type: "initiate-request", proposedDlmsVersion: 6, proposedConformance: 0x1c1f, clientMaxReceivePduSize: 512 },
  { type: "aarq", applicationContext: ApplicationContext.ln, authenticationRequested: false },
  { type: "rlrq", reason: 0 },
];

const fromMeter: ApduFromMeter[] = [
  { type: "get-response-normal", invokeId: 0xc1, result: { data: D.u32(5) } },
  { type: "get-response-with-datablock", invokeId: 0xc1, block: { lastBlock: true, blockNumber: 2, result: { raw: Uint8Array.of(1, 2, 3) } } },
  { type: "set-response-normal", invokeId: 0xc1, result: 0 },
  { type: "action-response-normal", invokeId: 0xc1, response: { result: 0, returnParameters: { data: D.bool(true) } } },
  { type: "exception-response", stateError: StateError.serviceNotAllowed, serviceError: ServiceError.invocationCounterError, invocationCounter: 9 },
  { type: "initiate-response", negotiatedDlmsVersion: 6, negotiatedConformance: 0x1c1f, serverMaxReceivePduSize: 512, vaaName: 7 },
  { type: "confirmed-service-error", service: 1, errorKind: 6, value: 1 },
  { type: "aare", applicationContext: ApplicationContext.ln, result: AssociationResult.accepted, diagnosticSource: 1, diagnostic: 0, authenticationRequested: false },
  { type: "rlre", reason: 0 },
];

function badTag(bytes: Uint8Array): string {
  try {
    meterDecode(bytes);
  } catch (e) {
    if (e instanceof DecodeError) return e.code;
    throw e;
  }
  return "decoded";
}

describe("the meter's half of the APDU codec", () => {
  // The two-way codec hands the meter's directions to this half, so each direction is checked
  // against the other half's code (the client's writers and readers in src/cosem/client/), and
  // against third-party bytes in apdu-vectors.test.ts.
  it("decodes what the client's half writes back to the same APDU", () => {
    for (const a of toMeter) expect(meterDecode(encodeApdu(a)), a.type).toEqual(a);
  });

  it("encodes what a meter sends to bytes the client's half reads back to the same APDU", () => {
    for (const a of fromMeter) expect(decodeApdu(meterEncode(a)), a.type).toEqual(a);
  });

  it("refuses what only a client receives with a bad-tag DecodeError", () => {
    for (const a of fromMeter.filter((x) => x.type !== "aare" && x.type !== "rlre")) expect(badTag(meterEncode(a)), a.type).toBe("bad-tag");
    // A data-notification (what a meter pushes, which the client's listener reads) is not for a meter either.
    expect(badTag(encodeApdu({ type: "data-notification", longInvokeId: 1, dateTime: new Uint8Array(0), body: D.u8(1) }))).toBe("bad-tag");
  });

  it("the server answers a response sent to it as an unknown service, as with the one codec", () => {
    const m = buildMeter();
    const session = new TestSession(SAP.public);
    const ui = encodeApdu({ type: "initiate-request", proposedDlmsVersion: 6, proposedConformance: 0x1c1f, clientMaxReceivePduSize: 1024 });
    m.server.handle(encodeAarq({ type: "aarq", applicationContext: ApplicationContext.ln, authenticationRequested: false, userInformation: ui }), session);
    const reply = m.server.handle(meterEncode({ type: "get-response-normal", invokeId: 0xc1, result: { data: D.u8(1) } }), session);
    expect(reply).toBeDefined();
    expect(decodeApdu(reply!)).toEqual({ type: "exception-response", stateError: StateError.serviceUnknown, serviceError: ServiceError.serviceNotSupported });
    // And a real request still works on that association (dlms-cosem tests/test_xdlms/test_get.py:21).
    expect(decodeApdu(m.server.handle(dlmsVector("test_xdlms/test_get.py", 21), session)!).type).toBe("get-response-normal");
  });
});
