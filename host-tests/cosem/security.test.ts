import { describe, expect, it } from "vitest";
import { SimCrypto } from "../../hal/sim/crypto.js";
import { decodeApdu, encodeApdu } from "../../src/cosem/client/codec.js";
import { decodeAarq } from "../../src/cosem/apdu/acse.js";
import { SC_AUTHENTICATED, SC_BROADCAST, SC_ENCRYPTED, unsupportedReason } from "../../src/cosem/security/header.js";
import { ReceiveCounter, TransmitCounter, TX_RESERVATION_BLOCK } from "../../src/cosem/security/counters.js";
import { openApdu, sealApdu } from "../../src/cosem/security/protect.js";
import { hlsGmac, iv, protect, unprotect } from "../../src/cosem/security/suite0.js";
import { MemoryKeyValueStore, type KeyValueStore } from "../../src/persistence.js";
import { toHex, utf8Encode } from "../../src/util/bytes.js";
import { dlmsVector } from "../support/vectors.js";

const crypto = new SimCrypto();
const sec = (line: number) => dlmsVector("test_security.py", line);
const keys = { encryptionKey: sec(44), authenticationKey: sec(45) };

describe("suite 0 against the Green Book example (dlms-cosem tests/test_security.py)", () => {
  it("authenticated encryption of a GET (dlms-cosem tests/test_security.py:44-51)", () => {
    const ic = 0x01234567;
    expect(toHex(sec(47))).toBe("01234567");
    expect(toHex(protect(crypto, 0x30, keys, sec(46), ic, sec(49)))).toBe(toHex(sec(51)));
  });

  it("authenticated decryption and a flipped bit refused (dlms-cosem tests/test_security.py:70-77)", () => {
    const k = { encryptionKey: sec(70), authenticationKey: sec(71) };
    expect(toHex(unprotect(crypto, 0x30, k, sec(72), 0x01234567, sec(77))!)).toBe(toHex(sec(75)));
    for (let i = 0; i < sec(77).length; i++) {
      const bad = sec(77).slice();
      bad[i] ^= 0x01;
      expect(unprotect(crypto, 0x30, k, sec(72), 0x01234567, bad)).toBeUndefined();
    }
    expect(unprotect(crypto, 0x30, k, sec(72), 0x01234568, sec(77))).toBeUndefined();
  });

  it("HLS-GMAC f(StoC) (dlms-cosem tests/test_security.py:93-113, :117-161)", () => {
    expect(toHex(iv(sec(99), 1))).toBe(toHex(sec(131)));
    const f = hlsGmac(crypto, { encryptionKey: sec(93), authenticationKey: sec(94) }, sec(99), 1, sec(103));
    expect(toHex(f)).toBe("1000000001" + toHex(sec(113)));
    expect(toHex(f.subarray(5))).toBe(toHex(sec(161)));
  });

  it("round trip of the dlms-cosem random-key example (dlms-cosem tests/test_security.py:8-33)", () => {
    const k = { encryptionKey: sec(8), authenticationKey: sec(8) };
    for (const sc of [0x10, 0x20, 0x30]) {
      const c = protect(crypto, sc, k, sec(20), 1, sec(11));
      expect(toHex(unprotect(crypto, sc, k, sec(33), 1, c)!)).toBe(toHex(sec(11)));
    }
  });

  it("security control byte fields (dlms-cosem tests/test_xdlms/test_initiate.py:207: SC 0x30 = suite 0, authenticated, encrypted)", () => {
    // The meter's masks name the fields of that byte: suite 0, authenticated and encrypted, neither broadcast nor compressed.
    const sc = 0x30;
    expect([sc & 0x0f, (sc & SC_AUTHENTICATED) !== 0, (sc & SC_ENCRYPTED) !== 0, (sc & SC_BROADCAST) !== 0]).toEqual([0, true, true, false]);
    expect(unsupportedReason(sc)).toBeUndefined();
    expect(unsupportedReason(sc | 0x80)).toBe("compression");
    expect(unsupportedReason(0x32)).toBe("security suite 2");
  });
});

