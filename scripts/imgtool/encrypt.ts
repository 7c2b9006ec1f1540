/**
 * `imgtool sign -E KEY`: image encryption as image.py create() does it. A
 * random AES-128/256 key encrypts the image body (after the header, before
 * the TLVs) in CTR mode with a zero nonce; the AES key travels in an
 * unprotected TLV, wrapped by ECIES (image.py ecies_hkdf): an ephemeral
 * P-256 or X25519 key, ECDH with the device's key, HKDF (SHA-256, or
 * SHA-512 for X25519 with --hmac-sha 512; no salt; info
 * "MCUBoot_ECIES_v1") into an AES key that encrypts the image key (CTR,
 * zero nonce) and an HMAC key over the result. TLV value: ephemeral public
 * key || HMAC || encrypted key. `decryptImage` is the inverse (tests, and
 * `imgtool verify` of an encrypted image needs the plaintext).
 */
import { type KeyObject, createCipheriv, createHmac, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes } from "node:crypto";
import { pemDecode } from "./keys.js";

export type EncKeyType = "ecdsa-p256" | "x25519";

export interface EncryptionKey {
  readonly type: EncKeyType;
  /** The device's key: public, or private (then its public half is used). */
  readonly key: KeyObject;
}

export interface EncryptOptions {
  readonly key: EncryptionKey;
  /** --encrypt-keylen: AES-128 (default) or AES-256. */
  readonly keyLen?: 128 | 256;
  /** --hmac-sha: 512 only with X25519. */
  readonly hmacSha?: "256" | "512";
  /** -c/--clear: write the key TLV and flags but leave the body in clear. */
  readonly clear?: boolean;
}

const TLV_ENC_EC256 = 0x32;
const TLV_ENC_X25519 = 0x33;
const TLV_ENC_X25519_SHA512 = 0x34;

/** Loads an -E key file: an X25519 or P-256 key, private or public (PKCS#8 / SPKI / SEC1 PEM). */
export function loadEncryptionKey(text: string): EncryptionKey {
  const { label } = pemDecode(text);
  const key = label === "PUBLIC KEY" ? createPublicKey(text) : createPrivateKey(text);
  if (key.asymmetricKeyType === "x25519") return { type: "x25519", key };
  if (key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") return { type: "ecdsa-p256", key };
  throw new Error("unsupported encryption key (ECIES-P256 or ECIES-X25519)");
}

export function encTlvType(o: EncryptOptions): number {
  if (o.key.type === "ecdsa-p256") return TLV_ENC_EC256;
  return o.hmacSha === "512" ? TLV_ENC_X25519_SHA512 : TLV_ENC_X25519;
}

function publicBytes(type: EncKeyType, k: KeyObject): Uint8Array {
  const jwk = k.export({ format: "jwk" }) as { x: string; y?: string };
  const x = Buffer.from(jwk.x, "base64url");
  return type === "x25519" ? new Uint8Array(x) : new Uint8Array(Buffer.concat([Buffer.from([4]), x, Buffer.from(jwk.y as string, "base64url")]));
}

function ctr(key: Uint8Array, data: Uint8Array): Uint8Array {
  const c = createCipheriv(key.length === 16 ? "aes-128-ctr" : "aes-256-ctr", key, Buffer.alloc(16));
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

function derive(hash: "sha256" | "sha512", shared: Uint8Array, keyLen: number): { aes: Uint8Array; mac: Uint8Array } {
  const macLen = hash === "sha256" ? 32 : 64;
  const d = new Uint8Array(hkdfSync(hash, shared, Buffer.alloc(0), "MCUBoot_ECIES_v1", keyLen + macLen));
  return { aes: d.subarray(0, keyLen), mac: d.subarray(keyLen) };
}

/** The key TLV's value for a fresh image key, and that key. */
export function wrapImageKey(o: EncryptOptions): { plainKey: Uint8Array; tlvValue: Uint8Array } {
  const keyLen = (o.keyLen ?? 128) / 8;
  const plainKey = new Uint8Array(randomBytes(keyLen));
  const hash = o.hmacSha === "512" ? "sha512" : "sha256";
  if (hash === "sha512" && o.key.type !== "x25519") throw new Error("Currently only ECIES-X25519 supports HMAC-SHA512");
  const eph = o.key.type === "x25519" ? generateKeyPairSync("x25519") : generateKeyPairSync("ec", { namedCurve: "P-256" });
  const device = o.key.key.type === "private" ? createPublicKey(o.key.key) : o.key.key;
  const shared = new Uint8Array(diffieHellman({ privateKey: eph.privateKey, publicKey: device }));
  const { aes, mac } = derive(hash, shared, keyLen);
  const cipherKey = ctr(aes, plainKey);
  const tag = new Uint8Array(createHmac(hash, mac).update(cipherKey).digest());
  const pub = publicBytes(o.key.type, eph.publicKey);
  const tlvValue = new Uint8Array(pub.length + tag.length + cipherKey.length);
  tlvValue.set(pub, 0);
  tlvValue.set(tag, pub.length);
  tlvValue.set(cipherKey, pub.length + tag.length);
  return { plainKey, tlvValue };
}

/** AES-CTR with a zero nonce: encryption and decryption are the same operation. */
export function cryptBody(plainKey: Uint8Array, body: Uint8Array): Uint8Array {
  return ctr(plainKey, body);
}

/** The image key from a key TLV with the device's private key, or undefined when its HMAC does not match. */
export function unwrapImageKey(type: EncKeyType, privateKey: KeyObject, tlvValue: Uint8Array, keyLen: 16 | 32, hmacSha: "256" | "512" = "256"): Uint8Array | undefined {
  const pubLen = type === "x25519" ? 32 : 65;
  const macLen = hmacSha === "512" ? 64 : 32;
  const pub = tlvValue.subarray(0, pubLen);
  const tag = tlvValue.subarray(pubLen, pubLen + macLen);
  const cipherKey = tlvValue.subarray(pubLen + macLen);
  const jwk =
    type === "x25519"
      ? { kty: "OKP", crv: "X25519", x: Buffer.from(pub).toString("base64url") }
      : { kty: "EC", crv: "P-256", x: Buffer.from(pub.subarray(1, 33)).toString("base64url"), y: Buffer.from(pub.subarray(33, 65)).toString("base64url") };
  const eph = createPublicKey({ key: jwk, format: "jwk" });
  const shared = new Uint8Array(diffieHellman({ privateKey, publicKey: eph }));
  const hash = hmacSha === "512" ? "sha512" : "sha256";
  const { aes, mac } = derive(hash, shared, keyLen);
  const expect = new Uint8Array(createHmac(hash, mac).update(cipherKey).digest());
  if (Buffer.compare(Buffer.from(expect), Buffer.from(tag)) !== 0) return undefined;
  return ctr(aes, cipherKey);
}
