/**
 * MCUboot image format: header and TLV areas (see shared/docs/MCUBOOT-FORMAT.md
 * sections 1-3, from boot/bootutil/include/bootutil/image.h and
 * boot/bootutil/src/tlv.c). The parser is total: any bytes give a parsed
 * image or a typed failure, and it never reads past the source or loops
 * more than once per TLV. It follows the bootloader's rules, not imgtool's
 * (the meter asks the bootloader to boot the image, so its verdict counts).
 */
import { readU32le as u32 } from "../util/bytes.js";

/** Anything the parser can read from: a FlashPartition (slot) or bytes in RAM. */
export interface ByteSource {
  readonly byteLength: number;
  read(offset: number, length: number): Uint8Array;
}

/** A byte array seen as a slot of `slotSize` bytes, erased (0xff) past its end, like the image in flash. */
export function bytesSource(bytes: Uint8Array, slotSize = bytes.length): ByteSource {
  return {
    byteLength: Math.max(slotSize, 0),
    read(offset: number, length: number): Uint8Array {
      const out = new Uint8Array(length).fill(0xff);
      if (offset < bytes.length) out.set(bytes.subarray(offset, Math.min(bytes.length, offset + length)));
      return out;
    },
  };
}

export const IMAGE_MAGIC = 0x96f3b83d;
const IMAGE_HEADER_SIZE = 32;
export const TLV_INFO_MAGIC = 0x6907;
export const TLV_PROT_INFO_MAGIC = 0x6908;

export const ImageFlag = Object.freeze({
  pic: 0x1,
  encryptedAes128: 0x4,
  encryptedAes256: 0x8,
  nonBootable: 0x10,
  ramLoad: 0x20,
  romFixed: 0x100,
  compressedLzma1: 0x200,
  compressedLzma2: 0x400,
  compressedArmThumb: 0x800,
} as const);

export const TlvType = Object.freeze({
  keyHash: 0x01,
  pubKey: 0x02,
  sha256: 0x10,
  sha384: 0x11,
  sha512: 0x12,
  rsa2048: 0x20,
  ecdsaSig: 0x22,
  rsa3072: 0x23,
  ed25519: 0x24,
  sigPure: 0x25,
  dependency: 0x40,
  secCnt: 0x50,
  bootRecord: 0x60,
} as const);

export interface ImageVersion {
  readonly major: number;
  readonly minor: number;
  readonly revision: number;
  readonly build: number;
}

export interface ImageHeader {
  readonly magic: number;
  readonly loadAddr: number;
  readonly hdrSize: number;
  readonly protectTlvSize: number;
  readonly imgSize: number;
  readonly flags: number;
  readonly version: ImageVersion;
  readonly pad1: number;
}

export interface TlvEntry {
  readonly area: "protected" | "unprotected";
  readonly type: number;
  readonly len: number;
  /** Offset of the 4-byte TLV header from the start of the slot. */
  readonly offset: number;
  readonly dataOffset: number;
}

export interface ParsedImage {
  readonly header: ImageHeader;
  /** End of the hashed region: hdr_size + img_size + protect_tlv_size. */
  readonly hashedEnd: number;
  /** Offset of the first TLV info (protected if present, else unprotected). */
  readonly tlvAreaOffset: number;
  readonly protectedInfo?: { readonly offset: number; readonly total: number };
  readonly unprotectedInfo: { readonly offset: number; readonly total: number };
  /** End of the unprotected TLV area. */
  readonly end: number;
  readonly tlvs: readonly TlvEntry[];
}

/** Why an image is not an image. `bad-magic` and `malformed` are verdict names of vectors.json. */
export type ParseFailure = { readonly ok: false; readonly verdict: "bad-magic" | "malformed"; readonly reason: string; readonly offset: number };
export type ParseResult = { readonly ok: true; readonly image: ParsedImage } | ParseFailure;

export function versionString(v: ImageVersion): string {
  return `${v.major}.${v.minor}.${v.revision}+${v.build}`;
}

function u16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}

export function decodeHeader(b: Uint8Array): ImageHeader {
  return {
    magic: u32(b, 0),
    loadAddr: u32(b, 4),
    hdrSize: u16(b, 8),
    protectTlvSize: u16(b, 10),
    imgSize: u32(b, 12),
    flags: u32(b, 16),
    version: { major: b[20], minor: b[21], revision: u16(b, 22), build: u32(b, 24) },
    pad1: u32(b, 28),
  };
}

