/**
 * Signing keys for the host imgtool: PEM/DER in the encodings MCUboot's
 * imgtool reads and writes (PKCS#8 private keys, SubjectPublicKeyInfo public
 * keys), and the getpub/getpubhash emitters. Crypto from @noble (audited).
 */
import { type KeyObject, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign as nodeSign, verify as nodeVerify, constants as cryptoConstants } from "node:crypto";
import { ed25519 } from "@noble/curves/ed25519.js";
import { p256 } from "@noble/curves/nist.js";
import { sha256, sha384, sha512 } from "@noble/hashes/sha2.js";
import { ecdsaRawToDer, parseSpki, spkiFromRaw, type KeyType } from "../../src/fota/keys.js";

export type { KeyType };

/**
 * Every key type imgtool 2.4.0 signs with. The firmware verifies
 * ecdsa-p256 and ed25519 (KeyType); the others are host-only, done with
 * Node's crypto (OpenSSL), as imgtool does them with python cryptography.
 */
export type HostKeyType = KeyType | "ecdsa-p384" | "rsa-2048" | "rsa-3072";
export const KEYGEN_TYPES: readonly HostKeyType[] = ["rsa-2048", "rsa-3072", "ecdsa-p256", "ecdsa-p384", "ed25519"];

export interface PublicSigningKey {
  readonly type: HostKeyType;
  /**
   * What MCUboot embeds, KEYHASH hashes and getpub -e raw prints:
   * SPKI DER for EC and ed25519 keys, PKCS#1 RSAPublicKey DER for RSA
   * (keys/rsa.py get_public_bytes).
   */
  readonly spki: Uint8Array;
  readonly raw: Uint8Array;
  /** Node's key object for the types signed through Node's crypto. */
  readonly node?: KeyObject;
}

export interface PrivateSigningKey extends PublicSigningKey {
  readonly secret: Uint8Array;
}

const OID_RSA = "2a864886f70d010101";
const OID_P384 = "2b81040022";

/** A P-384 or RSA key through Node's crypto: public bytes as imgtool's get_public_bytes(). */
function nodeKey(k: KeyObject, isPrivateKey: boolean): PrivateSigningKey | PublicSigningKey {
  const pub = isPrivateKey ? createPublicKey(k) : k;
  let type: HostKeyType;
  let bytes: Uint8Array;
  if (pub.asymmetricKeyType === "rsa") {
    const bits = pub.asymmetricKeyDetails?.modulusLength;
    if (bits !== 2048 && bits !== 3072) throw new Error(`Unsupported RSA key size: ${bits}`);
    type = bits === 2048 ? "rsa-2048" : "rsa-3072";
    bytes = new Uint8Array(pub.export({ type: "pkcs1", format: "der" }));
  } else if (pub.asymmetricKeyType === "ec" && pub.asymmetricKeyDetails?.namedCurve === "secp384r1") {
    type = "ecdsa-p384";
    bytes = new Uint8Array(pub.export({ type: "spki", format: "der" }));
  } else {
    throw new Error("unsupported key type");
  }
  const base = { type, spki: bytes, raw: bytes, node: k };
  return isPrivateKey ? { ...base, secret: new Uint8Array(0) } : base;
}

const OID_EC_PUBLIC_KEY = "2a8648ce3d0201";
const OID_P256 = "2a8648ce3d030107";
const OID_ED25519 = "2b6570";

// ---------------------------------------------------------------- DER / PEM

interface DerNode {
  tag: number;
  start: number;
  body: Uint8Array;
  children?: DerNode[];
}

function readDer(b: Uint8Array, offset = 0): { node: DerNode; end: number } {
  if (offset + 2 > b.length) throw new Error("DER: truncated");
  const tag = b[offset];
  let len = b[offset + 1];
  let o = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 3 || o + n > b.length) throw new Error("DER: bad length");
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | b[o + i];
    o += n;
  }
  if (o + len > b.length) throw new Error("DER: truncated");
  const body = b.subarray(o, o + len);
  const node: DerNode = { tag, start: offset, body };
  if (tag === 0x30 || tag === 0xa0 || tag === 0xa1) {
    node.children = [];
    let c = 0;
    while (c < body.length) {
      const r = readDer(body, c);
      node.children.push(r.node);
      c = r.end;
    }
  }
  return { node, end: o + len };
}

function derLen(n: number): number[] {
  if (n < 0x80) return [n];
  if (n < 0x100) return [0x81, n];
  return [0x82, n >> 8, n & 0xff];
}

function der(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const len = parts.reduce((a, p) => a + p.length, 0);
  return Uint8Array.from([tag, ...derLen(len), ...parts.flatMap((p) => Array.from(p))]);
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const fromHex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, "hex"));

