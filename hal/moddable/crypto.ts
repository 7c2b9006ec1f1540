import type { CryptoPort, HashAlgorithm, IncrementalHash } from "../crypto.js";

/** One AES key schedule (Moddable: `new BlockCipher("AES", key)` from `crypt`). */
export interface AesBlock {
  encrypt(block: Uint8Array): Uint8Array;
  decrypt(block: Uint8Array): Uint8Array;
}

/**
 * The primitives Moddable's SDK has natively or in its crypt JavaScript
 * (hal/moddable/device/crypto.ts binds them). The port composes them and
 * owns every check a peer's bytes can reach: GCM tag truncation and its
 * constant-time comparison, RFC 3394 key wrap (the SDK has none), and the
 * ECDSA input checks the SDK's `ecdsa` module leaves out.
 */
export interface CryptoPrimitives {
  aes(key: Uint8Array): AesBlock;
  /** GCM with a 12-byte IV: ciphertext and the full 16-byte tag. */
  gcmSeal(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): { ciphertext: Uint8Array; tag: Uint8Array };
  /** GCM decryption without the tag check: the plaintext and the tag computed over the ciphertext. */
  gcmOpen(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): { plaintext: Uint8Array; tag: Uint8Array };
  sha256(data: Uint8Array): Uint8Array;
  /** Streaming SHA-256 or SHA-512 (crypt's Digest), for image verification. */
  createHash?(algorithm: HashAlgorithm): IncrementalHash;
  /** P-256 verification of a validated public point and signature (r, s in 1..n-1). */
  p256Verify(x: bigint, y: bigint, digest: Uint8Array, r: bigint, s: bigint): boolean;
  randomBytes(length: number): Uint8Array;
}

/** The pieces of GCM the SDK has natively (crypt's BlockCipher, Mode "CTR" and GHASH). */
export interface GcmParts {
  /** E_K of one 16-byte block. */
  encryptBlock(block: Uint8Array): Uint8Array;
  /** CTR keystream applied to data, 128-bit counter starting at `counter`. */
  ctr(counter: Uint8Array, data: Uint8Array): Uint8Array;
  /** GHASH_H over AAD and ciphertext, each zero-padded, then the 64-bit bit lengths of both. */
  ghash(h: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array;
}

/**
 * AES-GCM with a 12-byte IV (NIST SP 800-38D): J0 = IV || 00000001, the
 * payload counter from IV || 00000002, tag = GHASH ^ E_K(J0) (16 bytes; the
 * port truncates). Not the SDK's gcm.js: it derives the first counter block
 * through ArrayBuffer.fromBigInt without a length, which drops a leading zero
 * byte, so an IV starting with 0x00 (a peer's system title is wire input)
 * would give a short counter block.
 */
export function gcmCompose(parts: GcmParts, iv: Uint8Array, aad: Uint8Array, data: Uint8Array, encrypt: boolean): { out: Uint8Array; tag: Uint8Array } {
  const j0 = new Uint8Array(16);
  j0.set(iv);
  j0[15] = 1;
  const j1 = j0.slice();
  j1[15] = 2;
  const out = data.length ? parts.ctr(j1, data) : new Uint8Array(0);
  const s = parts.ghash(parts.encryptBlock(new Uint8Array(16)), aad, encrypt ? out : data);
  const ek = parts.encryptBlock(j0);
  const tag = new Uint8Array(16);
  for (let i = 0; i < 16; i++) tag[i] = s[i] ^ ek[i];
  return { out, tag };
}

/** What the SDK lacks, supplied explicitly by the composition root (e.g. the pure-JS port). */
export type CryptoFallback = Partial<Pick<CryptoPort, "ed25519Verify" | "ecdsaP256Sign">>;

const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const KW_IV = 0xa6;

/**
 * The crypto port on Moddable. The SDK has AES (native), GCM, SHA-256 and
 * SHA-512 (native) and ECDSA P-256 verification (JavaScript over XS BigInt); it has
 * no AES key wrap (built here on the AES block), no ed25519 and no safe
 * ECDSA signing (its nonce comes from the `rng` module, an RC4 stream seeded
 * from c_rand). Those two are taken from `fallback` when given and are
 * otherwise absent, which callers see as the optional methods missing.
 */
export class ModdableCrypto implements CryptoPort {
  private declare readonly p: CryptoPrimitives;
  declare readonly ed25519Verify?: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;
  declare readonly ecdsaP256Sign?: (privateKey: Uint8Array, digest: Uint8Array) => Uint8Array;

  constructor(primitives: CryptoPrimitives, fallback: CryptoFallback = {}) {
    this.p = primitives;
    if (fallback.ed25519Verify) this.ed25519Verify = fallback.ed25519Verify.bind(fallback);
    if (fallback.ecdsaP256Sign) this.ecdsaP256Sign = fallback.ecdsaP256Sign.bind(fallback);
  }

  aesGcmEncrypt(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, tagLength: number): Uint8Array {
    checkGcm(key, iv, tagLength);
    const { ciphertext, tag } = this.p.gcmSeal(key, iv, aad, plaintext);
    const out = new Uint8Array(ciphertext.length + tagLength);
    out.set(ciphertext);
    out.set(tag.subarray(0, tagLength), ciphertext.length);
    return out;
  }

