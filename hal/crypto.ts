/**
 * Crypto port. The host and simulator implement it with audited pure-JS
 * libraries; a board may substitute hardware acceleration. All keys and
 * outputs are raw bytes.
 */
/** The image hashes MCUboot builds use (SHA-256 by default, SHA-512 with MCUBOOT_SHA512). */
export type HashAlgorithm = "sha256" | "sha512";

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
   * The platform's streaming hash (native or hardware on a board): firmware
   * image verification hashes up to a whole slot through it. Undefined for
   * an algorithm the platform lacks, and the verifier then answers
   * "unsupported": the firmware carries no software SHA-2 of its own.
   */
  createHash?(algorithm: HashAlgorithm): IncrementalHash | undefined;
  /** ECDSA P-256 over a message digest; public key uncompressed (65 bytes), signature raw r||s (64 bytes). */
  ecdsaP256Verify(publicKey: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean;
  ecdsaP256Sign?(privateKey: Uint8Array, digest: Uint8Array): Uint8Array;
  ed25519Verify?(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  randomBytes(length: number): Uint8Array;
}
