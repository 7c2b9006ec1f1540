import { describe, expect, it } from "vitest";
import { D } from "../../src/cosem/axdr.js";
import { decodeApdu, encodeApdu } from "../../src/cosem/client/codec.js";
import { AcseDiagnostic, ApplicationContext, AssociationResult, Mechanism } from "../../src/cosem/apdu/acse.js";
import { decodeAare, encodeAarq } from "../../src/cosem/client/client-apdu.js";
import { ServiceError, StateError } from "../../src/cosem/apdu/xdlms.js";
import { ClientError } from "../../src/cosem/client/client.js";
import { DataAccessResult } from "../../src/cosem/interface-class.js";
import { Obis } from "../../src/cosem/obis.js";
import { SecurityEvent } from "../../src/cosem/security/events.js";
import { MemoryKeyValueStore } from "../../src/persistence.js";
import { dlmsVector } from "../support/vectors.js";
import { LN, SAP, TestSession, buildMeter, connect } from "../../bench/rigs/xdlms-meter.js";

/** The invocation counter of a ciphered APDU (glo-/ded-: after tag and one length byte; general: after the title). */
function icOf(apdu: Uint8Array): number {
  const a = decodeApdu(apdu);
  if (a.type !== "ciphered" && a.type !== "general-glo-ciphering" && a.type !== "general-ded-ciphering") throw new Error(`not ciphered: ${a.type}`);
  return a.invocationCounter;
}

