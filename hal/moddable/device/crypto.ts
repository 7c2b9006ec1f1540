/// <reference path="../types/crypt.d.ts" />
/// <reference path="../types/crypt-etc.d.ts" />
import { BlockCipher, Digest, GHASH, Mode } from "crypt";
import ECDSA from "ecdsa";
import Curve from "curve";
import ECPoint from "ecp";
import RNG from "rng";
import { asArrayBuffer } from "../buffers.js";
import { gcmCompose, ModdableCrypto, type CryptoFallback, type CryptoPrimitives, type GcmParts } from "../crypto.js";

/** The SDK's native AES, CTR mode and GHASH as the port's GCM parts (the composition is gcmCompose). */
function gcmParts(key: Uint8Array): GcmParts {
  const cipher = new BlockCipher("AES", asArrayBuffer(key));
  return {
    encryptBlock: (block) => new Uint8Array(cipher.encrypt(asArrayBuffer(block))),
    ctr: (counter, data) => new Uint8Array(new Mode("CTR", cipher, asArrayBuffer(counter)).encrypt(asArrayBuffer(data))),
    ghash(h, aad, ciphertext) {
      const g = new GHASH(asArrayBuffer(h), asArrayBuffer(aad));
      if (ciphertext.length) g.update(asArrayBuffer(ciphertext));
      return new Uint8Array(g.close());
    },
  };
}

function bigToBytes(v: bigint, length: number): ArrayBuffer {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out.buffer;
}

/**
 * The SDK's primitives. `randomBytes` defaults to the `rng` module, an RC4
 * stream seeded once from the platform's c_rand; a board with a hardware
 * entropy source should pass it instead.
 */
function moddablePrimitives(random?: (length: number) => Uint8Array): CryptoPrimitives {
  const curve = new Curve("secp256r1");
  return {
    aes(key) {
      const cipher = new BlockCipher("AES", asArrayBuffer(key));
      return {
        encrypt: (block) => new Uint8Array(cipher.encrypt(asArrayBuffer(block))),
        decrypt: (block) => new Uint8Array(cipher.decrypt(asArrayBuffer(block))),
      };
    },
    gcmSeal(key, iv, aad, plaintext) {
      const { out, tag } = gcmCompose(gcmParts(key), iv, aad, plaintext, true);
      return { ciphertext: out, tag };
    },
    gcmOpen(key, iv, aad, ciphertext) {
      const { out, tag } = gcmCompose(gcmParts(key), iv, aad, ciphertext, false);
      return { plaintext: out, tag };
    },
    sha256(data) {
      const digest = new Digest("SHA256");
      digest.write(asArrayBuffer(data));
      return new Uint8Array(digest.close());
    },
    // crypt's Digest has both MCUboot image hashes natively (kcl fips180: SHA256, SHA512).
    createHash(algorithm) {
      const digest = new Digest(algorithm === "sha256" ? "SHA256" : "SHA512");
      return {
        digestLength: algorithm === "sha256" ? 32 : 64,
        update(data: Uint8Array, offset = 0, length = data.length - offset) {
          digest.write(asArrayBuffer(data.subarray(offset, offset + length)));
        },
        digest: () => new Uint8Array(digest.close()),
      };
    },
    p256Verify(x, y, digest, r, s) {
      const ecdsa = new ECDSA(new ECPoint(x, y), curve);
      const sig = new Uint8Array(64);
      sig.set(new Uint8Array(bigToBytes(r, 32)), 0);
      sig.set(new Uint8Array(bigToBytes(s, 32)), 32);
      return ecdsa.verify(asArrayBuffer(digest), sig.buffer, false);
    },
    randomBytes: random ?? ((length) => new Uint8Array(RNG.get(length))),
  };
}

export function moddableCrypto(fallback?: CryptoFallback, random?: (length: number) => Uint8Array): ModdableCrypto {
  return new ModdableCrypto(moddablePrimitives(random), fallback);
}
