/**
 * `imgtool sign`: builds an MCUboot image byte for byte as MCUboot's imgtool
 * 2.4.0 does (image.py create/save, MCUBOOT-FORMAT.md sections 1-7) for the
 * options implemented here; only ECDSA signatures differ (randomised).
 */
import { IMAGE_MAGIC, ImageFlag, TLV_INFO_MAGIC, TLV_PROT_INFO_MAGIC, TlvType, type ImageVersion } from "../../src/fota/image.js";
import { alignUp, bootMagic, imgtoolTrailerSize } from "../../src/fota/trailer.js";
import { hashFor, isPrivate, signEcdsa, signEd25519, type PublicSigningKey } from "./keys.js";

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
  readonly sha?: "auto" | "256" | "512";
}

export interface SignResult {
  readonly image: Uint8Array;
  /** What imgtool prints on stdout ("image.py: sign the payload"). */
  readonly messages: string[];
  readonly hash: Uint8Array;
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

function tlv(type: number, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + value.length);
  out[0] = type & 0xff;
  out[1] = type >> 8;
  out[2] = value.length & 0xff;
  out[3] = value.length >> 8;
  out.set(value, 4);
  return out;
}

function area(magic: number, tlvs: Uint8Array[]): Uint8Array {
  const total = 4 + tlvs.reduce((a, t) => a + t.length, 0);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint16(0, magic, true);
  v.setUint16(2, total, true);
  let o = 4;
  for (const t of tlvs) {
    out.set(t, o);
    o += t.length;
  }
  return out;
}

function u32le(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}

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
  const erased = o.erasedVal ?? 0xff;
  const align = o.align ?? 1;
  const maxAlign = o.maxAlign ?? Math.max(8, align);
  const maxSectors = o.maxSectors ?? 128;
  if (o.headerSize < 32) throw new UsageError("Minimum value for -H/--header-size is 32");
  if (o.loadAddr && o.romFixed) throw new UsageError("Can not set rom_fixed and load_addr at the same time");
  const key = o.key;
  // image.py key_and_user_sha_to_alg_and_tlv
  let alg: "sha256" | "sha512" = "sha256";
  const sha = o.sha ?? "auto";
  if (key?.type === "ecdsa-p256" && sha !== "auto" && sha !== "256") throw new UsageError(`Key type ecdsa-p256 does not support --sha ${sha}`);
  if (key?.type === "ed25519" && (o.pure || sha === "512")) alg = "sha512";
  if (!key && sha === "512") alg = "sha512";
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

  const securityCounter =
    o.securityCounter === "auto" ? ((o.version.major << 24) + (o.version.minor << 16) + o.version.revision) >>> 0 : o.securityCounter;
  const prot: Uint8Array[] = [];
  if (securityCounter !== undefined) prot.push(tlv(TlvType.secCnt, u32le(securityCounter)));
  for (const d of o.dependencies ?? []) {
    const v = new Uint8Array(12);
    const dv = new DataView(v.buffer);
    v[0] = d.imageId;
    v[4] = d.version.major;
    v[5] = d.version.minor;
    dv.setUint16(6, d.version.revision, true);
    dv.setUint32(8, d.version.build, true);
    prot.push(tlv(TlvType.dependency, v));
  }
  const protArea = prot.length ? area(TLV_PROT_INFO_MAGIC, prot) : new Uint8Array(0);

  let flags = 0;
  if (o.loadAddr) flags |= ImageFlag.ramLoad;
  if (o.romFixed) flags |= ImageFlag.romFixed;
  if (o.nonBootable) flags |= ImageFlag.nonBootable;
  const h = new DataView(body.buffer, body.byteOffset, 32);
  h.setUint32(0, IMAGE_MAGIC, true);
  h.setUint32(4, (o.romFixed || o.loadAddr || 0) >>> 0, true);
  h.setUint16(8, o.headerSize, true);
  h.setUint16(10, protArea.length, true);
  h.setUint32(12, body.length - o.headerSize, true);
  h.setUint32(16, flags, true);
  body[20] = o.version.major;
  body[21] = o.version.minor;
  h.setUint16(22, o.version.revision, true);
  h.setUint32(24, o.version.build, true);
  h.setUint32(28, 0, true);

  const signed = concat([body, protArea]);
  const digest = hashFor(alg, signed);
  const messages: string[] = [];
  const tlvs: Uint8Array[] = [tlv(alg === "sha256" ? TlvType.sha256 : TlvType.sha512, digest)];
  if (o.pure) tlvs.push(tlv(TlvType.sigPure, new Uint8Array([1])));
  if (key) {
    tlvs.push((o.publicKeyFormat ?? "hash") === "hash" ? tlv(TlvType.keyHash, hashFor(alg, key.spki)) : tlv(TlvType.pubKey, key.spki));
    if (!isPrivate(key)) throw new UsageError("Signing requires a private key");
    if (key.type === "ecdsa-p256") {
      messages.push("image.py: sign the payload");
      tlvs.push(tlv(TlvType.ecdsaSig, signEcdsa(key, signed)));
    } else {
      messages.push("image.py: sign the digest");
      tlvs.push(tlv(TlvType.ed25519, signEd25519(key, o.pure ? signed : digest)));
    }
  }
  let image = concat([signed, area(TLV_INFO_MAGIC, tlvs)]);

  // image.py check_trailer(): image + trailer must fit in the slot, padded or not.
  const tsize = imgtoolTrailerSize(align, maxAlign, maxSectors);
  if (image.length + tsize > o.slotSize) {
    throw new UsageError(`Image size (0x${image.length.toString(16)}) + trailer (0x${tsize.toString(16)}) exceeds requested size 0x${o.slotSize.toString(16)}`);
  }
  if (o.pad || o.confirm || o.test) {
    const padded = new Uint8Array(o.slotSize).fill(erased);
    padded.set(image);
    padded.set(bootMagic(maxAlign), o.slotSize - 16);
    if (o.confirm) padded[o.slotSize - alignUp(16, maxAlign) - maxAlign] = 0x01;
    image = padded;
  }
  return { image, messages, hash: digest };
}