describe("replay, forgery and power cuts", () => {
  it("a replayed invocation counter is refused with invocation-counter-error and logged", async () => {
    const m = buildMeter();
    const { client, sent, session } = connect(m, SAP.management);
    await client.associate();
    expect((await client.get(1, LN.energy, 2)).ok).toBe(true);
    const replay = sent[sent.length - 1];
    const r = decodeApdu(m.server.handle(replay, session)!);
    expect(r).toMatchObject({ type: "exception-response", stateError: StateError.serviceNotAllowed, serviceError: ServiceError.invocationCounterError });
    expect(m.events.security(SecurityEvent.replay).map((e) => e.value)).toEqual([icOf(replay)]);
    // The association is still usable with fresh counters.
    expect((await client.get(1, LN.energy, 2)).ok).toBe(true);
  });

  it("a wrong GMAC tag is refused, logged, and does not advance the receive counter", async () => {
    const m = buildMeter();
    const { client, session } = connect(m, SAP.management);
    await client.associate();
    const before = client.invocationCounter;
    // Build a valid ciphered GET with the client, then flip one bit of its tag.
    let captured: Uint8Array | undefined;
    const origHandle = m.server.handle.bind(m.server);
    m.server.handle = (apdu, s) => {
      captured = apdu;
      return origHandle(apdu, s);
    };
    expect((await client.get(1, LN.energy, 2)).ok).toBe(true);
    m.server.handle = origHandle;
    const forged = captured!.slice();
    forged[forged.length - 1] ^= 0x80;
    // A fresh counter (glo-get-request: tag, length, SC, then the 4 counter bytes), so only the tag can refuse it.
    forged.set([0x00, 0x00, 0x10, 0x00], 3);
    const r = decodeApdu(m.server.handle(forged, session)!);
    expect(r).toMatchObject({ type: "exception-response", serviceError: ServiceError.decipheringError });
    expect(m.events.security(SecurityEvent.decipheringFailed).length).toBe(1);
    expect(m.setups.management.rx.expected).toBe(before + 1);
    expect((await client.get(1, LN.energy, 2)).ok).toBe(true);
  });

  it("while HLS is pending nothing but the HLS reply is allowed; a wrong f(StoC) is logged and ends the association", async () => {
    const m = buildMeter();
    const session = new TestSession(SAP.management);
    const aarq = encodeAarq({
      type: "aarq",
      applicationContext: ApplicationContext.lnCiphered,
      callingApTitle: Uint8Array.of(0x4d, 0x4d, 0x4d, 0, 0, 0, 0, 1),
      authenticationRequested: true,
      mechanism: Mechanism.hlsGmac,
      authenticationValue: dlmsVector("test_asce/test_aarq.py", 172),
      userInformation: encodeApdu({ type: "initiate-request", proposedDlmsVersion: 6, proposedConformance: 0x1f, clientMaxReceivePduSize: 1024 }),
    });
    // The plain InitiateRequest is refused by the policy (ciphered requests required).
    const refused = decodeAare(m.server.handle(aarq, session)!);
    expect(refused.result).toBe(AssociationResult.rejectedPermanent);
    expect(m.events.security(SecurityEvent.policyViolation).length).toBe(1);
    // With the policy relaxed, the challenge comes back; a wrong f(StoC) is refused.
    const relaxed = buildMeter(new MemoryKeyValueStore(), { policy: 0 });
    const aare = decodeAare(relaxed.server.handle(aarq, session)!);
    expect([aare.result, aare.diagnostic]).toEqual([AssociationResult.accepted, AcseDiagnostic.authenticationRequired]);
    expect(aare.authenticationValue!.length).toBe(16);
    const get = encodeApdu({ type: "get-request-normal", invokeId: 0xc1, descriptor: { classId: 1, instance: LN.energy, attribute: 2 } });
    expect(decodeApdu(relaxed.server.handle(get, session)!)).toMatchObject({ result: { error: DataAccessResult.readWriteDenied } });
    const badF = D.octets(Uint8Array.of(0x10, 0, 0, 0, 1, ...new Uint8Array(12)));
    const reply = encodeApdu({ type: "action-request-normal", invokeId: 0xc1, descriptor: { classId: 15, instance: Obis.of(0, 0, 40, 0, 0), method: 1 }, parameters: badF });
    expect(decodeApdu(relaxed.server.handle(reply, session)!)).toMatchObject({ type: "action-response-normal", response: { result: 250 } });
    expect(relaxed.events.security(SecurityEvent.authenticationFailed).length).toBe(1);
    // The failed pass 3 ended the association: nothing is served without a new AARQ.
    expect(relaxed.server.status(session)).toBe(0);
    expect(decodeApdu(relaxed.server.handle(get, session)!)).toMatchObject({ type: "exception-response", stateError: StateError.serviceNotAllowed });
  });

  it("after a power cut the new server's transmit invocation counter is above every value used before", async () => {
    const kv = new MemoryKeyValueStore();
    const m1 = buildMeter(kv);
    const { client, received } = connect(m1, SAP.management);
    await client.associate();
    for (let i = 0; i < 20; i++) await client.get(1, LN.energy, 2);
    const used = received.filter((r) => r[0] !== 0x61).map(icOf);
    const aareUi = decodeAare(received[0]).userInformation!;
    used.push(icOf(aareUi));
    const highest = Math.max(...used);
    // Power cut: everything in RAM is gone; a new server starts over the same stored contents.
    const m2 = buildMeter(kv);
    const c2 = connect(m2, SAP.management, { invocationCounter: client.invocationCounter });
    await c2.client.associate();
    await c2.client.get(1, LN.energy, 2);
    const after = c2.received.filter((r) => r[0] !== 0x61).map(icOf);
    expect(Math.min(...after, icOf(decodeAare(c2.received[0]).userInformation!))).toBeGreaterThan(highest);
    // The receive counter survived too: the old client's last request is a replay for the new server.
    const replay = connect(m2, SAP.management, { invocationCounter: 1 });
    await expect(replay.client.associate()).rejects.toThrow(ClientError);
    expect(m2.events.security(SecurityEvent.replay).length).toBe(1);
  });
});

