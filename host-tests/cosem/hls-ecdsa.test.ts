import { p256 } from "@noble/curves/nist.js";
import { describe, expect, it } from "vitest";
import { D } from "../../src/cosem/axdr.js";
import { Mechanism } from "../../src/cosem/apdu/acse.js";
import { ClientError, DlmsClient } from "../../src/cosem/client/client.js";
import { SecurityEvent } from "../../src/cosem/security/events.js";
import { hlsEcdsaSign, hlsEcdsaVerify } from "../../src/cosem/security/hls-ecdsa.js";
import { CLIENT_TITLE, GAK, GUEK, LN, SAP, SERVER_TITLE, TestSession, buildMeter, type Meter } from "../../bench/rigs/xdlms-meter.js";

/**
 * HLS-ECDSA (mechanism 7) with P-256 keys from noble (not from this
 * project's code): the four passes between the client and the server, and a
 * signature by the wrong key refused and logged.
 */
const clientPriv = new Uint8Array(32).map((_, i) => i + 1);
const serverPriv = new Uint8Array(32).map((_, i) => 0x40 + i);
const clientPub = p256.getPublicKey(clientPriv, false);
const serverPub = p256.getPublicKey(serverPriv, false);

function client(m: Meter, session: TestSession, priv: Uint8Array, ic = 1): DlmsClient {
  return new DlmsClient({
    exchange: (req) => m.server.handle(req, session),
    mechanism: Mechanism.hlsEcdsa,
    ecdsa: { clientPrivateKey: priv, serverPublicKey: serverPub },
    ciphering: { crypto: m.crypto, systemTitle: CLIENT_TITLE, keys: { encryptionKey: GUEK, authenticationKey: GAK }, invocationCounter: ic, securityControl: 0x31 },
  });
}

describe("HLS-ECDSA (mechanism 7)", () => {
  it("signatures verify with the peer's key and bind both titles and both challenges", () => {
    const m = buildMeter();
    const stoc = new Uint8Array(32).fill(1);
    const ctos = new Uint8Array(32).fill(2);
    const f = hlsEcdsaSign(m.crypto, clientPriv, CLIENT_TITLE, SERVER_TITLE, stoc, ctos)!;
    expect(f.length).toBe(64);
    // The server's check of f(StoC): signed over ST-C || ST-S || StoC || CtoS.
    expect(hlsEcdsaVerify(m.crypto, clientPub, CLIENT_TITLE, SERVER_TITLE, stoc, ctos, f)).toBe(true);
    expect(hlsEcdsaVerify(m.crypto, clientPub, SERVER_TITLE, CLIENT_TITLE, stoc, ctos, f)).toBe(false);
    expect(hlsEcdsaVerify(m.crypto, clientPub, CLIENT_TITLE, SERVER_TITLE, ctos, stoc, f)).toBe(false);
    expect(hlsEcdsaVerify(m.crypto, serverPub, CLIENT_TITLE, SERVER_TITLE, stoc, ctos, f)).toBe(false);
    // noble agrees independently: the signature is over SHA-256 of the concatenation.
    const digest = m.crypto.sha256(Uint8Array.of(...CLIENT_TITLE, ...SERVER_TITLE, ...stoc, ...ctos));
    expect(p256.verify(f, digest, clientPub, { prehash: false, lowS: false, format: "compact" })).toBe(true);
  });

  it("associates with the four passes, then serves ciphered requests", async () => {
    const m = buildMeter(undefined, { ecdsa: { clientPublicKey: clientPub, serverPrivateKey: serverPriv } });
    const session = new TestSession(SAP.ecdsa);
    const c = client(m, session, clientPriv);
    await c.associate();
    expect(m.server.status(session)).toBe(2);
    expect(await c.get(1, LN.energy, 2)).toEqual({ ok: true, value: D.u32(12345) });
  });

  it("a client signing with the wrong key is not associated (the failed pass 3 ends the association) and is logged", async () => {
    const m = buildMeter(undefined, { ecdsa: { clientPublicKey: clientPub, serverPrivateKey: serverPriv } });
    const session = new TestSession(SAP.ecdsa);
    await expect(client(m, session, serverPriv).associate()).rejects.toThrow(ClientError);
    expect(m.server.status(session)).toBe(0);
    expect(m.events.security(SecurityEvent.authenticationFailed).length).toBe(1);
  });
});