describe("ciphered APDUs opened with their keys", () => {
  it("glo-initiateRequest of the ciphered AARQ deciphers to the InitiateRequest with dedicated key (dlms-cosem tests/test_xdlms/test_initiate.py:207, :233-235, :72)", () => {
    const env = decodeApdu(dlmsVector("test_xdlms/test_initiate.py", 207));
    if (env.type !== "ciphered") throw new Error("not ciphered");
    const k = { encryptionKey: dlmsVector("test_xdlms/test_initiate.py", 233), authenticationKey: dlmsVector("test_xdlms/test_initiate.py", 234) };
    const r = openApdu(crypto, env, dlmsVector("test_xdlms/test_initiate.py", 235), k);
    expect(r.ok).toBe(true);
    const plain = (r as { plain: Uint8Array }).plain;
    expect(toHex(plain)).toBe(toHex(dlmsVector("test_xdlms/test_initiate.py", 72)));
    // ... and sealing it again with the same counter gives the vector's bytes.
    const resealed = sealApdu(crypto, plain, { securityControl: 0x30, systemTitle: dlmsVector("test_xdlms/test_initiate.py", 235), invocationCounter: 0x01234567, keys: k, dedicated: false, general: false });
    expect(toHex(resealed)).toBe(toHex(dlmsVector("test_xdlms/test_initiate.py", 207)));
  });

  it("the AARQ's calling-AP-title opens its own user-information (dlms-cosem tests/test_asce/test_aarq.py:52)", () => {
    const aarq = decodeAarq(dlmsVector("test_asce/test_aarq.py", 52));
    const env = decodeApdu(aarq.userInformation!);
    if (env.type !== "ciphered") throw new Error("not ciphered");
    const r = openApdu(crypto, env, aarq.callingApTitle!, keys);
    expect(r.ok && decodeApdu(r.plain).type).toBe("initiate-request");
  });

  it("general-glo-ciphering deciphers to the data-notification (dlms-cosem tests/test_general_global_cipher.py:18, :29, :47)", () => {
    const env = decodeApdu(dlmsVector("test_general_global_cipher.py", 18));
    if (env.type !== "general-glo-ciphering") throw new Error("not general-glo-ciphering");
    const k = dlmsVector("test_general_global_cipher.py", 29);
    const r = openApdu(crypto, env, env.systemTitle, { encryptionKey: k, authenticationKey: k });
    expect(r.ok).toBe(true);
    const plain = (r as { plain: Uint8Array }).plain;
    expect(toHex(plain)).toBe(toHex(dlmsVector("test_general_global_cipher.py", 47)));
    expect(decodeApdu(plain).type).toBe("data-notification");
    const resealed = sealApdu(crypto, plain, { securityControl: 0x30, systemTitle: env.systemTitle, invocationCounter: 0x1e5, keys: { encryptionKey: k, authenticationKey: k }, dedicated: false, general: true });
    expect(toHex(resealed)).toBe(toHex(dlmsVector("test_general_global_cipher.py", 18)));
  });

  it("a wrong key is refused, never an exception", () => {
    const env = decodeApdu(dlmsVector("test_general_global_cipher.py", 18));
    if (env.type !== "general-glo-ciphering") throw new Error("not general-glo-ciphering");
    const wrong = utf8Encode("MYDUMMYGLOBALKEZ");
    expect(openApdu(crypto, env, env.systemTitle, { encryptionKey: wrong, authenticationKey: wrong })).toEqual({ ok: false, reason: "deciphering" });
    expect(openApdu(crypto, { ...env, securityControl: 0x32 }, env.systemTitle, keys)).toEqual({ ok: false, reason: "unsupported" });
    expect(openApdu(crypto, { ...env, securityControl: 0xb0 }, env.systemTitle, keys)).toEqual({ ok: false, reason: "unsupported" });
    expect(encodeApdu(env).length).toBe(dlmsVector("test_general_global_cipher.py", 18).length);
  });
});

/** A store that loses power: after `budget` more puts, put() throws before storing anything. */
class FailingStore implements KeyValueStore {
  constructor(
    readonly inner: MemoryKeyValueStore,
    public budget: number,
  ) {}
  get(key: string) {
    return this.inner.get(key);
  }
  put(key: string, value: Uint8Array) {
    if (this.budget-- <= 0) throw new Error("power cut");
    this.inner.put(key, value);
  }
  delete(key: string) {
    this.inner.delete(key);
  }
}

describe("invocation counters", () => {
  it("after a power cut at any instant the transmit counter is above every value used before", () => {
    for (let cutAfter = 0; cutAfter < 5; cutAfter++) {
      for (const uses of [0, 1, TX_RESERVATION_BLOCK - 1, TX_RESERVATION_BLOCK, TX_RESERVATION_BLOCK + 1, 3 * TX_RESERVATION_BLOCK + 7]) {
        const mem = new MemoryKeyValueStore();
        const store = new FailingStore(mem, cutAfter);
        const tx = new TransmitCounter(store, "t");
        let highest = -1;
        try {
          for (let i = 0; i < uses; i++) {
            const v = tx.take()!;
            expect(v).toBeGreaterThan(highest);
            highest = v;
          }
        } catch (e) {
          expect((e as Error).message).toBe("power cut");
        }
        const after = new TransmitCounter(mem, "t");
        const next = after.take()!;
        expect(next).toBeGreaterThan(highest);
      }
    }
  });

  it("the counter persists once per reservation block, not per APDU", () => {
    let puts = 0;
    const mem = new MemoryKeyValueStore();
    const counting: KeyValueStore = { get: (k) => mem.get(k), put: (k, v) => (puts++, mem.put(k, v)), delete: (k) => mem.delete(k) };
    const tx = new TransmitCounter(counting, "t");
    for (let i = 0; i < 5 * TX_RESERVATION_BLOCK; i++) tx.take();
    expect(puts).toBe(5);
  });

  it("the receive counter refuses a replayed or older value, also after a restart", () => {
    const mem = new MemoryKeyValueStore();
    const rx = new ReceiveCounter(mem, "r");
    expect(rx.fresh(5)).toBe(true);
    rx.commit(5);
    expect(rx.fresh(5)).toBe(false);
    expect(rx.fresh(4)).toBe(false);
    expect(new ReceiveCounter(mem, "r").fresh(5)).toBe(false);
    expect(new ReceiveCounter(mem, "r").fresh(6)).toBe(true);
  });
});
