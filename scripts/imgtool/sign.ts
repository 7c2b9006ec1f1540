/**
 * `imgtool sign`: builds an MCUboot image byte for byte as MCUboot's imgtool
 * 2.4.0 does (image.py create/save, MCUBOOT-FORMAT.md sections 1-7) for the
 * options implemented here; only ECDSA signatures differ (randomised).
 */
import { IMAGE_MAGIC, ImageFlag, TLV_INFO_MAGIC, TLV_PROT_INFO_MAGIC, TlvType, type ImageVersion } from "../../src/fota/image.js";
import { alignUp, bootMagic, imgtoolTrailerSize } from "../../src/fota/trailer.js";
import { sha1 } from "@noble/hashes/legacy.js";
import { cryptBody, encTlvType, wrapImageKey, type EncryptOptions } from "./encrypt.js";
import { hashFor, isPrivate, signEcdsa, signEd25519, signNode, type PublicSigningKey } from "./keys.js";
import { lzma2Compress, lzma2Header } from "./lzma.js";

export class UsageError extends Error {}

export interface Dependency {
  readonly imageId: number;
  readonly version: ImageVersion;
}

export interface SignOptions {
  readonly key?: PublicSigningKey;
  readonly publicKeyFormat?: "hash" | "full";
  readonly headerSize: number;
  readonly padHeader?: boolean;
  readonly version: ImageVersion;
  readonly securityCounter?: number | "auto";
  readonly slotSize: number;
  readonly pad?: boolean;
  readonly confirm?: boolean;
  readonly test?: boolean;
  readonly align?: number;
  readonly maxAlign?: number;
  readonly maxSectors?: number;
  readonly loadAddr?: number;
  readonly romFixed?: number;
  readonly nonBootable?: boolean;
  readonly dependencies?: readonly Dependency[];
  readonly erasedVal?: number;
  readonly pure?: boolean;
  readonly sha?: "auto" | "256" | "384" | "512";
  /** -e/--endian: byte order of the header and TLV fields (default little). */
  readonly endian?: "little" | "big";
  /** --overwrite-only: the bootloader's trailer is magic and two flags only; --test/--confirm write no image_ok. */
  readonly overwriteOnly?: boolean;
  /** --custom-tlv TAG VALUE (repeatable, in command-line order): protected TLVs of the vendor range 0xa0..0xfffe. */
  readonly customTlvs?: readonly (readonly [number, Uint8Array])[];
  /** --vid / --cid: vendor and image class UUIDs (raw, hex, or names hashed into UUIDv5). */
  readonly vid?: string;
  readonly cid?: string;
  /** --boot-record SW_TYPE: the protected BOOT_RECORD TLV (CBOR, PSA attestation software component). */
  readonly bootRecord?: string;
  /** --pad-sig: ECDSA signatures padded with zeros to the fixed length (72 bytes for P-256). */
  readonly padSig?: boolean;
  /** -E KEY [--encrypt-keylen] [--hmac-sha] [-c]: encrypt the body for the device's key (encrypt.ts). */
  readonly encrypt?: EncryptOptions;
  /** --compression: the body as a raw LZMA2 stream (lzma.ts), when that makes the image smaller (signCompressed). */
  readonly compression?: "lzma2" | "lzma2armthumb";
}

/**
 * What main.py sign() changes in image.py create() for --compression: the
 * compressed pass adds header flags and the DECOMP_* TLVs; the first,
 * uncompressed pass runs with dont_encrypt (the ENCRYPTED flag is set, the
 * body is neither padded nor encrypted, no key TLV).
 */
interface CompressedPass {
  readonly flags?: number;
  readonly tlvs?: readonly (readonly [number, Uint8Array])[];
  readonly dontEncrypt?: boolean;
}

export interface SignResult {
  readonly image: Uint8Array;
  /** What imgtool prints on stdout ("image.py: sign the payload"). */
  readonly messages: string[];
  readonly hash: Uint8Array;
  /** The image's signature TLV value, if signed (image.py get_signature()). */
  readonly signature?: Uint8Array;
}

