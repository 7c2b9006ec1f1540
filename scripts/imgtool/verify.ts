/**
 * `imgtool verify` with the semantics and messages of MCUboot's imgtool 2.4.0
 * (image.py verify, main.py verify; differences from the bootloader in
 * MCUBOOT-FORMAT.md section 8), except that where imgtool crashes on a
 * truncated TLV (struct.error) this one reports an invalid TLV area.
 * `--meter` instead runs the firmware's own verifier (the bootloader's rules).
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { p256 } from "@noble/curves/nist.js";
import { IMAGE_MAGIC, TLV_INFO_MAGIC, TLV_PROT_INFO_MAGIC, TlvType } from "../../src/fota/image.js";
import { ecdsaDerToRaw, ecdsaRawToDer } from "../../src/fota/keys.js";
import { hashFor, verifyNode, type PublicSigningKey } from "./keys.js";

export type ImgtoolResult = "OK" | "INVALID_MAGIC" | "INVALID_TLV_INFO_MAGIC" | "INVALID_HASH" | "INVALID_SIGNATURE" | "KEY_MISMATCH" | "INVALID_TLV";

export interface HostVerifyResult {
  readonly result: ImgtoolResult;
  readonly version?: string;
  readonly digest?: Uint8Array;
  readonly signature?: Uint8Array;
}

const MESSAGES: Record<Exclude<ImgtoolResult, "OK">, string> = {
  INVALID_MAGIC: "Invalid image magic; is this an MCUboot image?",
  INVALID_TLV_INFO_MAGIC: "Invalid TLV info magic; is this an MCUboot image?",
  INVALID_HASH: "Image has an invalid hash",
  INVALID_SIGNATURE: "No signature found for the given key",
  KEY_MISMATCH: "Key type does not match TLV record",
  INVALID_TLV: "Invalid TLV area: a TLV runs past the end of the file",
};

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** What `imgtool verify` prints for a result, and its exit code. */
export function verifyOutput(r: HostVerifyResult): { stdout: string; exitCode: number } {
  if (r.result !== "OK") return { stdout: MESSAGES[r.result] + "\n", exitCode: 1 };
  let s = `Image was correctly validated\nImage version: ${r.version}\n`;
  if (r.digest) s += `Image digest: ${hex(r.digest)}\n`;
  if (r.signature && !r.digest) s += `Image signature over image: ${hex(r.signature)}\n`;
  return { stdout: s, exitCode: 0 };
}

function shaTlv(type: number): "sha256" | "sha512" | "sha384" | undefined {
  return type === TlvType.sha256 ? "sha256" : type === TlvType.sha512 ? "sha512" : type === TlvType.sha384 ? "sha384" : undefined;
}

export function hostVerify(b: Uint8Array, key: PublicSigningKey | undefined): HostVerifyResult {
  if (b.length < 28) return { result: "INVALID_MAGIC" };
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  const u16 = (o: number): number | undefined => (o + 2 <= b.length ? v.getUint16(o, true) : undefined);
  if (v.getUint32(0, true) !== IMAGE_MAGIC) return { result: "INVALID_MAGIC" };
  const version = `${b[20]}.${b[21]}.${v.getUint16(22, true)}+${v.getUint32(24, true)}`;
  let tlvOff = v.getUint16(8, true) + v.getUint32(12, true);
  let magic = u16(tlvOff);
  let tot = u16(tlvOff + 2);
  if (magic === undefined || tot === undefined) return { result: "INVALID_TLV" };
  // imgtool finds the unprotected area from the protected area's own length.
  if (magic === TLV_PROT_INFO_MAGIC) {
    tlvOff += tot;
    magic = u16(tlvOff);
    tot = u16(tlvOff + 2);
    if (magic === undefined || tot === undefined) return { result: "INVALID_TLV" };
  }
  if (magic !== TLV_INFO_MAGIC) return { result: "INVALID_TLV_INFO_MAGIC" };
  const hashed = b.subarray(0, tlvOff);
  const end = tlvOff + tot;
  // First pass: a SIG_PURE TLV makes the signature one over the image.
  let pure = false;
  for (let o = tlvOff + 4; o < end; ) {
    const t = u16(o);
    const l = u16(o + 2);
    if (t === undefined || l === undefined) return { result: "INVALID_TLV" };
    if ((t & 0xff) === TlvType.sigPure) {
      pure = true;
      break;
    }
    o += 4 + l;
  }
  let digest: Uint8Array | undefined;
  for (let o = tlvOff + 4; o < end; ) {
    const t = u16(o);
    const l = u16(o + 2);
    if (t === undefined || l === undefined) return { result: "INVALID_TLV" };
    const type = t & 0xff; // imgtool reads standard TLVs as '<BBH'
    const value = b.subarray(o + 4, Math.min(b.length, o + 4 + l));
    const alg = shaTlv(type);
    if (alg !== undefined) {
      // tlv_matches_key_type(): the hash must be one ALLOWED_KEY_SHA gives the key.
      const allowed = key?.type === "ed25519" ? ["sha256", "sha512"] : key?.type === "ecdsa-p384" ? ["sha384"] : ["sha256"];
      if (key && !allowed.includes(alg)) return { result: "KEY_MISMATCH" };
      digest = hashFor(alg, hashed);
      if (hex(digest) !== hex(value)) return { result: "INVALID_HASH" };
      if (!key) return { result: "OK", version, digest };
    } else if (key && !pure && type === sigTlvOf(key)) {
      if (checkSignature(key, value, hashed, digest)) return { result: "OK", version, digest };
    } else if (key && pure && type === TlvType.ed25519 && key.type === "ed25519") {
      if (verifyEd25519(value, hashed, key.raw)) return { result: "OK", version, signature: value.slice() };
    }
    o += 4 + l;
  }
  return { result: "INVALID_SIGNATURE" };
}

function verifyEd25519(sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean {
  try {
    return sig.length === 64 && ed25519.verify(sig, msg, pub);
  } catch {
    return false;
  }
}

/** key.sig_tlv() of imgtool's key classes. */
function sigTlvOf(key: PublicSigningKey): number {
  return key.type === "ed25519" ? TlvType.ed25519 : key.type === "rsa-2048" ? TlvType.rsa2048 : key.type === "rsa-3072" ? TlvType.rsa3072 : TlvType.ecdsaSig;
}

function checkSignature(key: PublicSigningKey, sig: Uint8Array, payload: Uint8Array, digest: Uint8Array | undefined): boolean {
  if (key.type === "ed25519") return digest !== undefined && verifyEd25519(sig, digest, key.raw);
  if (key.type !== "ecdsa-p256") return verifyNode(key, payload, sig);
  // imgtool cuts the DER to its own length (keys/ecdsa.py: sig[:2+sig[1]]), then
  // python cryptography decodes it strictly: exactly two minimal INTEGERs in
  // the SEQUENCE, so an extra element inside it makes the signature invalid.
  const cut = sig.length >= 2 ? sig.subarray(0, 2 + sig[1]) : sig;
  const raw = ecdsaDerToRaw(cut);
  if (!raw || Buffer.compare(Buffer.from(ecdsaRawToDer(raw)), Buffer.from(cut)) !== 0) return false;
  try {
    return p256.verify(raw, hashFor("sha256", payload), key.raw, { prehash: false, lowS: false, format: "compact" });
  } catch {
    return false;
  }
}
