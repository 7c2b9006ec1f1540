import type { CryptoPort, HashAlgorithm, IncrementalHash } from "../../hal/crypto.js";
import { bytesEqual, readU32le } from "../util/bytes.js";
import { type ByteSource, type ParsedImage, TlvType, parseImage, readTlv } from "./image.js";
import { ecdsaDerToRaw, parseSpki, type KeyType, type PublicKey } from "./keys.js";

/**
 * The on-meter image verifier: MCUboot's bootutil_img_validate()
 * (image_validate.c:200-591, MCUBOOT-FORMAT.md section 8) over a slot in
 * flash, read in chunks, plus the anti-rollback check against the stored
 * minimum security counter. It answers the verdict the bootloader would
 * give, named as in vectors.json, so that the meter never asks for a swap
 * the bootloader would refuse and never accepts one it would not.
 */
export type Verdict =
  | "ok"
  | "bad-magic"
  | "malformed"
  /** No hash TLV of the configured algorithm (image_validate.c:553-557). */
  | "no-hash"
  | "bad-hash"
  /** No signature TLV checked with a built-in key (KEYHASH matched none, or no signature). */
  | "no-signature"
  | "bad-signature"
  /** Signed security counter below the stored minimum. */
  | "rollback"
  /** Encrypted or compressed image, a pure image too large to sign-check in RAM, or an image hash the platform has not (CryptoPort.createHash). */
  | "unsupported"
  /** MCUBOOT_USE_TLV_ALLOW_LIST: a TLV type the bootloader does not allow in the unprotected area. */
  | "tlv-not-allowed"
  /** IMAGE_F_NON_BOOTABLE or an erased header: boot_validate_slot() sees no bootable image (slot-check.ts). */
  | "not-bootable"
  /** Lower version than the running image (downgrade prevention by version, or the meter's policy; slot-check.ts). */
  | "downgrade";

/** How the meter's bootloader is built (the MCUBOOT_* options that change the verdict). */
export interface VerifierConfig {
  /** MCUBOOT_SIGN_EC256 / MCUBOOT_SIGN_ED25519, or "none" for a hash-only build. */
  readonly signature: KeyType | "none";
  /** Image hash: SHA-256 by default, SHA-512 with MCUBOOT_SHA512. */
  readonly hash?: HashAlgorithm;
  /** MCUBOOT_SIGN_PURE (ed25519 over the image itself, no hash TLV needed). */
  readonly pure?: boolean;
  /** "hash": KEYHASH TLV (default build); "full": PUBKEY TLV (MCUBOOT_HW_KEY). */
  readonly keyTlv?: "hash" | "full";
  /** SPKI DER of the keys built into the firmware. */
  readonly keys: readonly Uint8Array[];
  /** bootutil_max_image_size(): slot size minus the trailer. Default: the source size. */
  readonly maxImageSize?: number;
  /** Pure signatures need the whole signed region at once; above this size: "unsupported". */
  readonly maxPureBytes?: number;
  /** Flash read size while hashing. */
  readonly chunkSize?: number;
  /** MCUBOOT_USE_TLV_ALLOW_LIST (see BootloaderConfig). */
  readonly tlvAllowList?: boolean;
}

export interface VerifyResult {
  readonly verdict: Verdict;
  readonly reason: string;
  readonly image?: ParsedImage;
  /** The computed image hash (absent for pure builds and failures before hashing). */
  readonly hash?: Uint8Array;
  /** From the protected SEC_CNT TLV; 0 when the image has none. */
  readonly securityCounter?: number;
  /** Whether the image has a protected SEC_CNT TLV (downgrade prevention by counter refuses images without one). */
  readonly hasSecurityCounter?: boolean;
  /** Index into config.keys of the key whose signature verified. */
  readonly keyIndex?: number;
}

const UNSUPPORTED_FLAGS = 0x4 | 0x8 | 0x200 | 0x400 | 0x800;

/**
 * image_validate.c allowed_unprot_tlvs: KEYHASH, PUBKEY, SHA256/384/512,
 * RSA2048_PSS, ECDSA224, ECDSA_SIG, RSA3072_PSS, ED25519, SIG_PURE (pure
 * builds only), ENC_RSA2048, ENC_KW, ENC_EC256, ENC_X25519 (builds without
 * MCUBOOT_HMAC_SHA512).
 */
const ALLOWED_UNPROTECTED: readonly number[] = Object.freeze([0x01, 0x02, 0x10, 0x11, 0x12, 0x20, 0x21, 0x22, 0x23, 0x24, 0x30, 0x31, 0x32, 0x33]);