function fail(verdict: "bad-magic" | "malformed", reason: string, offset: number): ParseFailure {
  return { ok: false, verdict, reason, offset };
}

/**
 * Parses the image at the start of `source`. `maxImageSize` bounds the end
 * of the TLVs as bootutil_max_image_size() does (slot minus the trailer);
 * it defaults to the source size.
 */
export function parseImage(source: ByteSource, maxImageSize = source.byteLength): ParseResult {
  const slot = source.byteLength;
  if (slot < IMAGE_HEADER_SIZE) return fail("malformed", "slot smaller than an image header", 0);
  const header = decodeHeader(source.read(0, IMAGE_HEADER_SIZE));
  // boot_check_header_valid (bootutil_loader.c:69-127): magic, then sizes without overflow.
  if (header.magic !== IMAGE_MAGIC) return fail("bad-magic", "header magic is not 0x96f3b83d", 0);
  // Project rule (imgtool main.py:344-349): the header must fit in hdr_size.
  if (header.hdrSize < IMAGE_HEADER_SIZE) return fail("malformed", "ih_hdr_size below 32", 8);
  const tlvOff = header.hdrSize + header.imgSize;
  const hashedEnd = tlvOff + header.protectTlvSize;
  // Plain JS numbers do not overflow at 2^32; the bound below replaces the C overflow checks.
  if (hashedEnd >= slot) return fail("malformed", "header + image + protected TLVs do not fit in the slot", 12);
  if (tlvOff + 4 > slot) return fail("malformed", "no room for a TLV info header", tlvOff);

  // tlv.c:62-91: optional protected info, then the mandatory unprotected info.
  const tlvs: TlvEntry[] = [];
  let protectedInfo: { offset: number; total: number } | undefined;
  let info = source.read(tlvOff, 4);
  let unprotOff = tlvOff;
  if (u16(info, 0) === TLV_PROT_INFO_MAGIC) {
    const total = u16(info, 2);
    if (header.protectTlvSize !== total) return fail("malformed", "ih_protect_tlv_size != protected info it_tlv_tot", tlvOff + 2);
    protectedInfo = { offset: tlvOff, total };
    unprotOff = tlvOff + total;
    if (unprotOff + 4 > slot) return fail("malformed", "no room for the unprotected TLV info", unprotOff);
    info = source.read(unprotOff, 4);
  } else if (header.protectTlvSize !== 0) {
    return fail("malformed", "ih_protect_tlv_size set but no protected TLV info", tlvOff);
  }
  if (u16(info, 0) !== TLV_INFO_MAGIC) return fail("malformed", "unprotected TLV info magic is not 0x6907", unprotOff);
  const unprotTotal = u16(info, 2);
  const end = unprotOff + unprotTotal;
  if (unprotTotal < 4) return fail("malformed", "unprotected TLV info it_tlv_tot below its own size", unprotOff + 2);
  if (end > maxImageSize || end > slot) return fail("malformed", "TLV area ends past the maximum image size", unprotOff + 2);

  // tlv.c:121-199: walk from the first info to the end, skipping the
  // unprotected info header; every TLV header and value must fit.
  if (protectedInfo) {
    const r = walk(source, tlvOff + 4, unprotOff, "protected", tlvs);
    if (r) return r;
  }
  const r = walk(source, unprotOff + 4, end, "unprotected", tlvs);
  if (r) return r;
  return {
    ok: true,
    image: { header, hashedEnd, tlvAreaOffset: tlvOff, protectedInfo, unprotectedInfo: { offset: unprotOff, total: unprotTotal }, end, tlvs },
  };
}

function walk(source: ByteSource, start: number, end: number, area: TlvEntry["area"], out: TlvEntry[]): ParseFailure | undefined {
  let off = start;
  // Each TLV advances off by at least 4, so this runs at most (end-start)/4 times.
  while (off < end) {
    if (off + 4 > end) return fail("malformed", `TLV header at ${off} overruns the ${area} area`, off);
    const h = source.read(off, 4);
    const type = u16(h, 0);
    const len = u16(h, 2);
    if (off + 4 + len > end) return fail("malformed", `TLV type 0x${type.toString(16)} len ${len} at ${off} overruns TLV end ${end}`, off);
    out.push({ area, type, len, offset: off, dataOffset: off + 4 });
    off += 4 + len;
  }
  return undefined;
}

/** Reads a TLV's value (TLVs are small: at most 0xffff bytes, signatures ~72). */
export function readTlv(source: ByteSource, tlv: TlvEntry): Uint8Array {
  return source.read(tlv.dataOffset, tlv.len);
}
