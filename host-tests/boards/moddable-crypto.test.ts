import { ctr, ecb, gcm } from "@noble/ciphers/aes.js";
import { p256 } from "@noble/curves/nist.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { ghash } from "@noble/ciphers/_polyval.js";
import { gcmCompose, ModdableCrypto, type CryptoPrimitives, type GcmParts } from "../../hal/moddable/crypto.js";
import { fromHex, toHex } from "../../src/util/bytes.js";
import { dlmsVector } from "../support/vectors.js";

/**
 * The Moddable crypto port composes SDK primitives; here the same primitive
 * shapes come from the noble libraries, so what is tested is the port's own
 * logic (tag truncation and comparison, RFC 3394 on an AES block, the ECDSA
 * input checks) on both runtimes. The SDK's primitives themselves run only
 * on a board.
 */
let verifyCalls = 0;
const primitives: CryptoPrimitives = {
  aes(key) {
    // noble refuses to reuse one ECB instance; Moddable's BlockCipher is reused.
    return { encrypt: (b) => ecb(key, { disablePadding: true }).encrypt(b), decrypt: (b) => ecb(key, { disablePadding: true }).decrypt(b) };
  },
  gcmSeal(key, iv, aad, plaintext) {
    const full = gcm(key, iv, aad).encrypt(plaintext);
    return { ciphertext: full.slice(0, plaintext.length), tag: full.slice(plaintext.length) };
  },
  gcmOpen(key, iv, aad, ciphertext) {
    // GCM's payload counter starts at IV || 00000002.
    const counter = new Uint8Array(16);
    counter.set(iv);
    counter[15] = 2;
    const plaintext = ctr(key, counter).decrypt(ciphertext);
    return { plaintext, tag: primitives.gcmSeal(key, iv, aad, plaintext).tag };
  },
  sha256: (data) => sha256(data),
  p256Verify(x, y, digest, r, s) {
    verifyCalls++;
    const hex = (v: bigint) => v.toString(16).padStart(64, "0");
    return p256.verify(fromHex(hex(r) + hex(s)), digest, fromHex("04" + hex(x) + hex(y)), { prehash: false, lowS: false, format: "compact" });
  },
  randomBytes: (n) => new Uint8Array(n).fill(0x5a),
};
const crypto = new ModdableCrypto(primitives);

