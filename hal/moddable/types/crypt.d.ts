// Moddable SDK modules/crypt/digest/crypt.js: the native block cipher (kcl's
// FIPS-197 AES), cipher modes and GHASH. SDK 8.2's typings/crypt.d.ts
// declares only Digest; this block merges with it.
declare module "crypt" {
  export class BlockCipher {
    constructor(cipher: "AES" | "DES" | "TDES", key: ArrayBufferLike | Uint8Array);
    /** One block; writes into `result` when given, else returns a new buffer. */
    encrypt(data: ArrayBufferLike | Uint8Array, result?: ArrayBufferLike): ArrayBuffer;
    decrypt(data: ArrayBufferLike | Uint8Array, result?: ArrayBufferLike): ArrayBuffer;
    readonly keySize: number;
    readonly blockSize: number;
  }
  /** "CTR": a 128-bit big-endian counter starting at `iv`. */
  export class Mode {
    constructor(mode: "ECB" | "CBC" | "CTR", cipher: BlockCipher, iv?: ArrayBuffer, pad?: boolean);
    encrypt(data: ArrayBufferLike | Uint8Array, result?: ArrayBufferLike): ArrayBuffer;
    decrypt(data: ArrayBufferLike | Uint8Array, result?: ArrayBufferLike): ArrayBuffer;
  }
  /** GHASH keyed by H over the AAD and then the ciphertext; close() appends the length block. */
  export class GHASH {
    constructor(h: ArrayBuffer, aad?: ArrayBuffer);
    update(data: ArrayBufferLike | Uint8Array): void;
    close(): ArrayBuffer;
  }
}
