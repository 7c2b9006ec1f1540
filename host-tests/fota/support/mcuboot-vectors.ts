/**
 * The MCUboot vector sets of ../shared/vectors (made by MCUboot's imgtool
 * 2.4.0 and checked with MCUboot's own C validator), for the FOTA tests on
 * both runtimes. Tests cite a vector as "mcuboot/<file>" or
 * "mcuboot-imgtool-2/images/<name>.bin".
 */
import { base64 as set1Bin, text as set1Text } from "../../generated/vectors-mcuboot.js";
import { base64 as set2Bin, text as set2Text } from "../../generated/vectors-mcuboot-imgtool-2.js";
import { base64ToBytes } from "../../support/vectors.js";
import { fromHex } from "../../../src/util/bytes.js";

export interface Set1Tlv {
  type: string;
  len: number;
  offset: number;
  data: string;
}
export interface Set1Vector {
  file: string;
  size: number;
  header_magic: string;
  load_addr: string;
  header_size: number;
  protected_tlv_size: number;
  image_size: number;
  flags: string;
  version: string;
  tlv_areas: { magic: string; total_len: number; offset: number; tlvs: Set1Tlv[] }[];
  trusted_key: string;
  expected: string;
  made_with: string;
}

export interface Set2Verification {
  trusted_key: string | null;
  imgtool_result: string;
  imgtool_stdout: string;
  bootloader_model: { result: "OK" | "FAIL"; reason: string; config: string };
  mcuboot_c: { result: "OK" | "FAIL" };
}
export interface Set2Tlv {
  area: "protected" | "unprotected";
  type: number;
  type_name: string;
  len: number;
  offset: number;
  data_offset: number;
  data: string;
}
export interface Set2Image {
  name: string;
  file: string;
  input?: string;
  signed_with?: string | null;
  sign_command?: string;
  options: Record<string, unknown>;
  file_size: number;
  verifications: Set2Verification[];
  header: { magic: string; load_addr: string; hdr_size: number; protect_tlv_size: number; img_size: number; flags: string; version: string; pad1: number; raw_hex: string };
  protected_tlv_info: { info_offset: number; magic: number; tlv_tot: number } | null;
  unprotected_tlv_info: { info_offset: number; magic: number; tlv_tot: number } | null;
  tlvs: Set2Tlv[];
  hashed_region: [number, number];
  computed_sha256: string;
  computed_sha512: string;
  end_of_tlvs?: number;
  padded: boolean;
  trailer?: {
    layout: { slot_size: number; write_align: number; max_align: number; trailer_size: number; swap_size_off: number; swap_info_off: number; copy_done_off: number; image_ok_off: number; magic_off: number; expected_magic: string };
    values: { magic: string; magic_ok: boolean; image_ok: number; copy_done: number; swap_info: number; swap_size: number };
  };
  mutation?: unknown;
}
export interface Set2Key {
  type: "ecdsa-p256" | "ed25519";
  spki_der_hex: string;
  keyhash_sha256: string;
  keyhash_sha512: string;
}

export const set1 = JSON.parse(set1Text["vectors.json"]) as { vectors: Set1Vector[] };
export const set2 = JSON.parse(set2Text["vectors.json"]) as { conventions: { slot_size: number }; keys: Record<string, Set2Key>; images: Set2Image[] };

export const SLOT_SIZE = 0x40000;
/** The C harness's bootutil_max_image_size(): slot − 3120 (MCUBOOT-FORMAT.md section 9). */
export const HARNESS_MAX_IMAGE = SLOT_SIZE - 3120;

export function set1File(name: string): Uint8Array {
  const b = set1Bin[name];
  if (b === undefined) throw new Error(`no vector mcuboot/${name}`);
  return base64ToBytes(b);
}

export function set1Text_(name: string): string {
  const t = set1Text[name];
  if (t === undefined) throw new Error(`no vector mcuboot/${name}`);
  return t;
}

const decoded = new Map<string, Uint8Array>();

/** Decoded once per test file (a padded image is 256 KiB); callers get a copy they may edit. */
export function set2File(path: string): Uint8Array {
  let d = decoded.get(path);
  if (d === undefined) {
    const b = set2Bin[path];
    if (b === undefined) throw new Error(`no vector mcuboot-imgtool-2/${path}`);
    d = base64ToBytes(b);
    decoded.set(path, d);
  }
  return d.slice();
}

export function set2Text_(path: string): string {
  const t = set2Text[path];
  if (t === undefined) throw new Error(`no vector mcuboot-imgtool-2/${path}`);
  return t;
}

/** SPKI DER of a PEM public key ("-----BEGIN PUBLIC KEY-----"). */
export function pemToDer(pem: string): Uint8Array {
  const body = pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  return base64ToBytes(body);
}

export function set2Spki(key: string): Uint8Array {
  const k = set2.keys[key];
  if (!k) throw new Error(`no key ${key} in mcuboot-imgtool-2/vectors.json`);
  return fromHex(k.spki_der_hex);
}