describe("Moddable crypto port", () => {
  // Green Book AES-GCM example (dlms-cosem tests/test_security.py:44-51).
  const key = dlmsVector("test_security.py", 44);
  const ak = dlmsVector("test_security.py", 45);
  const systemTitle = dlmsVector("test_security.py", 46);
  const plain = dlmsVector("test_security.py", 49);
  const expected = dlmsVector("test_security.py", 51);
  const iv = new Uint8Array([...systemTitle, 0x01, 0x23, 0x45, 0x67]);
  const aad = new Uint8Array([0x30, ...ak]);

  it("AES-GCM-128 with a 12-byte tag reproduces dlms-cosem tests/test_security.py:51", () => {
    expect(toHex(crypto.aesGcmEncrypt(key, iv, aad, plain, 12))).toBe(toHex(expected));
  });

  it("opens dlms-cosem tests/test_security.py:51 and refuses every flipped bit and a short input", () => {
    expect(toHex(crypto.aesGcmDecrypt(key, iv, aad, expected, 12) ?? new Uint8Array())).toBe(toHex(plain));
    for (let i = 0; i < expected.length; i++) {
      for (const bit of [0x01, 0x80]) {
        const bad = expected.slice();
        bad[i] ^= bit;
        expect(crypto.aesGcmDecrypt(key, iv, aad, bad, 12)).toBeUndefined();
      }
    }
    expect(crypto.aesGcmDecrypt(key, iv, aad, expected.subarray(0, 11), 12)).toBeUndefined();
    expect(crypto.aesGcmDecrypt(key, iv.subarray(0, 8), aad, expected, 12)).toBeUndefined();
    expect(crypto.aesGcmDecrypt(key.subarray(0, 15), iv, aad, expected, 12)).toBeUndefined();
  });

  it("RFC 3394 4.1 (128-bit KEK, 128-bit key) and 4.6 (256-bit KEK, 256-bit key) on the AES block", () => {
    const kek = fromHex("000102030405060708090A0B0C0D0E0F");
    const k = fromHex("00112233445566778899AABBCCDDEEFF");
    const wrapped = crypto.aesKeyWrap(kek, k);
    expect(toHex(wrapped)).toBe("1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5");
    expect(toHex(crypto.aesKeyUnwrap(kek, wrapped) ?? new Uint8Array())).toBe(toHex(k));
    const kek256 = fromHex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
    const k256 = fromHex("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F");
    const w256 = crypto.aesKeyWrap(kek256, k256);
    expect(toHex(w256)).toBe("28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43bfb988b9b7a02dd21");
    expect(toHex(crypto.aesKeyUnwrap(kek256, w256) ?? new Uint8Array())).toBe(toHex(k256));
  });

  it("key unwrap refuses a changed byte anywhere and any length that is not n*8 >= 24", () => {
    const kek = fromHex("000102030405060708090A0B0C0D0E0F");
    const wrapped = fromHex("1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5");
    for (let i = 0; i < wrapped.length; i++) {
      const bad = wrapped.slice();
      bad[i] ^= 0x10;
      expect(crypto.aesKeyUnwrap(kek, bad)).toBeUndefined();
    }
    for (const n of [0, 8, 16, 23, 25, 31]) expect(crypto.aesKeyUnwrap(kek, new Uint8Array(n))).toBeUndefined();
  });

  // RFC 6979 A.2.5 key pair; the signature is made by noble for this test.
  const priv = fromHex("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721");
  const pub = fromHex("04" + "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6" + "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299");
  const digest = sha256(new Uint8Array([1, 2, 3]));
  const sig = p256.sign(digest, priv, { prehash: false, lowS: false, format: "compact" });

  it("ECDSA P-256 accepts a valid signature and refuses a changed digest", () => {
    expect(crypto.ecdsaP256Verify(pub, digest, sig)).toBe(true);
    const d2 = digest.slice();
    d2[0] ^= 1;
    expect(crypto.ecdsaP256Verify(pub, d2, sig)).toBe(false);
  });

  it("ECDSA refuses off-curve keys, r or s of 0 or >= n, and wrong lengths before the SDK sees them", () => {
    const n = fromHex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
    const before = verifyCalls;
    const offCurve = pub.slice();
    offCurve[64] ^= 1;
    expect(crypto.ecdsaP256Verify(offCurve, digest, sig)).toBe(false);
    const compressed = pub.slice();
    compressed[0] = 0x02;
    expect(crypto.ecdsaP256Verify(compressed, digest, sig)).toBe(false);
    for (const [r, s] of [
      [new Uint8Array(32), sig.subarray(32)],
      [sig.subarray(0, 32), new Uint8Array(32)],
      [n, sig.subarray(32)],
      [sig.subarray(0, 32), n],
    ]) {
      expect(crypto.ecdsaP256Verify(pub, digest, new Uint8Array([...r, ...s]))).toBe(false);
    }
    expect(crypto.ecdsaP256Verify(pub, digest.subarray(0, 31), sig)).toBe(false);
    expect(crypto.ecdsaP256Verify(pub.subarray(0, 64), digest, sig)).toBe(false);
    expect(verifyCalls).toBe(before);
  });

  it("any 65-byte key and 64-byte signature give a boolean, never an exception", () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
    for (let i = 0; i < 50; i++) {
      const k = Uint8Array.from({ length: 65 }, rnd);
      k[0] = 4;
      const s = Uint8Array.from({ length: 64 }, rnd);
      expect(crypto.ecdsaP256Verify(k, digest, s)).toBe(false);
    }
  });

  it("a primitive that throws on wire input reads as a failed check, never an exception", () => {
    const throwing = new ModdableCrypto({
      ...primitives,
      gcmOpen: () => {
        throw new Error("native refusal");
      },
      aes: () => {
        throw new Error("native refusal");
      },
    });
    expect(throwing.aesGcmDecrypt(key, iv, aad, expected, 12)).toBeUndefined();
    expect(throwing.aesKeyUnwrap(fromHex("000102030405060708090A0B0C0D0E0F"), new Uint8Array(24))).toBeUndefined();
    expect(crypto.aesKeyUnwrap(new Uint8Array(15), new Uint8Array(24))).toBeUndefined();
  });

  // The GCM composition the device binding runs over the SDK's native AES,
  // CTR and GHASH, here over noble's block cipher, CTR and GHASH.
  const parts = (k: Uint8Array): GcmParts => ({
    encryptBlock: (b) => ecb(k, { disablePadding: true }).encrypt(b),
    ctr: (counter, data) => ctr(k, counter).encrypt(data),
    ghash(h, a, c) {
      const lengths = new Uint8Array(16);
      const view = new DataView(lengths.buffer);
      view.setUint32(4, a.length * 8);
      view.setUint32(12, c.length * 8);
      return ghash.create(h).update(a).update(c).update(lengths).digest();
    },
  });

  it("the GCM composition reproduces dlms-cosem tests/test_security.py:51 and opens it", () => {
    const sealed = gcmCompose(parts(key), iv, aad, plain, true);
    expect(toHex(new Uint8Array([...sealed.out, ...sealed.tag.subarray(0, 12)]))).toBe(toHex(expected));
    const opened = gcmCompose(parts(key), iv, aad, expected.subarray(0, plain.length), false);
    expect(toHex(opened.out)).toBe(toHex(plain));
    expect(toHex(opened.tag)).toBe(toHex(sealed.tag));
  });

  it("the GCM composition handles an IV starting with 0x00 and empty payloads like a reference GCM", () => {
    const iv0 = fromHex("00000000000000000000002a");
    for (const data of [new Uint8Array(0), plain]) {
      const ref = gcm(key, iv0, aad).encrypt(data);
      const mine = gcmCompose(parts(key), iv0, aad, data, true);
      expect(toHex(new Uint8Array([...mine.out, ...mine.tag]))).toBe(toHex(ref));
    }
  });

  it("ed25519 and signing exist only when a fallback supplies them", () => {
    expect(crypto.ed25519Verify).toBeUndefined();
    expect(crypto.ecdsaP256Sign).toBeUndefined();
    const withFallback = new ModdableCrypto(primitives, { ed25519Verify: () => true });
    expect(withFallback.ed25519Verify?.(new Uint8Array(32), new Uint8Array(0), new Uint8Array(64))).toBe(true);
  });
});