/** imgtool version.py: maj[.min[.rev[+build]]]. */
export function parseVersion(text: string): ImageVersion {
  const m = /^(\d+)(?:\.(\d+)(?:\.(\d+))?)?(?:\+(\d+))?$/.exec(text.trim());
  if (!m) throw new UsageError(`Invalid image version: ${text}`);
  const v = { major: +m[1], minor: +(m[2] ?? 0), revision: +(m[3] ?? 0), build: +(m[4] ?? 0) };
  if (v.major > 0xff || v.minor > 0xff || v.revision > 0xffff || v.build > 0xffffffff) throw new UsageError(`Invalid image version: ${text}`);
  return v;
}

/** `-d "(1,2.3.4+5),(2,1.0.0)"` */
export function parseDependencies(text: string): Dependency[] {
  const out: Dependency[] = [];
  const re = /\(\s*(\d+)\s*,\s*([0-9.+]+)\s*\)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) out.push({ imageId: +m[1], version: parseVersion(m[2]) });
  if (out.length === 0) throw new UsageError(`Invalid dependencies: ${text}`);
  return out;
}

/**
 * One TLV as image.py TLV.add() packs it: a predefined kind as 'BBH' (type
 * byte, zero byte, length), a custom one as 'HH', in the image's byte order.
 */
function tlv(type: number, value: Uint8Array, le = true, custom = false): Uint8Array {
  const out = new Uint8Array(4 + value.length);
  const v = new DataView(out.buffer);
  if (custom) v.setUint16(0, type, le);
  else out[0] = type;
  v.setUint16(2, value.length, le);
  out.set(value, 4);
  return out;
}

function area(magic: number, tlvs: Uint8Array[], le = true): Uint8Array {
  const total = 4 + tlvs.reduce((a, t) => a + t.length, 0);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint16(0, magic, le);
  v.setUint16(2, total, le);
  let o = 4;
  for (const t of tlvs) {
    out.set(t, o);
    o += t.length;
  }
  return out;
}

function u32(n: number, le = true): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, le);
  return b;
}

