/**
 * Public keys as MCUboot carries them: SubjectPublicKeyInfo DER
 * (MCUBOOT-FORMAT.md section 5; imgtool keys/ecdsa.py:37-41, keys/ed25519.py:32-36).
 * Only the two encodings imgtool writes are accepted; anything else is not a key.
 */
export type KeyType = "ecdsa-p256" | "ed25519";

const P256_PREFIX = Object.freeze([0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00]);
const ED25519_PREFIX = Object.freeze([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

export interface PublicKey {
  readonly type: KeyType;
  /** SPKI DER, the bytes MCUboot hashes for KEYHASH. */
  readonly spki: Uint8Array;
  /** P-256: uncompressed point 04||X||Y (65 bytes); ed25519: 32 bytes. */
  readonly raw: Uint8Array;
}

function hasPrefix(b: Uint8Array, prefix: readonly number[]): boolean {
  if (b.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[i] !== prefix[i]) return false;
  return true;
}

/** SPKI DER → key, or undefined when the bytes are not a P-256 (uncompressed) or Ed25519 SPKI. */
export function parseSpki(spki: Uint8Array): PublicKey | undefined {
  if (spki.length === 91 && hasPrefix(spki, P256_PREFIX) && spki[26] === 0x04) {
    return { type: "ecdsa-p256", spki: spki.slice(), raw: spki.slice(26) };
  }
  if (spki.length === 44 && hasPrefix(spki, ED25519_PREFIX)) return { type: "ed25519", spki: spki.slice(), raw: spki.slice(12) };
  return undefined;
}

export function spkiFromRaw(type: KeyType, raw: Uint8Array): Uint8Array {
  const prefix = type === "ecdsa-p256" ? P256_PREFIX : ED25519_PREFIX;
  const out = new Uint8Array(prefix.length + raw.length);
  out.set(prefix);
  out.set(raw, prefix.length);
  return out;
}

/**
 * ECDSA DER SEQUENCE{INTEGER r, INTEGER s} → r||s (64 bytes), or undefined.
 * Like MCUboot's tinycrypt decoder (ecdsa.h:150-194) each INTEGER is
 * left-padded to 32 bytes, and a leading sign byte is dropped; an INTEGER
 * with more than 32 significant bytes is refused.
 */
export function ecdsaDerToRaw(der: Uint8Array): Uint8Array | undefined {
  if (der.length < 8 || der[0] !== 0x30) return undefined;
  let o = 2;
  if (der[1] & 0x80) return undefined; // signatures of P-256 are always below 128 bytes
  if (der[1] + 2 > der.length) return undefined;
  const end = 2 + der[1];
  const out = new Uint8Array(64);
  for (let k = 0; k < 2; k++) {
    if (o + 2 > end || der[o] !== 0x02) return undefined;
    let len = der[o + 1];
    o += 2;
    if (len === 0 || len > 33 || o + len > end) return undefined;
    let start = o;
    while (len > 32) {
      if (der[start] !== 0) return undefined;
      start++;
      len--;
    }
    out.set(der.subarray(start, start + len), k * 32 + 32 - len);
    o = start + len;
  }
  return out;
}

/** r||s (64 bytes) → DER SEQUENCE{INTEGER r, INTEGER s} with minimal INTEGERs, as imgtool's signer writes it. */
export function ecdsaRawToDer(rs: Uint8Array): Uint8Array {
  const r = derInteger(rs.subarray(0, 32));
  const s = derInteger(rs.subarray(32, 64));
  const out = new Uint8Array(2 + r.length + s.length);
  out[0] = 0x30;
  out[1] = r.length + s.length;
  out.set(r, 2);
  out.set(s, 2 + r.length);
  return out;
}

function derInteger(v: Uint8Array): Uint8Array {
  let i = 0;
  while (i < v.length - 1 && v[i] === 0) i++;
  const pad = v[i] & 0x80 ? 1 : 0;
  const out = new Uint8Array(2 + pad + v.length - i);
  out[0] = 0x02;
  out[1] = pad + v.length - i;
  out.set(v.subarray(i), 2 + pad);
  return out;
}
