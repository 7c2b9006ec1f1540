/// <reference path="../types/crypt.d.ts" />
/// <reference path="../types/crypt-etc.d.ts" />
import { BlockCipher, Digest } from "crypt";
import GCM from "gcm";
import ECDSA from "ecdsa";
import Curve from "curve";
import ECPoint from "ecp";
import RNG from "rng";
import { asArrayBuffer } from "../buffers.js";
import { ModdableCrypto, type CryptoFallback, type CryptoPrimitives } from "../crypto.js";

function gcmFor(key: Uint8Array, iv: Uint8Array, aad: Uint8Array): GCM {
  const gcm = new GCM(new BlockCipher("AES", asArrayBuffer(key)), 16);
  // gcm.js extends a 12-byte IV with ArrayBuffer.prototype.concat (an XS
  // extension): it needs a plain ArrayBuffer, not a view.
  gcm.init(asArrayBuffer(iv), asArrayBuffer(aad));
  return gcm;
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
 * stream seeded once from c_rand (esp_random on ESP32, the RNG peripheral
 * on nRF52 builds that define it); a board with a better source passes it.
 */
export function moddablePrimitives(random?: (length: number) => Uint8Array): CryptoPrimitives {
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
      const gcm = gcmFor(key, iv, aad);
      const ciphertext = plaintext.length ? new Uint8Array(gcm.encrypt(asArrayBuffer(plaintext))) : new Uint8Array(0);
      return { ciphertext, tag: new Uint8Array(gcm.close()) };
    },
    gcmOpen(key, iv, aad, ciphertext) {
      const gcm = gcmFor(key, iv, aad);
      const plaintext = ciphertext.length ? new Uint8Array(gcm.decrypt(asArrayBuffer(ciphertext))) : new Uint8Array(0);
      return { plaintext, tag: new Uint8Array(gcm.close()) };
    },
    sha256(data) {
      const digest = new Digest("SHA256");
      digest.write(asArrayBuffer(data));
      return new Uint8Array(digest.close());
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
