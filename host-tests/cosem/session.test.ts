import { describe, expect, it } from "vitest";
import { D, Tag } from "../../src/cosem/axdr.js";
import { decodeApdu } from "../../src/cosem/client/codec.js";
import { ClientError } from "../../src/cosem/client/client.js";
import { DataAccessResult, ActionResult } from "../../src/cosem/interface-class.js";
import { Obis } from "../../src/cosem/obis.js";
import { SecurityEvent } from "../../src/cosem/security/events.js";
import { toHex, utf8Encode } from "../../src/util/bytes.js";
import { dlmsVector } from "../support/vectors.js";
import { CLIENT_TITLE, GAK, GUEK, KEK, LN, SAP, buildMeter, connect } from "../../bench/rigs/xdlms-meter.js";

const CURRENT = Obis.of(0, 0, 40, 0, 0);

describe("whole session through the client against the server", () => {
  it("management: AARQ with HLS-GMAC and authenticated encryption, GET/SET/ACTION, block-transferred object_list, RLRQ", async () => {
    const m = buildMeter();
    const { client, sent, received } = connect(m, SAP.management, { maxReceivePduSize: 256 });
    await client.associate();
    // Every APDU after the AARQ/AARE went ciphered both ways (glo- tags, SC 0x30).
    expect(sent[1][0]).toBe(0xcb); // glo-action-request carrying f(StoC)
    expect(received[1][0]).toBe(0xcf);
    expect(await client.get(3 - 2, LN.energy, 2)).toEqual({ ok: true, value: D.u32(12345) });
    expect(sent[sent.length - 1][0]).toBe(0xc8);
    expect(await client.set(1, LN.config, 2, D.u16(99))).toBe(DataAccessResult.success);
    expect(await client.get(1, LN.config, 2)).toEqual({ ok: true, value: D.u16(99) });
    expect(await client.action(9, LN.echo, 1, D.visible("ping"))).toEqual({ ok: true, value: D.visible("ping") });
    const before = sent.length;
    const list = await client.get(15, CURRENT, 2);
    if (!list.ok || list.value.tag !== Tag.Array) throw new Error("object_list not read");
    // The object_list is larger than the 512-byte PDU: it came in several blocks.
    expect(sent.length - before).toBeGreaterThan(2);
    expect(received.slice(before).every((r) => r[0] === 0xcc)).toBe(true);
    const names = list.value.value.map((e) => toHex((e.value as { value: Uint8Array }[])[2].value));
    // Management sees every object it has rights on, including its association and both security setups...
    expect(names).toContain(toHex(LN.ssMgmt.toBytes()));
    expect(names).toContain(toHex(LN.assocMgmt.toBytes()));
    // ... and nothing of another role's association.
    expect(names).not.toContain(toHex(LN.assocPublic.toBytes()));
    expect(list.value.value.length).toBe(m.server.directory.visibleTo("management").length);
    await client.release();
    await expect(client.get(1, LN.energy, 2)).rejects.toThrow(ClientError);
  });

  it("association LN attributes describe the association", async () => {
    const m = buildMeter();
    const { client } = connect(m, SAP.management);
    await client.associate();
    expect(await client.get(15, CURRENT, 3)).toEqual({ ok: true, value: D.struct(D.i8(1), D.u16(1)) });
    expect(await client.get(15, CURRENT, 6)).toEqual({ ok: true, value: D.struct(D.u8(2), D.u8(16), D.u16(756), D.u8(5), D.u8(8), D.u8(2), D.u8(5)) });
    expect(await client.get(15, CURRENT, 4)).toEqual({ ok: true, value: D.struct(D.u8(2), D.u8(16), D.u16(756), D.u8(5), D.u8(8), D.u8(1), D.u8(3)) });
    expect(await client.get(15, CURRENT, 8)).toEqual({ ok: true, value: D.enum(2) });
    expect(await client.get(15, CURRENT, 9)).toEqual({ ok: true, value: D.octets(LN.ssMgmt.toBytes()) });
    expect(await client.get(15, CURRENT, 7)).toEqual({ ok: false, error: DataAccessResult.readWriteDenied });
    const ctx = await client.get(15, CURRENT, 5);
    expect(ctx.ok && ctx.value.tag === Tag.Structure && ctx.value.value[1]).toEqual(D.u16(512));
  });

  it("a profile served as a stream is pulled block by block, never whole", async () => {
    const m = buildMeter();
    const { client } = connect(m, SAP.reader);
    await client.associate();
    const r = await client.get(7, LN.profile, 2);
    if (!r.ok || r.value.tag !== Tag.Array) throw new Error("profile not read");
    expect(r.value.value.length).toBe(900);
    expect(r.value.value[899]).toEqual(D.u16(899));
    // The server never asked the stream for more than one block's worth (the client's 1024-byte PDU).
    expect(m.profile.maxPulled).toBeLessThanOrEqual(1024);
  });

  it("selective access reaches the object when it supports the selector, else scope-of-access-violated (range request shaped as dlms-cosem tests/test_xdlms/test_selective_access.py:29)", async () => {
    const m = buildMeter();
    const { client } = connect(m, SAP.reader);
    await client.associate();
    const sel = decodeApdu(dlmsVector("test_xdlms/test_selective_access.py", 29));
    if (sel.type !== "get-request-normal" || !sel.access) throw new Error("vector is not a selective GET");
    const byRange = await client.get(7, LN.profile, 2, sel.access);
    expect(byRange.ok).toBe(true);
    expect(await client.get(7, LN.profile, 2, { selector: 3, parameters: D.null() })).toEqual({ ok: false, error: DataAccessResult.scopeOfAccessViolated });
    expect(await client.get(1, LN.energy, 2, sel.access)).toEqual({ ok: false, error: DataAccessResult.scopeOfAccessViolated });
  });

  it("long SET and long ACTION go in blocks both ways", async () => {
    const m = buildMeter();
    const { client, sent } = connect(m, SAP.management);
    await client.associate();
    const big = new Uint8Array(2000).map((_, i) => (i * 13) & 0xff);
    const before = sent.length;
    expect(await client.set(1, LN.big, 2, D.octets(big))).toBe(DataAccessResult.success);
    expect(sent.length - before).toBeGreaterThan(3);
    const back = await client.get(1, LN.big, 2);
    expect(back.ok && toHex((back.value as { value: Uint8Array }).value)).toBe(toHex(big));
    // ACTION whose parameters and return data both exceed the PDU.
    const r = await client.action(9, LN.echo, 1, D.octets(big));
    expect(r.ok && toHex((r.value as { value: Uint8Array }).value)).toBe(toHex(big));
  });

  it("get-with-list and set-with-list", async () => {
    const m = buildMeter();
    const { client } = connect(m, SAP.reader);
    await client.associate();
    const res = await client.getWithList([
      { descriptor: { classId: 1, instance: LN.energy, attribute: 2 } },
      { descriptor: { classId: 1, instance: Obis.of(9, 9, 9, 9, 9), attribute: 2 } },
      { descriptor: { classId: 1, instance: LN.big, attribute: 2 } },
    ]);
    expect(res[0]).toEqual({ ok: true, value: D.u32(12345) });
    expect(res[1]).toEqual({ ok: false, error: DataAccessResult.objectUndefined });
    expect(res[2].ok && (res[2].value as { value: Uint8Array }).value.length).toBe(3000);
    const set = await client.setWithList(
      [{ descriptor: { classId: 1, instance: LN.config, attribute: 2 } }, { descriptor: { classId: 1, instance: LN.energy, attribute: 2 } }],
      [D.u16(5), D.u32(1)],
    );
    expect(set).toEqual([DataAccessResult.success, DataAccessResult.readWriteDenied]);
  });

  it("public client without security reads public objects; firmware client with LLS", async () => {
    const m = buildMeter();
    const { client } = connect(m, SAP.public);
    await client.associate();
    expect(await client.get(1, LN.energy, 2)).toEqual({ ok: true, value: D.u32(12345) });
    expect(await client.get(1, LN.big, 2)).toEqual({ ok: false, error: DataAccessResult.objectUndefined });
    await client.release();
    const fw = connect(m, SAP.firmware);
    await fw.client.associate();
    expect(await fw.client.action(9, LN.echo, 1)).toEqual({ ok: true, value: undefined });
    const bad = connect(m, SAP.firmware, { password: new Uint8Array([1, 2, 3]) });
    await expect(bad.client.associate()).rejects.toThrow(ClientError);
    expect(m.events.security(SecurityEvent.authenticationFailed).length).toBe(1);
  });

  it("ciphering variants: dedicated key (ded- tags both ways), general-glo-ciphering, authentication only", async () => {
    const m = buildMeter(undefined, { policy: 0 });
    const base = { crypto: m.crypto, systemTitle: CLIENT_TITLE, keys: { encryptionKey: GUEK, authenticationKey: GAK } };
    const ded = connect(m, SAP.management, { ciphering: { ...base, invocationCounter: 1, dedicatedKey: new Uint8Array(16).fill(0x33) } });
    await ded.client.associate();
    expect(await ded.client.get(1, LN.energy, 2)).toEqual({ ok: true, value: D.u32(12345) });
    expect(ded.sent[ded.sent.length - 1][0]).toBe(0xd0);
    expect(ded.received[ded.received.length - 1][0]).toBe(0xd4);
    const gen = connect(m, SAP.management, { ciphering: { ...base, invocationCounter: 100, general: true } });
    await gen.client.associate();
    expect(await gen.client.get(1, LN.energy, 2)).toEqual({ ok: true, value: D.u32(12345) });
    expect(gen.sent[gen.sent.length - 1][0]).toBe(0xdb);
    expect(gen.received[gen.received.length - 1][0]).toBe(0xdb);
    const auth = connect(m, SAP.management, { ciphering: { ...base, invocationCounter: 200, securityControl: 0x10 } });
    await auth.client.associate();
    expect(await auth.client.get(1, LN.energy, 2)).toEqual({ ok: true, value: D.u32(12345) });
    // Authentication only: the plain GET is visible inside the envelope (tag, length, SC 0x10, counter, then C0 01 ...).
    const last = auth.sent[auth.sent.length - 1];
    expect([last[0], last[2], last[7]]).toEqual([0xc8, 0x10, 0xc0]);
  });

  it("security_activate only strengthens the policy; LLS secret changes through Association LN", async () => {
    const m = buildMeter(undefined, { policy: 0 });
    const { client } = connect(m, SAP.management);
    await client.associate();
    expect(await client.action(64, LN.ssMgmt, 1, D.enum(0x3c))).toEqual({ ok: true, value: undefined });
    expect(await client.get(64, LN.ssMgmt, 2)).toEqual({ ok: true, value: D.enum(0x3c) });
    expect(await client.action(64, LN.ssMgmt, 1, D.enum(0x04))).toEqual({ ok: false, error: ActionResult.otherReason });
    expect(m.events.security(SecurityEvent.policyActivated).map((e) => e.value)).toEqual([0x3c]);
    // A client system title written to the Security Setup is what the next AARQ must carry, also after a restart.
    expect(await client.set(64, LN.ssMgmt, 4, D.octets(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)))).toBe(DataAccessResult.success);
    const restarted = buildMeter(m.kv, { policy: 0 });
    expect(toHex(restarted.setups.management.clientSystemTitle!)).toBe("0102030405060708");
    await expect(connect(restarted, SAP.management, { invocationCounter: 5000 }).client.associate()).rejects.toThrow(ClientError);
    const fw = connect(m, SAP.firmware);
    await fw.client.associate();
    // The firmware association may not write its own secret by default (attribute 7 "-").
    expect(await fw.client.set(15, CURRENT, 7, D.octets(utf8Encode("newpass1")))).toBe(DataAccessResult.readWriteDenied);
  });

  it("key_transfer wraps a new unicast key with the KEK; the next association needs it", async () => {
    const m = buildMeter();
    const { client } = connect(m, SAP.management);
    await client.associate();
    const newKey = new Uint8Array(16).fill(0x5a);
    const wrapped = m.crypto.aesKeyWrap(KEK, newKey);
    expect(await client.action(64, LN.ssMgmt, 2, D.array([D.struct(D.enum(0), D.octets(new Uint8Array(24)))]))).toEqual({ ok: false, error: ActionResult.otherReason });
    expect(m.events.security(SecurityEvent.keyUnwrapFailed).length).toBe(1);
    // The response to key_transfer still comes under the old key; the new one applies after it.
    expect(await client.action(64, LN.ssMgmt, 2, D.array([D.struct(D.enum(0), D.octets(wrapped))]))).toEqual({ ok: true, value: undefined });
    expect(m.events.security(SecurityEvent.keyChanged).length).toBe(1);
    const old = connect(m, SAP.management);
    await expect(old.client.associate()).rejects.toThrow(ClientError);
    const c2 = connect(m, SAP.management, {
      ciphering: { crypto: m.crypto, systemTitle: Uint8Array.from([0x4d, 0x4d, 0x4d, 0, 0, 0, 0, 1]), keys: { encryptionKey: newKey, authenticationKey: Uint8Array.from(m.setups.management.key(2)!) }, invocationCounter: 1 },
    });
    await c2.client.associate();
    expect(await c2.client.get(1, LN.energy, 2)).toEqual({ ok: true, value: D.u32(12345) });
  });

});
