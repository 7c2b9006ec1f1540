/**
 * Every image of both MCUboot vector sets gets, from the on-meter verifier,
 * the verdict vectors.json states (the bootloader's verdict where imgtool and
 * the bootloader disagree), and the parser reports the header fields and TLVs
 * the vectors list. Images sit at the start of an 0xff-filled 0x40000-byte
 * slot, as in the vectors' C harness.
 */
import { describe, expect, it } from "vitest";
import { SimCrypto } from "../../hal/sim/crypto.js";
import { hashOnce, softwareHash } from "../../src/fota/hash.js";
import { bytesSource, decodeHeader, parseImage, versionString } from "../../src/fota/image.js";
import { readTrailer, trailerLayout } from "../../src/fota/trailer.js";
import { ImageVerifier, type Verdict, type VerifierConfig } from "../../src/fota/verify.js";
import { fromHex, toHex } from "../../src/util/bytes.js";
import { HARNESS_MAX_IMAGE, SLOT_SIZE, pemToDer, set1, set1File, set1Text_, set2, set2File, set2Spki, type Set2Verification } from "./support/mcuboot-vectors.js";

const crypto = new SimCrypto();

function hexNum(s: string): number {
  return Number.parseInt(s, 16);
}

describe("mcuboot/vectors.json (imgtool 2.4.0): verdicts and fields", () => {
  it.each(set1.vectors)("mcuboot/$file → $expected", (v) => {
    const bytes = set1File(v.file);
    expect(bytes.length).toBe(v.size);
    const spki = pemToDer(set1Text_(v.trusted_key));
    const signature = spki.length === 44 ? "ed25519" : "ecdsa-p256";
    const verifier = new ImageVerifier({ signature, keys: [spki], maxImageSize: HARNESS_MAX_IMAGE }, crypto);
    const result = verifier.verify(bytesSource(bytes, SLOT_SIZE));
    expect(result.verdict).toBe(v.expected);

    const h = decodeHeader(bytes.subarray(0, 32));
    expect(h.magic).toBe(hexNum(v.header_magic));
    expect(h.loadAddr).toBe(hexNum(v.load_addr));
    expect(h.hdrSize).toBe(v.header_size);
    expect(h.protectTlvSize).toBe(v.protected_tlv_size);
    expect(h.imgSize).toBe(v.image_size);
    expect(h.flags).toBe(hexNum(v.flags));
    expect(versionString(h.version)).toBe(v.version);

    const parsed = parseImage(bytesSource(bytes, SLOT_SIZE), HARNESS_MAX_IMAGE);
    if (v.expected === "bad-magic" || v.expected === "malformed") {
      expect(parsed.ok).toBe(false);
      return;
    }
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const areas = [parsed.image.protectedInfo, parsed.image.unprotectedInfo].filter((a) => a !== undefined);
    expect(areas.map((a) => [a.offset, a.total])).toEqual(v.tlv_areas.map((a) => [a.offset, a.total_len]));
    const expectedTlvs = v.tlv_areas.flatMap((a) => a.tlvs.map((t) => [hexNum(t.type), t.len, t.offset, t.data]));
    expect(parsed.image.tlvs.map((t) => [t.type, t.len, t.offset, toHex(bytes.subarray(t.dataOffset, t.dataOffset + t.len))])).toEqual(expectedTlvs);
  });
});

/** vectors.json's bootloader configuration, as this verifier's configuration. */
function configFor(ver: Set2Verification): VerifierConfig {
  const c = ver.bootloader_model.config;
  const keys = ver.trusted_key ? [set2Spki(ver.trusted_key)] : [];
  const base = { keys, maxImageSize: HARNESS_MAX_IMAGE };
  if (c.startsWith("no signature configured")) return { ...base, signature: "none" };
  if (c.startsWith("MCUBOOT_SIGN_EC256,")) return { ...base, signature: "ecdsa-p256" };
  if (c.startsWith("MCUBOOT_SIGN_ED25519,")) return { ...base, signature: "ed25519" };
  if (c.startsWith("MCUBOOT_SIGN_ED25519 + MCUBOOT_SIGN_PURE + MCUBOOT_SHA512,")) return { ...base, signature: "ed25519", hash: "sha512", pure: true };
  if (c.startsWith("MCUBOOT_SIGN_ED25519 + MCUBOOT_SHA512,")) return { ...base, signature: "ed25519", hash: "sha512" };
  throw new Error(`unknown bootloader config ${c}`);
}