export class ImageVerifier {
  private declare readonly config: VerifierConfig;
  private declare readonly crypto: CryptoPort;
  private declare readonly alg: HashAlgorithm;
  private declare readonly keys: (PublicKey | undefined)[];
  /** Undefined where the platform lacks the configured hash: no key is found by KEYHASH then. */
  private declare readonly keyHashes: (Uint8Array | undefined)[];

  constructor(config: VerifierConfig, crypto: CryptoPort) {
    this.config = config;
    this.crypto = crypto;
    this.alg = config.hash ?? "sha256";
    // Keys are hashed once: the bootloader hashes each built-in key per image (bootutil_find_key.c:56-80).
    this.keys = config.keys.map((k) => parseSpki(k));
    this.keyHashes = config.keys.map((k) => {
      const h = this.newHash();
      h?.update(k);
      return h?.digest();
    });
  }

  /** Verifies the image at the start of `source`; never throws on image content. */
  verify(source: ByteSource, minSecurityCounter = 0): VerifyResult {
    const cfg = this.config;
    const parsed = parseImage(source, cfg.maxImageSize ?? source.byteLength);
    if (!parsed.ok) return { verdict: parsed.verdict, reason: parsed.reason };
    const image = parsed.image;
    if (image.header.flags & UNSUPPORTED_FLAGS) return { verdict: "unsupported", reason: "encrypted or compressed image", image };

    const hashLen = this.alg === "sha256" ? 32 : 64;
    const hashTlvType = this.alg === "sha256" ? TlvType.sha256 : TlvType.sha512;
    const pure = cfg.pure === true;
    if (pure && image.hashedEnd > (cfg.maxPureBytes ?? 65536)) return { verdict: "unsupported", reason: "pure image larger than maxPureBytes", image };
    // Without the configured hash neither the image hash nor a KEYHASH can be checked: a pure image's
    // key is found by its hash too, so it is unsupported as well, not "no signature".
    let hash: Uint8Array | undefined;
    if (!pure) hash = this.hashRegion(source, image.hashedEnd);
    if (pure ? this.keyHashes.some((h) => h === undefined) : !hash) return { verdict: "unsupported", reason: `no ${this.alg} on this platform`, image };

    let hashValid = false;
    let keyId = -1;
    let signatureChecked = false;
    let validSignature = false;
    let keyIndex: number | undefined;
    let securityCounter = 0;
    let hasSecurityCounter = false;
    let sawPure = false;
    const sigType = cfg.signature === "ecdsa-p256" ? TlvType.ecdsaSig : cfg.signature === "ed25519" ? TlvType.ed25519 : -1;
    const keyTlvType = (cfg.keyTlv ?? "hash") === "hash" ? TlvType.keyHash : TlvType.pubKey;

    // One walk over both areas, as bootutil_img_validate() iterates with
    // IMAGE_TLV_ANY and prot=false (image_validate.c:286-550): a hash, key or
    // signature TLV counts wherever it is; the security counter for
    // anti-rollback is read from the protected area only, as
    // bootutil_get_img_security_cnt() does.
    for (let t = 0; t < image.tlvs.length; t++) {
      const tlv = image.tlvs[t];
      if (tlv.area === "unprotected" && cfg.tlvAllowList === true && !(ALLOWED_UNPROTECTED.includes(tlv.type) || (pure && tlv.type === TlvType.sigPure))) {
        return { verdict: "tlv-not-allowed", reason: `TLV 0x${tlv.type.toString(16)} not allowed in the unprotected area`, image, hash };
      }
      if (tlv.type === TlvType.secCnt) {
        if (tlv.area !== "protected") continue;
        if (tlv.len !== 4) return { verdict: "malformed", reason: "SEC_CNT TLV is not 4 bytes", image };
        const v = readTlv(source, tlv);
        securityCounter = readU32le(v, 0);
        hasSecurityCounter = true;
      } else if (tlv.type === hashTlvType && !pure) {
        // image_validate.c:340-362: wrong size or value fails at once.
        if (tlv.len !== hashLen) return { verdict: "malformed", reason: "hash TLV of the wrong size", image };
        if (!bytesEqual(readTlv(source, tlv), hash as Uint8Array)) return { verdict: "bad-hash", reason: "hash TLV does not match computed hash", image, hash };
        hashValid = true;
      } else if (tlv.type === TlvType.sigPure) {
        if (tlv.len !== 1 || readTlv(source, tlv)[0] !== 1) return { verdict: "malformed", reason: "SIG_PURE TLV is not 01", image };
        sawPure = true;
      } else if (sigType >= 0 && tlv.type === keyTlvType) {
        // KEY_BUF_SIZE: a KEYHASH longer than the image hash fails the image (image_validate.c:370-373).
        if (keyTlvType === TlvType.keyHash) {
          if (tlv.len > hashLen) return { verdict: "malformed", reason: "KEYHASH longer than the image hash", image };
          keyId = this.findKeyByHash(readTlv(source, tlv));
        } else {
          keyId = this.findKeyBySpki(readTlv(source, tlv));
        }
      } else if (sigType >= 0 && tlv.type === sigType) {
        // A signature is only checked after a key TLV that named a built-in key (image_validate.c:398-402).
        if (keyId < 0) continue;
        // EXPECTED_SIG_LEN and SIG_BUF_SIZE (image_validate.c:71-90,404-407):
        // ed25519 exactly 64 bytes, ECDSA at most 128; otherwise the whole image fails.
        if (sigType === TlvType.ed25519 ? tlv.len !== 64 : tlv.len > 128) {
          return { verdict: "malformed", reason: `signature TLV of ${tlv.len} bytes`, image, hash };
        }
        signatureChecked = true;
        validSignature = this.checkSignature(source, image, tlv.dataOffset, tlv.len, keyId, hash, pure);
        if (validSignature) keyIndex = keyId;
        else keyIndex = undefined;
        keyId = -1;
      }
    }

    if (pure) {
      if (!sawPure) return { verdict: "no-signature", reason: "pure build: image has no SIG_PURE TLV", image };
    } else if (!hashValid) {
      return { verdict: "no-hash", reason: "no valid hash TLV", image, hash };
    }
    if (sigType >= 0 && !validSignature) {
      return signatureChecked
        ? { verdict: "bad-signature", reason: "signature verification failed", image, hash }
        : { verdict: "no-signature", reason: "no signature TLV verified with a trusted key", image, hash };
    }
    if (securityCounter < minSecurityCounter) {
      return { verdict: "rollback", reason: `security counter ${securityCounter} below the minimum ${minSecurityCounter}`, image, hash, securityCounter, hasSecurityCounter, keyIndex };
    }
    return { verdict: "ok", reason: "ok", image, hash, securityCounter, hasSecurityCounter, keyIndex };
  }