export function pemDecode(text: string): { label: string; der: Uint8Array } {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(text);
  if (!m) throw new Error("not a PEM file");
  return { label: m[1], der: Uint8Array.from(Buffer.from(m[2].replace(/\s+/g, ""), "base64")) };
}

function pemEncode(label: string, body: Uint8Array): string {
  const b64 = Buffer.from(body).toString("base64");
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

// ---------------------------------------------------------------- keys

function fromSecret(type: KeyType, secret: Uint8Array): PrivateSigningKey {
  const raw = type === "ecdsa-p256" ? p256.getPublicKey(secret, false) : ed25519.getPublicKey(secret);
  return { type, secret, raw, spki: spkiFromRaw(type, raw) };
}

export function generateKey(type: HostKeyType): PrivateSigningKey {
  if (type === "rsa-2048" || type === "rsa-3072") {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: type === "rsa-2048" ? 2048 : 3072, publicExponent: 65537 });
    return nodeKey(privateKey, true) as PrivateSigningKey;
  }
  if (type === "ecdsa-p384") return nodeKey(generateKeyPairSync("ec", { namedCurve: "P-384" }).privateKey, true) as PrivateSigningKey;
  if (type === "ecdsa-p256") {
    for (;;) {
      const d = Uint8Array.from(randomBytes(32));
      if (p256.utils.isValidSecretKey(d)) return fromSecret(type, d);
    }
  }
  return fromSecret(type, Uint8Array.from(randomBytes(32)));
}

/** PKCS#8 PEM as imgtool keygen writes it (python cryptography, PKCS8, no encryption). */
export function privateKeyPem(key: PrivateSigningKey): string {
  if (key.node) return key.node.export({ type: "pkcs8", format: "pem" }) as string;
  const version = der(0x02, new Uint8Array([0]));
  if (key.type === "ecdsa-p256") {
    const alg = der(0x30, der(0x06, fromHex(OID_EC_PUBLIC_KEY)), der(0x06, fromHex(OID_P256)));
    const ecPriv = der(0x30, der(0x02, new Uint8Array([1])), der(0x04, key.secret), der(0xa1, der(0x03, new Uint8Array([0, ...key.raw]))));
    return pemEncode("PRIVATE KEY", der(0x30, version, alg, der(0x04, ecPriv)));
  }
  const alg = der(0x30, der(0x06, fromHex(OID_ED25519)));
  return pemEncode("PRIVATE KEY", der(0x30, version, alg, der(0x04, der(0x04, key.secret))));
}

export function publicKeyPem(key: PublicSigningKey): string {
  if (key.node) return (key.node.type === "private" ? createPublicKey(key.node) : key.node).export({ type: "spki", format: "pem" }) as string;
  return pemEncode("PUBLIC KEY", key.spki);
}

/** Loads a PEM private key (PKCS#8 or SEC1 "EC PRIVATE KEY") or public key (SPKI). */
export function loadKey(text: string): PrivateSigningKey | PublicSigningKey {
  const { label, der: body } = pemDecode(text);
  // RSA (PKCS#1 "RSA PRIVATE KEY" or PKCS#8) and P-384 keys go through Node's crypto.
  if (label === "RSA PRIVATE KEY" || label === "RSA PUBLIC KEY") {
    return label === "RSA PRIVATE KEY" ? nodeKey(createPrivateKey(text), true) : nodeKey(createPublicKey(text), false);
  }
  if (label === "PRIVATE KEY" || label === "PUBLIC KEY" || label === "EC PRIVATE KEY") {
    const top = readDer(body).node;
    const algNode = label === "PRIVATE KEY" ? top.children?.[1] : label === "PUBLIC KEY" ? top.children?.[0] : undefined;
    const oid = hex(algNode?.children?.[0]?.body ?? new Uint8Array());
    const curve = hex(algNode?.children?.[1]?.body ?? new Uint8Array());
    const sec1Curve = label === "EC PRIVATE KEY" ? hex(top.children?.find((c) => c.tag === 0xa0)?.children?.[0]?.body ?? new Uint8Array()) : "";
    if (oid === OID_RSA || curve === OID_P384 || sec1Curve === OID_P384) {
      return label === "PUBLIC KEY" ? nodeKey(createPublicKey(text), false) : nodeKey(createPrivateKey(text), true);
    }
  }
  if (label === "PUBLIC KEY") {
    const k = parseSpki(body);
    if (!k) throw new Error("unsupported public key (only ecdsa-p256 and ed25519)");
    return k;
  }
  if (label === "EC PRIVATE KEY") return fromSecret("ecdsa-p256", ecPrivateScalar(readDer(body).node));
  if (label !== "PRIVATE KEY") throw new Error(`unsupported PEM "${label}"`);
  const top = readDer(body).node;
  const [, alg, inner] = top.children ?? [];
  const oid = hex(alg?.children?.[0]?.body ?? new Uint8Array());
  if (oid === OID_EC_PUBLIC_KEY) {
    if (hex(alg.children?.[1]?.body ?? new Uint8Array()) !== OID_P256) throw new Error("unsupported EC curve (only P-256)");
    return fromSecret("ecdsa-p256", ecPrivateScalar(readDer(inner.body).node));
  }
  if (oid === OID_ED25519) return fromSecret("ed25519", readDer(inner.body).node.body.slice());
  throw new Error("unsupported private key type (only ecdsa-p256 and ed25519)");
}