/** The bootloader model's reason text → the verdict name (vectors.json uses the names of mcuboot/vectors.json there). */
function verdictFor(ver: Set2Verification): Verdict {
  const { result, reason } = ver.bootloader_model;
  if (result === "OK") return "ok";
  if (reason.startsWith("no signature TLV verified")) return "no-signature";
  if (reason.startsWith("hash TLV does not match")) return "bad-hash";
  if (reason.startsWith("signature verification failed")) return "bad-signature";
  if (reason.startsWith("header magic")) return "bad-magic";
  if (reason.startsWith("no valid hash TLV")) return "no-hash";
  if (/overruns|ih_protect_tlv_size/.test(reason)) return "malformed";
  throw new Error(`unknown bootloader reason ${reason}`);
}

const runs = set2.images.flatMap((im) => im.verifications.map((ver, i) => ({ im, ver, id: `${im.name} #${i} (${ver.trusted_key ?? "no key"})` })));

describe("mcuboot-imgtool-2/vectors.json: the bootloader's verdict for every verification run", () => {
  it.each(runs)("mcuboot-imgtool-2/images/$id", ({ im, ver }) => {
    const bytes = set2File(im.file.replace(/^images\//, "images/"));
    expect(bytes.length).toBe(im.file_size);
    const verifier = new ImageVerifier(configFor(ver), crypto);
    const result = verifier.verify(bytesSource(bytes, SLOT_SIZE));
    const expected = verdictFor(ver);
    expect(result.verdict).toBe(expected);
    // The real C validator agrees with the model the verdict came from.
    expect(ver.mcuboot_c.result).toBe(expected === "ok" ? "OK" : "FAIL");
  });
});

describe("mcuboot-imgtool-2/vectors.json: parsed fields", () => {
  it.each(set2.images)("mcuboot-imgtool-2/images/$name: header, TLVs, hash, trailer", (im) => {
    const bytes = set2File(im.file);
    const h = decodeHeader(bytes.subarray(0, 32));
    expect(toHex(bytes.subarray(0, 32))).toBe(im.header.raw_hex);
    expect([h.magic, h.loadAddr, h.hdrSize, h.protectTlvSize, h.imgSize, h.flags, versionString(h.version), h.pad1]).toEqual([
      hexNum(im.header.magic),
      hexNum(im.header.load_addr),
      im.header.hdr_size,
      im.header.protect_tlv_size,
      im.header.img_size,
      hexNum(im.header.flags),
      im.header.version,
      im.header.pad1,
    ]);
    // Third-party hashes of the hashed region check the streaming SHA-256/512.
    const region = bytes.subarray(im.hashed_region[0], im.hashed_region[1]);
    expect(toHex(hashOnce(softwareHash, "sha256", region))).toBe(im.computed_sha256);
    expect(toHex(hashOnce(softwareHash, "sha512", region))).toBe(im.computed_sha512);

    const parsed = parseImage(bytesSource(bytes, SLOT_SIZE), HARNESS_MAX_IMAGE);
    const failsToParse = im.verifications.every((v) => /overruns|ih_protect_tlv_size|header magic/.test(v.bootloader_model.reason));
    expect(parsed.ok).toBe(!failsToParse);
    if (parsed.ok) {
      const img = parsed.image;
      expect(img.hashedEnd).toBe(im.hashed_region[1]);
      expect(img.protectedInfo ? [img.protectedInfo.offset, img.protectedInfo.total] : null).toEqual(
        im.protected_tlv_info ? [im.protected_tlv_info.info_offset, im.protected_tlv_info.tlv_tot] : null,
      );
      expect([img.unprotectedInfo.offset, img.unprotectedInfo.total]).toEqual([im.unprotected_tlv_info?.info_offset, im.unprotected_tlv_info?.tlv_tot]);
      if (im.end_of_tlvs !== undefined) expect(img.end).toBe(im.end_of_tlvs);
      expect(img.tlvs.map((t) => [t.area, t.type, t.len, t.offset, t.dataOffset, toHex(bytes.subarray(t.dataOffset, t.dataOffset + t.len))])).toEqual(
        im.tlvs.map((t) => [t.area, t.type, t.len, t.offset, t.data_offset, t.data]),
      );
    }
    if (im.trailer) {
      const l = im.trailer.layout;
      const layout = trailerLayout(l.slot_size, l.max_align);
      expect([layout.swapSizeOff, layout.swapInfoOff, layout.copyDoneOff, layout.imageOkOff, layout.magicOff]).toEqual([
        l.swap_size_off,
        l.swap_info_off,
        l.copy_done_off,
        l.image_ok_off,
        l.magic_off,
      ]);
      const src = bytesSource(bytes, SLOT_SIZE);
      const state = readTrailer(src, layout);
      const val = im.trailer.values;
      expect(toHex(src.read(layout.magicOff, 16))).toBe(l.expected_magic);
      expect(state.magic).toBe(val.magic_ok ? "good" : "bad");
      expect(state.imageOk).toBe(val.image_ok === 1 ? "set" : val.image_ok === 0xff ? "unset" : "bad");
      expect(state.copyDone).toBe(val.copy_done === 1 ? "set" : val.copy_done === 0xff ? "unset" : "bad");
      expect(state.swapInfo).toBe(val.swap_info);
      expect(new DataView(src.read(layout.swapSizeOff, 4).buffer).getUint32(0, true)).toBe(val.swap_size);
    }
  });
});

describe("bootloader options the vectors document beyond the first run", () => {
  it("mcuboot-imgtool-2/images/ec256_pubkey_full: an MCUBOOT_HW_KEY build (PUBKEY TLV) accepts it (MCUBOOT-FORMAT.md section 5)", () => {
    const bytes = set2File("images/ec256_pubkey_full.bin");
    const hw = new ImageVerifier({ signature: "ecdsa-p256", keyTlv: "full", keys: [set2Spki("ec256")], maxImageSize: HARNESS_MAX_IMAGE }, crypto);
    expect(hw.verify(bytesSource(bytes, SLOT_SIZE)).verdict).toBe("ok");
    const other = new ImageVerifier({ signature: "ecdsa-p256", keyTlv: "full", keys: [set2Spki("ec256-other")], maxImageSize: HARNESS_MAX_IMAGE }, crypto);
    expect(other.verify(bytesSource(bytes, SLOT_SIZE)).verdict).toBe("no-signature");
  });

  it("anti-rollback: mcuboot-imgtool-2/images/ec256_seccnt7 (SEC_CNT 7) against stored minima 0, 7, 8", () => {
    const bytes = set2File("images/ec256_seccnt7.bin");
    const v = new ImageVerifier({ signature: "ecdsa-p256", keys: [set2Spki("ec256")], maxImageSize: HARNESS_MAX_IMAGE }, crypto);
    const src = bytesSource(bytes, SLOT_SIZE);
    expect(v.verify(src, 0)).toMatchObject({ verdict: "ok", securityCounter: 7 });
    expect(v.verify(src, 7)).toMatchObject({ verdict: "ok", securityCounter: 7 });
    expect(v.verify(src, 8)).toMatchObject({ verdict: "rollback", securityCounter: 7 });
  });

  it("-s auto: mcuboot-imgtool-2/images/ec256_seccnt_auto (1.2.3+4) carries 0x01020003", () => {
    const bytes = set2File("images/ec256_seccnt_auto.bin");
    const v = new ImageVerifier({ signature: "ecdsa-p256", keys: [set2Spki("ec256")], maxImageSize: HARNESS_MAX_IMAGE }, crypto);
    const r = v.verify(bytesSource(bytes, SLOT_SIZE), 0x01020003);
    expect(r.verdict).toBe("ok");
    expect(r.securityCounter).toBe(0x01020003);
    expect(r.keyIndex).toBe(0);
    expect(toHex(r.hash ?? new Uint8Array())).toBe(set2.images.find((i) => i.name === "ec256_seccnt_auto")?.computed_sha256);
  });

  it("an image without SEC_CNT counts as 0 and is refused once a minimum is stored (mcuboot-imgtool-2/images/ec256_default)", () => {
    const v = new ImageVerifier({ signature: "ecdsa-p256", keys: [set2Spki("ec256")] }, crypto);
    const src = bytesSource(set2File("images/ec256_default.bin"), SLOT_SIZE);
    expect(v.verify(src, 0).verdict).toBe("ok");
    expect(v.verify(src, 1).verdict).toBe("rollback");
  });

  it("the key list may hold several keys; the one whose KEYHASH matches is used (mcuboot-imgtool-2/images/ec256_signed_by_other)", () => {
    const v = new ImageVerifier({ signature: "ecdsa-p256", keys: [set2Spki("ec256"), set2Spki("ec256-other")] }, crypto);
    const r = v.verify(bytesSource(set2File("images/ec256_signed_by_other.bin"), SLOT_SIZE));
    expect(r.verdict).toBe("ok");
    expect(r.keyIndex).toBe(1);
  });

  it("keyhash_sha256/sha512 of vectors.json are the hashes of the SPKI DER", () => {
    for (const name of Object.keys(set2.keys)) {
      const k = set2.keys[name];
      expect(toHex(hashOnce(softwareHash, "sha256", fromHex(k.spki_der_hex)))).toBe(k.keyhash_sha256);
      expect(toHex(hashOnce(softwareHash, "sha512", fromHex(k.spki_der_hex)))).toBe(k.keyhash_sha512);
    }
  });
});
