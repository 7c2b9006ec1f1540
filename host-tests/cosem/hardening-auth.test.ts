/**
 * Issue 15 items 3 and 4: guessing is not free, and the HLS and ACSE gaps a
 * black-box client found are closed. Each test names the clause it follows.
 */
import { describe, expect, it } from "vitest";
import { SimClock } from "../../hal/sim/clock.js";
import { SimTimers } from "../../hal/sim/timers.js";
import { D } from "../../src/cosem/axdr.js";
import { decodeApdu, encodeApdu } from "../../src/cosem/client/codec.js";
import { AcseDiagnostic, ApplicationContext, AssociationResult, Mechanism } from "../../src/cosem/apdu/acse.js";
import { decodeAare, encodeAarq } from "../../src/cosem/client/client-apdu.js";
import { ServiceError, StateError } from "../../src/cosem/apdu/xdlms.js";
import { ActionResult } from "../../src/cosem/interface-class.js";
import { Obis } from "../../src/cosem/obis.js";
import { SecurityEvent } from "../../src/cosem/security/events.js";
import { sealApdu } from "../../src/cosem/security/protect.js";
import { hlsGmac } from "../../src/cosem/security/suite0.js";
import { DEFAULT_AUTH_GUARD } from "../../src/cosem/server/auth-guard.js";
import { DEFAULT_PENDING_ASSOCIATION_MS } from "../../src/cosem/server/server.js";
import { MemoryKeyValueStore } from "../../src/persistence.js";
import { fromHex, utf8Encode } from "../../src/util/bytes.js";
import { runtime } from "../support/report.js";
import { CLIENT_TITLE, GAK, GUEK, LN, LLS_PASSWORD, SAP, SERVER_TITLE, TestSession, buildMeter, connect, type Meter } from "../../bench/rigs/xdlms-meter.js";

const KEYS = { encryptionKey: GUEK, authenticationKey: GAK };
const CURRENT_ASSOCIATION = Obis.of(0, 0, 40, 0, 0, 255);
const OTHER_TITLE = fromHex("5858580000000009");

/** An HLS-GMAC AARQ with a plain InitiateRequest (the meters here run policy 0 so that it is accepted). */
function hlsAarq(ctos: Uint8Array, title: Uint8Array = CLIENT_TITLE): Uint8Array {
  return encodeAarq({
    type: "aarq",
    applicationContext: ApplicationContext.lnCiphered,
    callingApTitle: title,
    authenticationRequested: true,
    mechanism: Mechanism.hlsGmac,
    authenticationValue: ctos,
    userInformation: encodeApdu({ type: "initiate-request", proposedDlmsVersion: 6, proposedConformance: 0x1f, clientMaxReceivePduSize: 1024 }),
  });
}

function pass3(f: Uint8Array): Uint8Array {
  return encodeApdu({ type: "action-request-normal", invokeId: 0xc1, descriptor: { classId: 15, instance: CURRENT_ASSOCIATION, method: 1 }, parameters: D.octets(f) });
}

function llsAarq(password: Uint8Array): Uint8Array {
  return encodeAarq({
    type: "aarq",
    applicationContext: ApplicationContext.ln,
    authenticationRequested: true,
    mechanism: Mechanism.lls,
    authenticationValue: password,
    userInformation: encodeApdu({ type: "initiate-request", proposedDlmsVersion: 6, proposedConformance: 0x1f, clientMaxReceivePduSize: 1024 }),
  });
}

