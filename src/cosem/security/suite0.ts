import type { CryptoPort } from "../../../hal/crypto.js";
import { ByteWriter, writeU32 } from "../../util/bytes.js";
import { SC_AUTHENTICATED, SC_ENCRYPTED } from "./header.js";

/**
 * Security suite 0 (AES-GCM-128, 12-byte tag) as the Green Book applies it
 * (9.2.7.2.4.4): IV = system title (8) || invocation counter (4);
 * authentication only: AAD = SC || AK || plaintext, output plaintext || tag;
 * encryption only: no tag; authenticated encryption: AAD = SC || AK.
 * All AES goes through the crypto port so a board can use its hardware.
 */
const TAG_LENGTH = 12;

export interface Suite0Keys {
  /** Block cipher key: global unicast, broadcast or dedicated key (16 bytes). */
  encryptionKey: Uint8Array;
  authenticationKey: Uint8Array;
}

/** The GCM nonce: system title || invocation counter (big-endian). */
export function iv(systemTitle: Uint8Array, invocationCounter: number): Uint8Array {
  const n = systemTitle.length;
  const out = new Uint8Array(n + 4);
  out.set(systemTitle);
  writeU32(out, n, invocationCounter);
  return out;
}

/** SC || AK (|| extra): written straight into one array, as iv(): this runs twice per ciphered request. */
function aad(sc: number, ak: Uint8Array, extra?: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + ak.length + (extra ? extra.length : 0));
  out[0] = sc;
  out.set(ak, 1);
  if (extra) out.set(extra, 1 + ak.length);
  return out;
}

/** Protects plaintext per the control byte; returns the ciphered content after the security header. */
export function protect(crypto: CryptoPort, sc: number, keys: Suite0Keys, systemTitle: Uint8Array, ic: number, plaintext: Uint8Array): Uint8Array {
  const auth = (sc & SC_AUTHENTICATED) !== 0;
  const enc = (sc & SC_ENCRYPTED) !== 0;
  const nonce = iv(systemTitle, ic);
  if (auth && enc) return crypto.aesGcmEncrypt(keys.encryptionKey, nonce, aad(sc, keys.authenticationKey), plaintext, TAG_LENGTH);
  if (auth) {
    const tag = crypto.aesGcmEncrypt(keys.encryptionKey, nonce, aad(sc, keys.authenticationKey, plaintext), new Uint8Array(0), TAG_LENGTH);
    return new ByteWriter(plaintext.length + TAG_LENGTH).bytes(plaintext).bytes(tag).toBytes();
  }
  if (enc) return crypto.aesGcmEncrypt(keys.encryptionKey, nonce, new Uint8Array(0), plaintext, 16).subarray(0, plaintext.length).slice();
  return plaintext.slice();
}

/** Reverses protect(); undefined when the tag does not verify (or the content is too short for one). */
export function unprotect(crypto: CryptoPort, sc: number, keys: Suite0Keys, systemTitle: Uint8Array, ic: number, content: Uint8Array): Uint8Array | undefined {
  const auth = (sc & SC_AUTHENTICATED) !== 0;
  const enc = (sc & SC_ENCRYPTED) !== 0;
  const nonce = iv(systemTitle, ic);
  if (auth && enc) return crypto.aesGcmDecrypt(keys.encryptionKey, nonce, aad(sc, keys.authenticationKey), content, TAG_LENGTH);
  if (auth) {
    if (content.length < TAG_LENGTH) return undefined;
    const plaintext = content.subarray(0, content.length - TAG_LENGTH);
    const ok = crypto.aesGcmDecrypt(keys.encryptionKey, nonce, aad(sc, keys.authenticationKey, plaintext), content.subarray(content.length - TAG_LENGTH), TAG_LENGTH);
    return ok === undefined ? undefined : plaintext.slice();
  }
  if (enc) {
    // CTR mode is its own inverse: encrypting the ciphertext with the same IV yields the plaintext.
    return crypto.aesGcmEncrypt(keys.encryptionKey, nonce, new Uint8Array(0), content, 16).subarray(0, content.length).slice();
  }
  return content.slice();
}

/**
 * HLS-GMAC (mechanism 5) response to a challenge: SC || IC || GMAC(SC || AK || challenge),
 * computed with the responder's own system title and invocation counter.
 */
export function hlsGmac(crypto: CryptoPort, keys: Suite0Keys, systemTitle: Uint8Array, ic: number, challenge: Uint8Array, sc = SC_AUTHENTICATED): Uint8Array {
  const tag = crypto.aesGcmEncrypt(keys.encryptionKey, iv(systemTitle, ic), aad(sc, keys.authenticationKey, challenge), new Uint8Array(0), TAG_LENGTH);
  return new ByteWriter(5 + TAG_LENGTH).u8(sc).u32(ic >>> 0).bytes(tag).toBytes();
}

/** Constant-time comparison, so a forged tag learns nothing from timing. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}
