/**
 * Receive invocation counters after storage damage (issue 14): the newest
 * accepted counter may be lost and an older one come back, and no bound on
 * the client's counter can be proved. The counter is then unproven (kept
 * across boots); a recorded session replayed against the meter gets no
 * service, because only an HLS pass 3, bound to the meter's fresh
 * challenge, proves the client's current counter; the real client's next
 * HLS association proves it (event 14) and from then on old APDUs are
 * replays again. A key change resets it too.
 */
import { describe, expect, it } from "vitest";
import { decodeApdu } from "../../src/cosem/client/codec.js";
import { ServiceError, StateError } from "../../src/cosem/apdu/xdlms.js";
import { ReceiveCounter } from "../../src/cosem/security/counters.js";
import { SecurityEvent } from "../../src/cosem/security/events.js";
import { MemoryKeyValueStore } from "../../src/persistence.js";
import { LN, SAP, TestSession, buildMeter, connect } from "../../bench/rigs/xdlms-meter.js";

/** A store whose mount found damage not handled yet (the composition root sets this for that boot). */
function damaged(kv: MemoryKeyValueStore): MemoryKeyValueStore {
  (kv as unknown as { lostRecordBound: number }).lostRecordBound = 1;
  return kv;
}

describe("receive counter after storage damage", () => {
  it("is unproven across boots until proved or reset", () => {
    const kv = new MemoryKeyValueStore();
    new ReceiveCounter(kv, "rx").commit(500);
    const after = new ReceiveCounter(damaged(kv), "rx");
    expect(after.proven).toBe(false);
    (kv as unknown as { lostRecordBound: number }).lostRecordBound = 0; // a later boot: the damage was handled
    const later = new ReceiveCounter(kv, "rx");
    expect(later.proven).toBe(false);
    expect(later.prove(900)).toBe(true);
    expect(later.expected).toBe(901);
    expect(new ReceiveCounter(kv, "rx").proven).toBe(true);
    const again = new ReceiveCounter(damaged(kv), "rx");
    expect(again.proven).toBe(false);
    (kv as unknown as { lostRecordBound: number }).lostRecordBound = 0;
    again.reset(); // a key change
    expect(again.proven).toBe(true);
    expect(new ReceiveCounter(kv, "rx").proven).toBe(true);
  });

  it("a replayed session gets no service; the real client's HLS proves the counter and old APDUs are replays again", async () => {
    const kv = new MemoryKeyValueStore();
    const m1 = buildMeter(kv);
    const old = connect(m1, SAP.management);
    await old.client.associate();
    for (let i = 0; i < 5; i++) expect((await old.client.get(1, LN.energy, 2)).ok).toBe(true);
    const recorded = old.sent.slice();
    // Damage: an older receive counter came back (here 0, before the recorded AARQ's 1), the newest ones are lost.
    kv.put("ss.m.rx", Uint8Array.of(0, 0, 0, 0));
    const m2 = buildMeter(damaged(kv));
    expect(m2.setups.management.rx.proven).toBe(false);
    // The recorded session replayed on a new connection: its pass 3 cannot answer the new challenge.
    const session = new TestSession(SAP.management);
    const answers = recorded.map((apdu) => m2.server.handle(apdu, session));
    // Served requests are answered ciphered; every answer after the failed pass 3 is a plain refusal, or none.
    for (const a of answers.slice(2)) if (a) expect(decodeApdu(a).type).not.toBe("ciphered");
    expect(m2.events.security(SecurityEvent.authenticationFailed).length).toBeGreaterThan(0);
    expect(m2.setups.management.rx.proven).toBe(false);
    // The real client goes on with its own counter: its HLS pass 3 proves it.
    const real = connect(m2, SAP.management, { invocationCounter: old.client.invocationCounter });
    await real.client.associate();
    expect(m2.setups.management.rx.proven).toBe(true);
    expect(m2.events.security(SecurityEvent.receiveCounterProven).length).toBe(1);
    expect((await real.client.get(1, LN.energy, 2)).ok).toBe(true);
    // An APDU of the recorded session on the live association is a replay again.
    const replay = decodeApdu(m2.server.handle(recorded[recorded.length - 1], real.session)!);
    expect(replay).toMatchObject({ type: "exception-response", stateError: StateError.serviceNotAllowed, serviceError: ServiceError.invocationCounterError });
  });
});