  /** The platform's streaming hash of the configured algorithm (a board's native SHA-2: the firmware carries none of its own); undefined where the platform lacks it. */
  private newHash(): IncrementalHash | undefined {
    return this.crypto.createHash?.(this.alg);
  }

  private hashRegion(source: ByteSource, end: number): Uint8Array | undefined {
    const h = this.newHash();
    if (!h) return undefined;
    const chunk = Math.max(64, this.config.chunkSize ?? 1024);
    for (let off = 0; off < end; off += chunk) h.update(source.read(off, Math.min(chunk, end - off)));
    return h.digest();
  }

  private findKeyByHash(keyHash: Uint8Array): number {
    // The bootloader compares the first it_len bytes (bootutil_find_key.c:56-80).
    for (let i = 0; i < this.keyHashes.length; i++) {
      const k = this.keys[i];
      const h = this.keyHashes[i];
      if (!k || !h || k.type !== this.config.signature) continue;
      if (bytesEqual(h.subarray(0, keyHash.length), keyHash)) return i;
    }
    return -1;
  }

  private findKeyBySpki(spki: Uint8Array): number {
    for (let i = 0; i < this.keys.length; i++) {
      const k = this.keys[i];
      if (k && k.type === this.config.signature && bytesEqual(k.spki, spki)) return i;
    }
    return -1;
  }

  private checkSignature(source: ByteSource, image: ParsedImage, dataOffset: number, len: number, keyId: number, hash: Uint8Array | undefined, pure: boolean): boolean {
    const key = this.keys[keyId] as PublicKey;
    if (key.type === "ecdsa-p256") {
      if (hash === undefined) return false;
      const raw = ecdsaDerToRaw(source.read(dataOffset, len));
      return raw !== undefined && this.crypto.ecdsaP256Verify(key.raw, hash, raw);
    }
    if (len !== 64 || !this.crypto.ed25519Verify) return false;
    const sig = source.read(dataOffset, 64);
    if (!pure) return hash !== undefined && this.crypto.ed25519Verify(key.raw, hash, sig);
    // Pure: the message is the signed region itself (bounded by maxPureBytes); the port has no streaming ed25519.
    return this.crypto.ed25519Verify(key.raw, source.read(0, image.hashedEnd), sig);
  }
}
