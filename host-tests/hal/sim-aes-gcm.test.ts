import { describe, expect, it } from "vitest";
import { gcm } from "@noble/ciphers/aes.js";
import { AesGcm } from "../../hal/sim/aes-gcm.js";
import { fromHex, toHex } from "../../src/util/bytes.js";
import { runtime } from "../support/report.js";

/**
 * The simulator's own AES-GCM (hal/sim/aes-gcm.ts) against published vectors
 * and, over random sizes, against an independent implementation (noble's
 * gcm, run here): key sizes 16/24/32, IVs of 12 bytes and of other lengths
 * (the GHASH-derived J0), empty and partial blocks, every tag length DLMS
 * can ask for, and a kept key schedule that must follow a key change.
 */

// The GCM specification's test cases (McGrew and Viega, "The Galois/Counter
// Mode of Operation", appendix B; the same as NIST's gcmEncryptExtIV vectors).
const P60 = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
const A20 = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
const K = "feffe9928665731c6d6a8f9467308308";
const SPEC_CASES = [
  { name: "1 (empty)", key: "00".repeat(16), iv: "00".repeat(12), p: "", a: "", c: "", t: "58e2fccefa7e3061367f1d57a4e7455a" },
  { name: "2 (one block)", key: "00".repeat(16), iv: "00".repeat(12), p: "00".repeat(16), a: "", c: "0388dace60b6a392f328c2b971b2fe78", t: "ab6e47d42cec13bdf53a67b21257bddf" },
  {
    name: "4 (AAD, 60 bytes)",
    key: K,
    iv: "cafebabefacedbaddecaf888",
    p: P60,
    a: A20,
    c: "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
    t: "5bc94fbc3221a5db94fae95ae7121a47",
  },
  {
    name: "5 (8-byte IV)",
    key: K,
    iv: "cafebabefacedbad",
    p: P60,
    a: A20,
    c: "61353b4c2806934a777ff51fa22a4755699b2a714fcdc6f83766e5f97b6c742373806900e49f24b22b097544d4896b424989b5e1ebac0f07c23f4598",
    t: "3612d2e79e3b0785561be14aaca2fccb",
  },
  {
    name: "16 (AES-256)",
    key: K + K,
    iv: "cafebabefacedbaddecaf888",
    p: P60,
    a: A20,
    c: "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
    t: "76fc6ece0f4e1768cddf8853bb2d551b",
  },
];

/** xorshift32: reproducible inputs on both runtimes. */
function rng(seed: number): (n: number) => Uint8Array {
  let s = seed >>> 0 || 1;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      s ^= s << 13;
      s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      out[i] = s & 0xff;
    }
    return out;
  };
}

describe("simulated AES-GCM", () => {
  for (const v of SPEC_CASES) {
    it(`GCM spec test case ${v.name}: seal and open`, () => {
      const g = new AesGcm();
      const sealed = g.seal(fromHex(v.key), fromHex(v.iv), fromHex(v.a), fromHex(v.p), 16);
      expect(toHex(sealed).toLowerCase()).toBe((v.c + v.t).toLowerCase());
      expect(toHex(g.open(fromHex(v.key), fromHex(v.iv), fromHex(v.a), sealed, 16) ?? Uint8Array.of(0xee)).toLowerCase()).toBe(v.p.toLowerCase());
      // A 12-byte tag (DLMS) is the first 12 bytes of the full one.
      expect(toHex(g.seal(fromHex(v.key), fromHex(v.iv), fromHex(v.a), fromHex(v.p), 12)).toLowerCase()).toBe((v.c + v.t.slice(0, 24)).toLowerCase());
    });
  }

  it("equals noble's gcm over random keys, IVs, AAD, lengths and tag lengths; any flipped bit is refused", () => {
    const random = rng(0x5eed);
    const g = new AesGcm();
    const cases = runtime === "xs" ? 60 : 300;
    for (let k = 0; k < cases; k++) {
      const r = random(6);
      const key = random([16, 24, 32][r[0] % 3]);
      // Mostly DLMS's 12-byte IV, sometimes another length (J0 from GHASH; noble takes 8 bytes and more).
      const iv = random(r[1] % 4 === 0 ? 8 + (r[1] % 57) : 12);
      const aad = random(r[2] % 40);
      const plain = random((r[3] << 1) % 300);
      const tagLength = 4 + (r[4] % 13);
      const reference = gcm(key, iv, aad).encrypt(plain).slice(0, plain.length + tagLength);
      const sealed = g.seal(key, iv, aad, plain, tagLength);
      expect(toHex(sealed)).toBe(toHex(reference));
      expect(toHex(g.open(key, iv, aad, sealed, tagLength) ?? Uint8Array.of(0xee))).toBe(toHex(plain));
      const bad = sealed.slice();
      bad[r[5] % bad.length] ^= 1 << (r[5] & 7);
      expect(g.open(key, iv, aad, bad, tagLength)).toBeUndefined();
      const badAad = Uint8Array.of(...aad, 0);
      expect(g.open(key, iv, badAad, sealed, tagLength)).toBeUndefined();
    }
  });

  it("refuses bad tag lengths, keys and empty IVs with an error, a short input with undefined", () => {
    const g = new AesGcm();
    const key = new Uint8Array(16);
    expect(() => g.seal(key, new Uint8Array(12), new Uint8Array(0), new Uint8Array(1), 3)).toThrow();
    expect(() => g.seal(key, new Uint8Array(12), new Uint8Array(0), new Uint8Array(1), 17)).toThrow();
    expect(() => g.seal(new Uint8Array(15), new Uint8Array(12), new Uint8Array(0), new Uint8Array(1), 12)).toThrow();
    expect(() => g.seal(key, new Uint8Array(0), new Uint8Array(0), new Uint8Array(1), 12)).toThrow();
    expect(g.open(key, new Uint8Array(12), new Uint8Array(0), new Uint8Array(11), 12)).toBeUndefined();
  });
});