function ecPrivateScalar(seq: DerNode): Uint8Array {
  const d = seq.children?.[1];
  if (!d || d.tag !== 0x04 || d.body.length !== 32) throw new Error("bad EC private key");
  return d.body.slice();
}

export function isPrivate(k: PublicSigningKey): k is PrivateSigningKey {
  return "secret" in k;
}

/**
 * The signature TLV's bytes for the host-only types: ECDSA-SHA384 DER over
 * the payload (keys/ecdsa.py), RSA-PSS with SHA-256, MGF1-SHA-256 and a
 * 32-byte salt (keys/rsa.py: "the verification code only allows the salt
 * length to be the same as the hash length").
 */
export function signNode(key: PrivateSigningKey, payload: Uint8Array): Uint8Array {
  const k = key.node as KeyObject;
  if (key.type === "ecdsa-p384") return new Uint8Array(nodeSign("sha384", payload, { key: k, dsaEncoding: "der" }));
  return new Uint8Array(nodeSign("sha256", payload, { key: k, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }));
}

export function verifyNode(key: PublicSigningKey, payload: Uint8Array, sig: Uint8Array): boolean {
  const k = key.node as KeyObject;
  try {
    if (key.type === "ecdsa-p384") {
      // imgtool cuts the DER to its own length (sig[:2+sig[1]]).
      const cut = sig.length >= 2 ? sig.subarray(0, 2 + sig[1]) : sig;
      return nodeVerify("sha384", payload, { key: k, dsaEncoding: "der" }, cut);
    }
    return nodeVerify("sha256", payload, { key: k, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- signatures

/** ECDSA-SHA256 over the payload (imgtool keys/ecdsa.py sign). */
export function signEcdsa(key: PrivateSigningKey, payload: Uint8Array): Uint8Array {
  const rs = p256.sign(sha256(payload), key.secret, { prehash: false, lowS: false, format: "compact" });
  return ecdsaRawToDer(rs);
}

export function signEd25519(key: PrivateSigningKey, message: Uint8Array): Uint8Array {
  return ed25519.sign(message, key.secret);
}

export function hashFor(alg: "sha256" | "sha384" | "sha512", data: Uint8Array): Uint8Array {
  return alg === "sha256" ? sha256(data) : alg === "sha384" ? sha384(data) : sha512(data);
}

// ---------------------------------------------------------------- getpub emitters

/** imgtool's key shortname (keys/*.py), which names the emitted arrays. */
function shortname(k: PublicSigningKey): string {
  return k.type === "ecdsa-p256" ? "ecdsa" : k.type === "ecdsa-p384" ? "ecdsap384" : k.type === "ed25519" ? "ed25519" : "rsa";
}

function emitArray(header: string, trailer: string, bytes: Uint8Array, lenLine?: string): string {
  let out = "/* Autogenerated by imgtool.py, do not edit. */\n" + header;
  bytes.forEach((b, i) => {
    out += i % 8 === 0 ? "\n    " : " ";
    out += `0x${b.toString(16).padStart(2, "0")},`;
  });
  out += "\n" + trailer + "\n";
  if (lenLine !== undefined) out += lenLine + "\n";
  return out;
}

export function emitCPublic(k: PublicSigningKey, suffix = ""): string {
  const n = `${shortname(k)}_pub_key${suffix}`;
  return emitArray(`const unsigned char ${n}[] = {`, "};", k.spki, `const unsigned int ${n}_len = ${k.spki.length};`);
}

export function emitRustPublic(k: PublicSigningKey, suffix = ""): string {
  return emitArray(`static ${shortname(k).toUpperCase()}_PUB_KEY${suffix.toUpperCase()}: &[u8] = &[`, "];", k.spki);
}

export function emitCPublicHash(k: PublicSigningKey, suffix = ""): string {
  const n = `${shortname(k)}_pub_key_hash${suffix}`;
  const h = sha256(k.spki);
  return emitArray(`const unsigned char ${n}[] = {`, "};", h, `const unsigned int ${n}_len = ${h.length};`);
}