/** A minimal CBOR encoder (RFC 8949) for what cbor2.dumps() writes of a boot record: small maps, ints, text and bytes. */
type Cbor = number | string | Uint8Array | Map<number, Cbor>;
function cbor(v: Cbor): Uint8Array {
  const head = (major: number, n: number): number[] => {
    if (n < 24) return [(major << 5) | n];
    if (n < 0x100) return [(major << 5) | 24, n];
    if (n < 0x10000) return [(major << 5) | 25, n >> 8, n & 0xff];
    return [(major << 5) | 26, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  };
  if (typeof v === "number") return Uint8Array.from(head(0, v));
  if (typeof v === "string") {
    const b = new TextEncoder().encode(v);
    return concat([Uint8Array.from(head(3, b.length)), b]);
  }
  if (v instanceof Uint8Array) return concat([Uint8Array.from(head(2, v.length)), v]);
  const parts: Uint8Array[] = [Uint8Array.from(head(5, v.size))];
  for (const [k, x] of v) parts.push(cbor(k), cbor(x));
  return concat(parts);
}

/** image.py parse_uuid(): 8-4-4-4-12 or 32 hex digits as given, otherwise uuid5(namespace, text). */
function parseUuid(namespace: Uint8Array | undefined, value: string): Uint8Array {
  if (/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(value) || /^[0-9a-fA-F]{32}$/.test(value)) {
    return Uint8Array.from(value.replace(/-/g, "").match(/../g) as string[], (h) => parseInt(h, 16));
  }
  if (!/^[\x20-\x7e]*$/.test(value)) throw new UsageError(`Unknown UUID format: ${value}`);
  if (!namespace) throw new UsageError(`Unknown namespace for UUID: ${value}`);
  // RFC 4122 version 5: SHA-1 of namespace || name, version and variant bits set.
  const h = sha1(concat([namespace, new TextEncoder().encode(value)])).slice(0, 16);
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  return h;
}

/** uuid.NAMESPACE_DNS */
const NAMESPACE_DNS = Uint8Array.from("6ba7b8109dad11d180b400c04fd430c8".match(/../g) as string[], (h) => parseInt(h, 16));

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function sign(input: Uint8Array, o: SignOptions): SignResult {
  return o.compression ? signCompressed(input, o) : signImage(input, o);
}

/** image.py IMAGE_F COMPRESSED_LZMA2 / COMPRESSED_ARM_THUMB; TLV_VALUES DECOMP_SIZE/SHA/SIGNATURE, COMP_DEC_SIZE. */
const F_LZMA2 = 0x400;
const F_ARM_THUMB = 0x800;
const TLV_DECOMP_SIZE = 0x70;
const TLV_DECOMP_SHA = 0x71;
const TLV_DECOMP_SIGNATURE = 0x72;
const TLV_COMP_DEC_SIZE = 0x73;

/**
 * main.py sign() with --compression: the image is first made uncompressed
 * (its hash and signature become DECOMP_SHA and DECOMP_SIGNATURE, its size
 * DECOMP_SIZE), then the input (without a pre-zeroed header) is compressed;
 * if the compressed body plus those TLV values is not smaller than the
 * input, the uncompressed image is the result. Otherwise the image is made
 * again over the 2-byte LZMA2 header and the stream. As in imgtool 2.4.0,
 * that second image is built without --test and --non-bootable (main.py
 * does not pass them on); with -E it carries COMP_DEC_SIZE and is encrypted.
 */
function signCompressed(input: Uint8Array, o: SignOptions): SignResult {
  const le = (o.endian ?? "little") === "little";
  const plain = signImage(input, { ...o, compression: undefined, pad: false, confirm: false, test: false }, { dontEncrypt: true });
  const raw = o.padHeader ? input : input.subarray(o.headerSize);
  const stream = lzma2Compress(raw, o.compression === "lzma2armthumb");
  const tlvs: [number, Uint8Array][] = [
    [TLV_DECOMP_SIZE, u32(raw.length, le)],
    [TLV_DECOMP_SHA, plain.hash],
  ];
  if (plain.signature) tlvs.push([TLV_DECOMP_SIGNATURE, plain.signature]);
  const messages = [...plain.messages, `compressed image size: ${stream.length} bytes`, `original image size: ${raw.length} bytes`];
  if (stream.length + tlvs.reduce((a, [, v]) => a + v.length, 0) >= raw.length) {
    const r = signImage(input, { ...o, compression: undefined });
    return { ...r, messages: [...r.messages.slice(0, plain.messages.length), ...messages.slice(plain.messages.length)] };
  }
  const payload = concat([lzma2Header(), stream]);
  // image.py load_compressed(): the header room is erased bytes with --pad-header, zeros without.
  const body = o.padHeader ? payload : concat([new Uint8Array(o.headerSize), payload]);
  // With -E, create(keep_comp_size=True) also records the compressed body's size before its 16-byte padding.
  if (o.encrypt) tlvs.push([TLV_COMP_DEC_SIZE, u32(payload.length, le)]);
  const flags = F_LZMA2 | (o.compression === "lzma2armthumb" ? F_ARM_THUMB : 0);
  const r = signImage(body, { ...o, compression: undefined, test: false, nonBootable: false, pad: o.pad || o.test }, { flags, tlvs });
  return { ...r, messages: [...messages, ...r.messages] };
}

function signImage(input: Uint8Array, o: SignOptions, compressed?: CompressedPass): SignResult {
  const erased = o.erasedVal ?? 0xff;
  const align = o.align ?? 1;
  const maxAlign = o.maxAlign ?? Math.max(8, align);
  const maxSectors = o.maxSectors ?? 128;
  if (o.headerSize < 32) throw new UsageError("Minimum value for -H/--header-size is 32");
  if (o.loadAddr && o.romFixed) throw new UsageError("Can not set rom_fixed and load_addr at the same time");
  const key = o.key;
  // image.py key_and_user_sha_to_alg_and_tlv: ALLOWED_KEY_SHA per key type, the first one by default.
  let alg: "sha256" | "sha384" | "sha512" = "sha256";
  const sha = o.sha ?? "auto";
  const allowed = key === undefined ? ["256", "384", "512"] : key.type === "ed25519" ? ["256", "512"] : key.type === "ecdsa-p384" ? ["384"] : ["256"];
  if (key && sha !== "auto" && !allowed.includes(sha)) throw new UsageError(`Key type ${key.type} does not support --sha ${sha}`);
  const chosen = sha === "auto" || (key?.type === "ed25519" && o.pure) ? (o.pure ? allowed[allowed.length - 1] : allowed[0]) : sha;
  alg = chosen === "384" ? "sha384" : chosen === "512" ? "sha512" : "sha256";
  if (o.pure && key?.type !== "ed25519") throw new UsageError("--pure is only supported with ed25519 keys");

  let body: Uint8Array;
  if (o.padHeader) {
    body = new Uint8Array(o.headerSize + input.length).fill(erased);
    body.set(input, o.headerSize);
  } else {
    for (let i = 0; i < o.headerSize; i++) {
      if (input[i] !== 0) throw new UsageError("Header padding was not requested and image does not start with zeros");
    }
    body = input.slice();
  }

  const le = (o.endian ?? "little") === "little";
  if (o.encrypt && !compressed?.dontEncrypt) {
    // image.py create(): an encrypted payload (header included) is padded with zeros to a multiple of 16.
    const padLen = body.length % 16;
    if (padLen > 0) body = concat([body, new Uint8Array(16 - padLen)]);
    if (key?.type === "ecdsa-p256" && o.encrypt.key.type !== "ecdsa-p256") throw new UsageError("Signing and encryption must use the same type of key");
  }
  const securityCounter =
    o.securityCounter === "auto" ? ((o.version.major << 24) + (o.version.minor << 16) + o.version.revision) >>> 0 : o.securityCounter;
  // image.py create(): SEC_CNT, BOOT_RECORD, DEPENDENCY..., UUID_VID, UUID_CID, custom TLVs.
  const prot: Uint8Array[] = [];
  if (securityCounter !== undefined) prot.push(tlv(TlvType.secCnt, u32(securityCounter, le), le));
  if (o.bootRecord !== undefined) {
    if (o.bootRecord.length > 12) throw new UsageError(`'${o.bootRecord}' is too long (${o.bootRecord.length} characters) for sw_type. Its maximum allowed length is 12 characters.`);
    const signer = key ? hashFor(alg, key.spki) : new Uint8Array(32);
    if (o.pure) throw new UsageError("--boot-record with --pure is not supported");
    const record = new Map<number, Cbor>([
      [1, o.bootRecord],
      [4, `${o.version.major}.${o.version.minor}.${o.version.revision}`],
      [5, signer],
      [6, alg.toUpperCase()],
      [2, new Uint8Array(alg === "sha256" ? 32 : alg === "sha384" ? 48 : 64)],
    ]);
    prot.push(tlv(TlvType.bootRecord, cbor(record), le));
  }
  for (const d of o.dependencies ?? []) {
    const v = new Uint8Array(12);
    const dv = new DataView(v.buffer);
    dv.setUint8(0, d.imageId);
    v[4] = d.version.major;
    v[5] = d.version.minor;
    dv.setUint16(6, d.version.revision, le);
    dv.setUint32(8, d.version.build, le);
    prot.push(tlv(TlvType.dependency, v, le));
  }
  for (const [type, value] of compressed?.tlvs ?? []) prot.push(tlv(type, value, le));
  let vid: Uint8Array | undefined;
  if (o.vid !== undefined) {
    vid = parseUuid(NAMESPACE_DNS, o.vid);
    prot.push(tlv(0x74, vid, le));
  }
  if (o.cid !== undefined) prot.push(tlv(0x75, parseUuid(vid, o.cid), le));
  for (const [tag, value] of o.customTlvs ?? []) {
    if (tag < 0xa0 || tag > 0xfffe) throw new UsageError(`Invalid custom TLV type value '0x${tag.toString(16).padStart(4, "0")}', allowed value should be between 0x00a0 and 0xfffe`);
    prot.push(tlv(tag, value, le, true));
  }
  const protArea = prot.length ? area(TLV_PROT_INFO_MAGIC, prot, le) : new Uint8Array(0);

  let flags = 0;
  if (o.loadAddr) flags |= ImageFlag.ramLoad;
  if (o.romFixed) flags |= ImageFlag.romFixed;
  if (o.nonBootable) flags |= ImageFlag.nonBootable;
  if (o.encrypt) flags |= (o.encrypt.keyLen ?? 128) === 256 ? ImageFlag.encryptedAes256 : ImageFlag.encryptedAes128;
  if (compressed?.flags) flags |= compressed.flags;
  const h = new DataView(body.buffer, body.byteOffset, 32);
  h.setUint32(0, IMAGE_MAGIC, le);
  h.setUint32(4, (o.romFixed || o.loadAddr || 0) >>> 0, le);
  h.setUint16(8, o.headerSize, le);
  h.setUint16(10, protArea.length, le);
  h.setUint32(12, body.length - o.headerSize, le);
  h.setUint32(16, flags, le);
  body[20] = o.version.major;
  body[21] = o.version.minor;
  h.setUint16(22, o.version.revision, le);
  h.setUint32(24, o.version.build, le);
  h.setUint32(28, 0, le);

  const signed = concat([body, protArea]);
  const digest = hashFor(alg, signed);
  const messages: string[] = [];
  let signature: Uint8Array | undefined;
  const tlvs: Uint8Array[] = [tlv(alg === "sha256" ? TlvType.sha256 : alg === "sha384" ? TlvType.sha384 : TlvType.sha512, digest, le)];
  if (o.pure) tlvs.push(tlv(TlvType.sigPure, new Uint8Array([1]), le));
  if (key) {
    tlvs.push((o.publicKeyFormat ?? "hash") === "hash" ? tlv(TlvType.keyHash, hashFor(alg, key.spki), le) : tlv(TlvType.pubKey, key.spki, le));
    if (!isPrivate(key)) throw new UsageError("Signing requires a private key");
    if (key.type === "ecdsa-p256" || key.type === "ecdsa-p384") {
      messages.push("image.py: sign the payload");
      let sig = key.type === "ecdsa-p256" ? signEcdsa(key, signed) : signNode(key, signed);
      // keys/ecdsa.py sign(): "To make fixed length, pad with one or two zeros." (sig_len 72 / 103)
      const fixed = key.type === "ecdsa-p256" ? 72 : 103;
      if (o.padSig && sig.length < fixed) sig = concat([sig, new Uint8Array(fixed - sig.length)]);
      signature = sig;
      tlvs.push(tlv(TlvType.ecdsaSig, sig, le));
    } else if (key.type === "rsa-2048" || key.type === "rsa-3072") {
      messages.push("image.py: sign the payload");
      signature = signNode(key, signed);
      tlvs.push(tlv(key.type === "rsa-2048" ? TlvType.rsa2048 : TlvType.rsa3072, signature, le));
    } else {
      messages.push("image.py: sign the digest");
      signature = signEd25519(key, o.pure ? signed : digest);
      tlvs.push(tlv(TlvType.ed25519, signature, le));
    }
  }
  if (o.encrypt && !compressed?.dontEncrypt) {
    // The image key's TLV comes after the signature; the body (not the header, not the protected TLVs) is encrypted.
    const { plainKey, tlvValue } = wrapImageKey(o.encrypt);
    tlvs.push(tlv(encTlvType(o.encrypt), tlvValue, le));
    if (!o.encrypt.clear) signed.set(cryptBody(plainKey, signed.subarray(o.headerSize, body.length)), o.headerSize);
  }
  let image = concat([signed, area(TLV_INFO_MAGIC, tlvs, le)]);

  // image.py check_trailer(): image + trailer must fit in the slot, padded or not.
  // _trailer_size(): overwrite-only keeps two flags and the magic.
  // An encrypted image's swap keeps two wrapped keys in the trailer (save_enctlv off: 16 bytes each, aligned).
  const tsize = o.overwriteOnly ? maxAlign * 2 + alignUp(16, maxAlign) : imgtoolTrailerSize(align, maxAlign, maxSectors) + (o.encrypt ? 2 * alignUp(16, maxAlign) : 0);
  if (image.length + tsize > o.slotSize) {
    throw new UsageError(`Image size (0x${image.length.toString(16)}) + trailer (0x${tsize.toString(16)}) exceeds requested size 0x${o.slotSize.toString(16)}`);
  }
  if (o.pad || o.confirm || o.test) {
    const padded = new Uint8Array(o.slotSize).fill(erased);
    padded.set(image);
    const magic = bootMagic(maxAlign);
    // The align field of a non-default magic is in the image's byte order.
    if (maxAlign !== 8 && !le) magic.set([(maxAlign >> 8) & 0xff, maxAlign & 0xff], 0);
    padded.set(magic, o.slotSize - 16);
    if (o.confirm && !o.overwriteOnly) padded[o.slotSize - alignUp(16, maxAlign) - maxAlign] = 0x01;
    image = padded;
  }
  return { image, messages, hash: digest, signature };
}
