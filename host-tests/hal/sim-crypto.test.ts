import { describe, expect, it } from "vitest";
import { SimCrypto } from "../../hal/sim/crypto.js";
import { fromHex, toHex } from "../../src/util/bytes.js";
import { dlmsVector } from "../support/vectors.js";

const crypto = new SimCrypto();

describe("simulated crypto port", () => {
  // Green Book AES-GCM example as dlms-cosem's test_security.py uses it
  // (shared/vectors/dlms: test_security.py lines 44-51): authenticated
  // encryption (SC 0x30) of a GET of the clock.
  const key = dlmsVector("test_security.py", 44);
  const ak = dlmsVector("test_security.py", 45);
  const systemTitle = dlmsVector("test_security.py", 46);
  const plain = dlmsVector("test_security.py", 49);
  const expected = dlmsVector("test_security.py", 51);
  const iv = new Uint8Array([...systemTitle, 0x01, 0x23, 0x45, 0x67]);
  const aad = new Uint8Array([0x30, ...ak]);

  it("AES-GCM-128 with a 12-byte tag reproduces test_security.py:51", () => {
    expect(toHex(crypto.aesGcmEncrypt(key, iv, aad, plain, 12))).toBe(toHex(expected));
  });

  it("decrypts test_security.py:51 and refuses any flipped bit", () => {
    expect(toHex(crypto.aesGcmDecrypt(key, iv, aad, expected, 12) ?? new Uint8Array())).toBe(toHex(plain));
    for (let i = 0; i < expected.length; i++) {
      const bad = expected.slice();
      bad[i] ^= 0x01;
      expect(crypto.aesGcmDecrypt(key, iv, aad, bad, 12)).toBeUndefined();
    }
  });

  it("RFC 3394 section 4.1 key wrap (128-bit KEK, 128-bit key)", () => {
    const kek = fromHex("000102030405060708090A0B0C0D0E0F");
    const k = fromHex("00112233445566778899AABBCCDDEEFF");
    const wrapped = crypto.aesKeyWrap(kek, k);
    expect(toHex(wrapped)).toBe("1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5");
    expect(toHex(crypto.aesKeyUnwrap(kek, wrapped) ?? new Uint8Array())).toBe(toHex(k));
    wrapped[3] ^= 1;
    expect(crypto.aesKeyUnwrap(kek, wrapped)).toBeUndefined();
  });

  it("SHA-256 of 'abc' (FIPS 180-2 example)", () => {
    expect(toHex(crypto.sha256(new Uint8Array([0x61, 0x62, 0x63])))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("ECDSA P-256 sign/verify round trip over a digest; a changed digest fails", () => {
    const priv = fromHex("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721");
    const digest = crypto.sha256(new Uint8Array([1, 2, 3]));
    const sig = crypto.ecdsaP256Sign(priv, digest);
    expect(sig).toHaveLength(64);
    // RFC 6979 A.2.5 public key of this private key.
    const pub = fromHex(
      "04" + "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6" + "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299",
    );
    expect(crypto.ecdsaP256Verify(pub, digest, sig)).toBe(true);
    digest[0] ^= 1;
    expect(crypto.ecdsaP256Verify(pub, digest, sig)).toBe(false);
  });
});
