import { aeskw } from "@noble/ciphers/aes.js";
import { p256 } from "@noble/curves/nist.js";
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { sha2 } from "../../src/util/sha2.js";
import type { CryptoPort, HashAlgorithm, IncrementalHash } from "../crypto.js";
import { AesGcm } from "./aes-gcm.js";

/**
 * The crypto port in pure JS: AES-GCM of our own (hal/sim/aes-gcm.ts, checked
 * against noble's and the published vectors), the streaming SHA-2 of our own
 * (src/util/sha2.ts, checked against the MCUboot images' hashes), the rest from the audited noble libraries; XS runs them,
 * so the same implementation serves the XS tests, the Node tests and the
 * simulator. A board substitutes its hardware (ESP32 AES/SHA, nRF52840 CC310).
 *
 * Randomness: XS has no entropy source, so the caller supplies one; the
 * default is a deterministic generator for reproducible tests, never for a
 * real meter (the simulator passes the host's CSPRNG).
 */
export class SimCrypto implements CryptoPort {
  private readonly random: (length: number) => Uint8Array;
  /** AES-GCM with the last key's schedule and GHASH table kept (hal/sim/aes-gcm.ts). */
  private readonly gcm = new AesGcm();

  constructor(random?: (length: number) => Uint8Array, seed = 0x6d657465) {
    this.random = random ?? deterministicRandom(seed);
  }

  aesGcmEncrypt(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, tagLength: number): Uint8Array {
    return this.gcm.seal(key, iv, aad, plaintext, tagLength);
  }

  aesGcmDecrypt(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array, tagLength: number): Uint8Array | undefined {
    if (ciphertextAndTag.length < tagLength || tagLength < 4 || tagLength > 16) return undefined;
    return this.gcm.open(key, iv, aad, ciphertextAndTag, tagLength);
  }

  aesKeyWrap(kek: Uint8Array, key: Uint8Array): Uint8Array {
    return aeskw(kek).encrypt(key);
  }

  aesKeyUnwrap(kek: Uint8Array, wrapped: Uint8Array): Uint8Array | undefined {
    try {
      return aeskw(kek).decrypt(wrapped);
    } catch {
      return undefined;
    }
  }

  sha256(data: Uint8Array): Uint8Array {
    return sha256(data);
  }

  /** Both image hashes, as a board's crypt Digest has them natively: SHA-2 of our own (src/util/sha2.ts), which hashes blocks in place. */
  createHash(algorithm: HashAlgorithm): IncrementalHash | undefined {
    return sha2(algorithm);
  }

  ecdsaP256Verify(publicKey: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean {
    try {
      // MCUboot's imgtool and DLMS peers do not normalise s: accept high-S signatures.
      return p256.verify(signature, digest, publicKey, { prehash: false, lowS: false, format: "compact" });
    } catch {
      return false;
    }
  }

  ecdsaP256Sign(privateKey: Uint8Array, digest: Uint8Array): Uint8Array {
    return p256.sign(digest, privateKey, { prehash: false, lowS: false, format: "compact" });
  }

  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    try {
      return ed25519.verify(signature, message, publicKey);
    } catch {
      return false;
    }
  }

  randomBytes(length: number): Uint8Array {
    return this.random(length);
  }
}

/** xorshift128+ stream: deterministic, for tests only. */
function deterministicRandom(seed: number): (length: number) => Uint8Array {
  let s0 = (seed | 0) || 1;
  let s1 = 0x9e3779b9;
  return (length: number) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      let x = s0;
      const y = s1;
      s0 = y;
      x ^= x << 23;
      x ^= x >>> 17;
      x ^= y ^ (y >>> 26);
      s1 = x;
      out[i] = (s0 + s1) & 0xff;
    }
    return out;
  };
}