describe("association control", () => {
  it("refuses a wrong application context, mechanism, DLMS version, and unknown client SAPs", async () => {
    const m = buildMeter();
    const plain = encodeApdu({ type: "initiate-request", proposedDlmsVersion: 6, proposedConformance: 0x1f, clientMaxReceivePduSize: 1024 });
    const ask = (sap: number, aarq: Parameters<typeof encodeAarq>[0]) => decodeAare(m.server.handle(encodeAarq(aarq), new TestSession(sap))!);
    const base = { type: "aarq" as const, applicationContext: ApplicationContext.ln, authenticationRequested: false, userInformation: plain };
    expect(ask(SAP.public, { ...base, applicationContext: ApplicationContext.lnCiphered })).toMatchObject({ result: 1, diagnostic: AcseDiagnostic.applicationContextNameNotSupported });
    expect(ask(SAP.public, { ...base, authenticationRequested: true, mechanism: Mechanism.lls, authenticationValue: new Uint8Array(8) })).toMatchObject({ result: 1, diagnostic: AcseDiagnostic.authenticationMechanismNameNotRecognised });
    expect(ask(SAP.firmware, base)).toMatchObject({ result: 1, diagnostic: AcseDiagnostic.authenticationMechanismNameRequired });
    expect(ask(SAP.management, { ...base, applicationContext: ApplicationContext.lnCiphered, authenticationRequested: true, mechanism: Mechanism.hlsGmac, authenticationValue: new Uint8Array(16) })).toMatchObject({
      result: 1,
      diagnostic: AcseDiagnostic.callingApTitleNotRecognized,
    });
    expect(ask(77, base)).toMatchObject({ result: 1, diagnostic: AcseDiagnostic.noReasonGiven });
    const old = ask(SAP.public, { ...base, userInformation: encodeApdu({ type: "initiate-request", proposedDlmsVersion: 5, proposedConformance: 0x1f, clientMaxReceivePduSize: 1024 }) });
    expect(old).toMatchObject({ result: 1, diagnostic: AcseDiagnostic.noReasonGiven });
    // Same confirmed-service-error as the dlms-cosem vector (dlms-cosem tests/test_asce/test_aare.py:40).
    expect(decodeApdu(old.userInformation!)).toEqual(decodeApdu(decodeAare(dlmsVector("test_asce/test_aare.py", 40)).userInformation!));
    const none = ask(SAP.public, { ...base, userInformation: encodeApdu({ type: "initiate-request", proposedDlmsVersion: 6, proposedConformance: 0x0100, clientMaxReceivePduSize: 1024 }) });
    expect(decodeApdu(none.userInformation!)).toMatchObject({ type: "confirmed-service-error", service: 1, errorKind: 6, value: 2 });
    expect(m.events.security(SecurityEvent.associationRefused).length).toBeGreaterThanOrEqual(4);
  });

  it("the dlms-cosem AARQ without security associates the public client (dlms-cosem tests/test_asce/test_aarq.py:16)", async () => {
    const m = buildMeter();
    const session = new TestSession(SAP.public);
    const aare = decodeAare(m.server.handle(dlmsVector("test_asce/test_aarq.py", 16), session)!);
    expect([aare.result, aare.diagnostic]).toEqual([AssociationResult.accepted, AcseDiagnostic.null]);
    // ... and its GET of 0.0.43.1.0.255 (dlms-cosem tests/test_xdlms/test_get.py:21) is answered: not in this catalog.
    expect(decodeApdu(m.server.handle(dlmsVector("test_xdlms/test_get.py", 21), session)!)).toMatchObject({ type: "get-response-normal", invokeId: 0xc1, result: { error: DataAccessResult.objectUndefined } });
    // A service before any association, or after release, gets an exception-response.
    m.server.sessionClosed(session);
    expect(decodeApdu(m.server.handle(dlmsVector("test_xdlms/test_get.py", 21), session)!)).toMatchObject({ type: "exception-response", stateError: StateError.serviceNotAllowed });
  });

  it("a service not negotiated in the conformance block is refused with exception-response", async () => {
    const m = buildMeter();
    const session = new TestSession(SAP.public);
    const ui = encodeApdu({ type: "initiate-request", proposedDlmsVersion: 6, proposedConformance: 0x10, clientMaxReceivePduSize: 1024 });
    m.server.handle(encodeAarq({ type: "aarq", applicationContext: ApplicationContext.ln, authenticationRequested: false, userInformation: ui }), session);
    const set = encodeApdu({ type: "set-request-normal", invokeId: 0xc1, descriptor: { classId: 1, instance: LN.config, attribute: 2 }, value: { data: D.u16(1) } });
    expect(decodeApdu(m.server.handle(set, session)!)).toEqual({ type: "exception-response", stateError: StateError.serviceNotAllowed, serviceError: ServiceError.serviceNotSupported });
    expect(decodeApdu(m.server.handle(Uint8Array.of(0xc2, 0), session)!)).toEqual({ type: "exception-response", stateError: StateError.serviceUnknown, serviceError: ServiceError.serviceNotSupported });
    // Longer than the server's max receive PDU (512 here): pdu-too-long, whatever it contains.
    const long = encodeApdu({ type: "get-request-normal", invokeId: 0xc1, descriptor: { classId: 1, instance: LN.energy, attribute: 2 }, access: { selector: 1, parameters: D.octets(new Uint8Array(600)) } });
    expect(decodeApdu(m.server.handle(long, session)!)).toEqual({ type: "exception-response", stateError: StateError.serviceNotAllowed, serviceError: ServiceError.pduTooLong });
    // A ciphered APDU on a plain association cannot be served.
    expect(decodeApdu(m.server.handle(dlmsVector("test_general_global_cipher.py", 6), session)!)).toMatchObject({ type: "exception-response", stateError: StateError.serviceNotAllowed });
  });
});
