/**
 * Crypto port. The host and simulator implement it with audited pure-JS
 * libraries; a board may substitute hardware acceleration. All keys and
 * outputs are raw bytes.
 */
/** A hash fed in pieces, so that an image is verified without holding it in RAM. */
export interface IncrementalHash {
  readonly digestLength: number;
  update(data: Uint8Array, offset?: number, length?: number): void;
  /** Finishes the hash; the object must not be used afterwards. */
  digest(): Uint8Array;
}

export interface CryptoPort {
  /** AES-GCM: returns ciphertext || tag (tagLength bytes). */
  aesGcmEncrypt(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, tagLength: number): Uint8Array;
  /** AES-GCM: returns the plaintext, or undefined when the tag does not verify. */
  aesGcmDecrypt(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array, tagLength: number): Uint8Array | undefined;
  /** AES key wrap (RFC 3394) for Security Setup key_transfer. */
  aesKeyWrap(kek: Uint8Array, key: Uint8Array): Uint8Array;
  aesKeyUnwrap(kek: Uint8Array, wrapped: Uint8Array): Uint8Array | undefined;
  sha256(data: Uint8Array): Uint8Array;
  /**
   * A native or hardware streaming hash, where the platform has one
   * (undefined for an algorithm it lacks): firmware image verification
   * hashes up to a whole slot.
   */
  createHash?(algorithm: "sha256" | "sha512"): IncrementalHash | undefined;
  /** ECDSA P-256 over a message digest; public key uncompressed (65 bytes), signature raw r||s (64 bytes). */
  ecdsaP256Verify(publicKey: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean;
  ecdsaP256Sign?(privateKey: Uint8Array, digest: Uint8Array): Uint8Array;
  ed25519Verify?(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  randomBytes(length: number): Uint8Array;
}