describe("HLS and ACSE (IEC 62056-5-3 / Green Book 9.2.7.4 HLS authentication, 9.4 ACSE)", () => {
  it("CtoS must be 8 to 64 bytes (Green Book 9.2.7.4: the challenges are random strings of 8 to 64 octets)", () => {
    // A fresh meter per attempt: five refusals in a row would lock the SAP out.
    const fresh = () => buildMeter(new MemoryKeyValueStore(), { policy: 0 });
    let m = fresh();
    for (const n of [0, 1, 7, 65, 100]) {
      m = fresh();
      const aare = decodeAare(m.server.handle(hlsAarq(new Uint8Array(n).fill(7)), new TestSession(SAP.management))!);
      expect([n, aare.result, aare.diagnostic]).toEqual([n, AssociationResult.rejectedPermanent, AcseDiagnostic.authenticationFailure]);
    }
    for (const n of [8, 64]) {
      m = fresh();
      const aare = decodeAare(m.server.handle(hlsAarq(new Uint8Array(n).fill(7)), new TestSession(SAP.management))!);
      expect([n, aare.result, aare.diagnostic]).toEqual([n, AssociationResult.accepted, AcseDiagnostic.authenticationRequired]);
    }
  });

  it("one pass 3 per association: after a wrong f(StoC) the right one is refused too (Green Book 9.2.7.4: a failed authentication releases the AA)", () => {
    const m = buildMeter(new MemoryKeyValueStore(), { policy: 0 });
    const session = new TestSession(SAP.management);
    const aare = decodeAare(m.server.handle(hlsAarq(new Uint8Array(16).fill(3)), session)!);
    const stoc = aare.authenticationValue!;
    const wrong = hlsGmac(m.crypto, KEYS, CLIENT_TITLE, 1, new Uint8Array(stoc.length));
    expect(decodeApdu(m.server.handle(pass3(wrong), session)!)).toMatchObject({ type: "action-response-normal", response: { result: ActionResult.otherReason } });
    expect(m.server.status(session)).toBe(0);
    const right = hlsGmac(m.crypto, KEYS, CLIENT_TITLE, 2, stoc);
    expect(decodeApdu(m.server.handle(pass3(right), session)!)).toMatchObject({ type: "exception-response", stateError: StateError.serviceNotAllowed });
    expect(m.server.status(session)).toBe(0);
    // The same right answer on a fresh association of its own works: the check itself is sound.
    const s2 = new TestSession(SAP.management);
    const stoc2 = decodeAare(m.server.handle(hlsAarq(new Uint8Array(16).fill(4)), s2)!).authenticationValue!;
    expect(decodeApdu(m.server.handle(pass3(hlsGmac(m.crypto, KEYS, CLIENT_TITLE, 3, stoc2)), s2)!)).toMatchObject({ response: { result: ActionResult.success } });
    expect(m.server.status(s2)).toBe(2);
  });

  it("f(StoC) must carry the security control byte of the Security Setup's suite (Green Book 9.2.7.2.4: SC bits 0-3 = suite)", () => {
    const m = buildMeter(new MemoryKeyValueStore(), { policy: 0 });
    const session = new TestSession(SAP.management);
    const stoc = decodeAare(m.server.handle(hlsAarq(new Uint8Array(16).fill(5)), session)!).authenticationValue!;
    const suite1 = hlsGmac(m.crypto, KEYS, CLIENT_TITLE, 1, stoc, 0x11);
    expect(decodeApdu(m.server.handle(pass3(suite1), session)!)).toMatchObject({ response: { result: ActionResult.otherReason } });
    expect(m.server.status(session)).toBe(0);
  });

  it("a pending association ends when pass 3 does not come in time", () => {
    const clock = new SimClock({ startUtcMs: Date.UTC(2026, 0, 1) });
    const m = buildMeter(new MemoryKeyValueStore(), { policy: 0, timers: new SimTimers(clock) });
    const session = new TestSession(SAP.management);
    m.server.handle(hlsAarq(new Uint8Array(16).fill(6)), session);
    expect(m.server.status(session)).toBe(1);
    clock.advance(DEFAULT_PENDING_ASSOCIATION_MS - 10);
    expect(m.server.status(session)).toBe(1);
    clock.advance(20);
    expect(m.server.status(session)).toBe(0);
  });

  it("ciphered APDUs must name the Security Setup's suite: SC 0x31 under suite 0 is refused in the AARQ and in a request (Green Book 9.2.7.2.4)", async () => {
    const m = buildMeter();
    const bad = connect(m, SAP.management, { ciphering: { crypto: m.crypto, systemTitle: CLIENT_TITLE, keys: KEYS, invocationCounter: 1, securityControl: 0x31 } });
    await expect(bad.client.associate()).rejects.toThrow(/association refused/);
    expect(m.events.security(SecurityEvent.unsupportedSecurity).length).toBe(1);
    const { client, session } = connect(m, SAP.management, { invocationCounter: 10 });
    await client.associate();
    const get = encodeApdu({ type: "get-request-normal", invokeId: 0xc1, descriptor: { classId: 1, instance: LN.energy, attribute: 2 } });
    const sealed = sealApdu(m.crypto, get, { securityControl: 0x31, systemTitle: CLIENT_TITLE, invocationCounter: client.invocationCounter, keys: KEYS, dedicated: false, general: false });
    expect(decodeApdu(m.server.handle(sealed, session)!)).toMatchObject({ type: "exception-response", serviceError: ServiceError.decipheringError });
    expect((await client.get(1, LN.energy, 2)).ok).toBe(true);
  });

  it("the client system title is bound when Security Setup holds one (Blue Book class 64 client_system_title; Green Book 9.2.7.3)", async () => {
    const m = buildMeter();
    m.setups.management.clientSystemTitle = OTHER_TITLE;
    const refused = connect(m, SAP.management);
    await expect(refused.client.associate()).rejects.toThrow(/diagnostic 3/);
    m.setups.management.clientSystemTitle = CLIENT_TITLE;
    const { client, session } = connect(m, SAP.management, { invocationCounter: 5 });
    await client.associate();
    // Inside the association a general-glo-ciphering APDU from another title is refused.
    const get = encodeApdu({ type: "get-request-normal", invokeId: 0xc1, descriptor: { classId: 1, instance: LN.energy, attribute: 2 } });
    const foreign = sealApdu(m.crypto, get, { securityControl: 0x30, systemTitle: OTHER_TITLE, invocationCounter: client.invocationCounter + 5, keys: KEYS, dedicated: false, general: true });
    expect(decodeApdu(m.server.handle(foreign, session)!)).toMatchObject({ type: "exception-response", serviceError: ServiceError.decipheringError });
    expect((await client.get(1, LN.energy, 2)).ok).toBe(true);
  });

  it("an AARQ inside an established association is refused and the association kept (IEC 62056-5-3 / Green Book, the application layer state machine: COSEM-OPEN is valid only in the IDLE state, not in ASSOCIATED)", async () => {
    const m = buildMeter();
    for (const sap of [SAP.public, SAP.management]) {
      const { client, session, sent } = connect(m, sap, { invocationCounter: 100 });
      await client.associate();
      const aare = decodeAare(m.server.handle(sent[0], session)!);
      expect([aare.result, aare.diagnostic]).toEqual([AssociationResult.rejectedPermanent, AcseDiagnostic.noReasonGiven]);
      expect(m.server.status(session)).toBe(2);
      expect((await client.get(1, LN.energy, 2)).ok).toBe(true);
    }
  });
});