  aesGcmDecrypt(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array, tagLength: number): Uint8Array | undefined {
    if (key.length !== 16 && key.length !== 32) return undefined;
    if (iv.length !== 12 || tagLength < 4 || tagLength > 16 || ciphertextAndTag.length < tagLength) return undefined;
    const n = ciphertextAndTag.length - tagLength;
    let opened: { plaintext: Uint8Array; tag: Uint8Array };
    try {
      opened = this.p.gcmOpen(key, iv, aad, ciphertextAndTag.subarray(0, n));
    } catch {
      // Wire input never makes the port throw: a native refusal is a failed check.
      return undefined;
    }
    const { plaintext, tag } = opened;
    // Constant time: the SDK's GCM compares tags with an early exit.
    let diff = 0;
    for (let i = 0; i < tagLength; i++) diff |= tag[i] ^ ciphertextAndTag[n + i];
    return diff === 0 ? plaintext : undefined;
  }

  aesKeyWrap(kek: Uint8Array, key: Uint8Array): Uint8Array {
    if (key.length < 16 || key.length % 8 !== 0) throw new RangeError("key wrap needs a key of 16 or more bytes in 8-byte blocks");
    return keyWrap(this.p.aes(kek), key);
  }

  aesKeyUnwrap(kek: Uint8Array, wrapped: Uint8Array): Uint8Array | undefined {
    if (wrapped.length < 24 || wrapped.length % 8 !== 0 || (kek.length !== 16 && kek.length !== 32)) return undefined;
    try {
      return keyUnwrap(this.p.aes(kek), wrapped);
    } catch {
      return undefined;
    }
  }

  sha256(data: Uint8Array): Uint8Array {
    return this.p.sha256(data);
  }

  createHash(algorithm: HashAlgorithm): IncrementalHash | undefined {
    return this.p.createHash?.(algorithm);
  }

  ecdsaP256Verify(publicKey: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean {
    if (publicKey.length !== 65 || publicKey[0] !== 0x04 || signature.length !== 64 || digest.length !== 32) return false;
    const x = toBigInt(publicKey, 1, 33);
    const y = toBigInt(publicKey, 33, 65);
    // An off-curve point would let a forged key pass the SDK's arithmetic.
    if (x >= P || y >= P || (y * y - (x * x * x - 3n * x + B)) % P !== 0n) return false;
    const r = toBigInt(signature, 0, 32);
    const s = toBigInt(signature, 32, 64);
    if (r === 0n || s === 0n || r >= N || s >= N) return false;
    try {
      return this.p.p256Verify(x, y, digest, r, s) === true;
    } catch {
      return false;
    }
  }

  randomBytes(length: number): Uint8Array {
    return this.p.randomBytes(length);
  }
}

function checkGcm(key: Uint8Array, iv: Uint8Array, tagLength: number): void {
  if (key.length !== 16 && key.length !== 32) throw new RangeError("AES-GCM key must be 16 or 32 bytes");
  if (iv.length !== 12) throw new RangeError("AES-GCM IV must be 12 bytes (system title and invocation counter)");
  if (!Number.isInteger(tagLength) || tagLength < 4 || tagLength > 16) throw new RangeError("AES-GCM tag length must be 4..16");
}

function toBigInt(bytes: Uint8Array, from: number, to: number): bigint {
  let v = 0n;
  for (let i = from; i < to; i++) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

/** RFC 3394 section 2.2.1, index form. */
function keyWrap(aes: AesBlock, key: Uint8Array): Uint8Array {
  const n = key.length / 8;
  const a = new Uint8Array(8).fill(KW_IV);
  const r = key.slice();
  const block = new Uint8Array(16);
  for (let j = 0; j <= 5; j++) {
    for (let i = 1; i <= n; i++) {
      block.set(a, 0);
      block.set(r.subarray((i - 1) * 8, i * 8), 8);
      const b = aes.encrypt(block);
      a.set(b.subarray(0, 8));
      xorCounter(a, n * j + i);
      r.set(b.subarray(8, 16), (i - 1) * 8);
    }
  }
  const out = new Uint8Array(8 + key.length);
  out.set(a, 0);
  out.set(r, 8);
  return out;
}

/** RFC 3394 section 2.2.2; undefined when the integrity check value differs. */
function keyUnwrap(aes: AesBlock, wrapped: Uint8Array): Uint8Array | undefined {
  const n = wrapped.length / 8 - 1;
  const a = wrapped.slice(0, 8);
  const r = wrapped.slice(8);
  const block = new Uint8Array(16);
  for (let j = 5; j >= 0; j--) {
    for (let i = n; i >= 1; i--) {
      xorCounter(a, n * j + i);
      block.set(a, 0);
      block.set(r.subarray((i - 1) * 8, i * 8), 8);
      const b = aes.decrypt(block);
      a.set(b.subarray(0, 8));
      r.set(b.subarray(8, 16), (i - 1) * 8);
    }
  }
  let diff = 0;
  for (let i = 0; i < 8; i++) diff |= a[i] ^ KW_IV;
  return diff === 0 ? r : undefined;
}

/** A ^= t, with t as a 64-bit big-endian integer (t < 2^32 for any key we wrap). */
function xorCounter(a: Uint8Array, t: number): void {
  for (let k = 7; k >= 4 && t > 0; k--) {
    a[k] ^= t & 0xff;
    t = Math.floor(t / 256);
  }
}