describe("authentication failures per client SAP", () => {
  function clocked(kv = new MemoryKeyValueStore()): { m: Meter; clock: { now: number }; kv: MemoryKeyValueStore } {
    const clock = { now: Date.UTC(2026, 0, 1) };
    return { m: buildMeter(kv, { nowUtcMs: () => clock.now }), clock, kv };
  }
  const WRONG = utf8Encode("guess");
  const attempt = (m: Meter, pw: Uint8Array, sap: number = SAP.firmware) => decodeAare(m.server.handle(llsAarq(pw), new TestSession(sap))!);

  it(`locks the SAP out after ${DEFAULT_AUTH_GUARD.maxFailures} failures for ${DEFAULT_AUTH_GUARD.lockoutMs / 1000} s, even for the right password, then lets it in`, () => {
    const { m, clock } = clocked();
    for (let i = 0; i < DEFAULT_AUTH_GUARD.maxFailures; i++) expect(attempt(m, WRONG).diagnostic).toBe(AcseDiagnostic.authenticationFailure);
    const locked = attempt(m, LLS_PASSWORD);
    expect(locked.result).toBe(AssociationResult.rejectedTransient);
    // Other SAPs are not affected.
    expect(attempt(m, new Uint8Array(0), SAP.public).result).toBe(AssociationResult.rejectedPermanent);
    clock.now += DEFAULT_AUTH_GUARD.lockoutMs + 1000;
    expect(attempt(m, LLS_PASSWORD).result).toBe(AssociationResult.accepted);
    expect(m.server.authGuard.failures(SAP.firmware)).toBe(0);
  });

  it("a brute force of one guess a second for an hour gets few guesses and two log entries; the lockout survives a restart", () => {
    const { m, clock, kv } = clocked();
    const seconds = runtime === "xs" ? 1200 : 3600;
    const evaluated: number[] = [];
    for (let s = 0; s < seconds; s++) {
      const aare = attempt(m, WRONG);
      if (aare.diagnostic === AcseDiagnostic.authenticationFailure) evaluated.push(s);
      else expect(aare.result).toBe(AssociationResult.rejectedTransient);
      clock.now += 1000;
    }
    // 5 at once, then one per doubling window: 60, 120, 240, 480 s, then every 900 s.
    const windows = [60, 120, 240, 480, 900, 900, 900];
    let t = DEFAULT_AUTH_GUARD.maxFailures - 1;
    let bound = DEFAULT_AUTH_GUARD.maxFailures;
    for (const w of windows) {
      t += w;
      if (t < seconds) bound++;
    }
    expect(evaluated.length).toBe(bound);
    for (const s of evaluated) expect(evaluated.filter((x) => x >= s && x < s + 60).length).toBeLessThanOrEqual(DEFAULT_AUTH_GUARD.maxFailures);
    const log = m.events.security().filter((e) => e.value === SAP.firmware);
    expect(log.map((e) => e.code)).toEqual([SecurityEvent.authenticationFailed, SecurityEvent.authenticationLockout]);
    // Restart over the same store: still locked, the right password included.
    const again = buildMeter(kv, { nowUtcMs: () => clock.now });
    expect(attempt(again, LLS_PASSWORD).result).toBe(AssociationResult.rejectedTransient);
    clock.now += DEFAULT_AUTH_GUARD.maxLockoutMs;
    expect(attempt(again, LLS_PASSWORD).result).toBe(AssociationResult.accepted);
  });

  it("HLS failures count on the SAP like LLS ones, and a success ends the burst", async () => {
    const { m } = clocked();
    const m0 = buildMeter(new MemoryKeyValueStore(), { policy: 0 });
    expect(m0.server.authGuard.failures(SAP.management)).toBe(0);
    for (let i = 0; i < 3; i++) {
      const session = new TestSession(SAP.management);
      decodeAare(m0.server.handle(hlsAarq(new Uint8Array(16).fill(i)), session)!);
      m0.server.handle(pass3(new Uint8Array(17)), session);
    }
    expect(m0.server.authGuard.failures(SAP.management)).toBe(3);
    expect(m0.events.security(SecurityEvent.authenticationFailed).length).toBe(1);
    const { client } = connect(m, SAP.management);
    await client.associate();
    expect(m.server.authGuard.failures(SAP.management)).toBe(0);
  });

  it("the public association is never locked out; its refusals are logged once per burst", () => {
    const { m } = clocked();
    const wrongContext = encodeAarq({
      type: "aarq",
      applicationContext: ApplicationContext.lnCiphered,
      authenticationRequested: false,
      userInformation: encodeApdu({ type: "initiate-request", proposedDlmsVersion: 6, proposedConformance: 0x1f, clientMaxReceivePduSize: 1024 }),
    });
    for (let i = 0; i < 50; i++) expect(decodeAare(m.server.handle(wrongContext, new TestSession(SAP.public))!).result).toBe(AssociationResult.rejectedPermanent);
    const ok = connect(m, SAP.public);
    return ok.client.associate().then(() => {
      expect(m.events.security(SecurityEvent.associationRefused).length).toBe(1);
    });
  });

  it("SAPs without an association share one RAM bucket: walking the SAP space writes nothing to the store", () => {
    const { m, kv } = clocked();
    const puts: string[] = [];
    const put = kv.put.bind(kv);
    kv.put = (k, v) => {
      puts.push(k);
      put(k, v);
    };
    for (let sap = 100; sap < 400; sap++) attempt(m, WRONG, sap);
    expect(puts).toEqual([]);
    expect(m.events.security(SecurityEvent.associationRefused).length).toBe(1);
    expect(SERVER_TITLE.length).toBe(8);
  });
});
