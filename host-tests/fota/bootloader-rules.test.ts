/**
 * The bootloader's verdict per board, on images made by MCUboot's imgtool
 * 2.4.0 (fixtures/bootloader-rules/make.py and its commands.log say how,
 * byte edits included). The verdicts named here were first read from
 * MCUboot's C source at commit 2d4bacc3; bootutil itself, built per board
 * and run, gave the same accept/refuse answers on every image here
 * (bootutil-verdicts.test.ts checks that against its recorded output).
 * Before these rules the meter answered "ok" on every image here. Runs on
 * Node and XS (the images reach XS through scripts/gen-vectors.ts).
 */
import { describe, expect, it } from "vitest";
import { SimCrypto } from "../../hal/sim/crypto.js";
import { base64 as fixtures } from "../generated/fixtures-bootloader-rules.js";
import { base64ToBytes } from "../support/vectors.js";
import { set2Spki } from "./support/mcuboot-vectors.js";
import { MCUBOOT_ESP32, MCUBOOT_ZEPHYR_NRF52840, bootTrailerSize, maxImageSize, type BootloaderConfig } from "../../src/fota/bootloader-config.js";
import { bytesSource } from "../../src/fota/image.js";
import { checkSlot, runningImage } from "../../src/fota/slot-check.js";
import { ImageVerifier, type Verdict } from "../../src/fota/verify.js";

const SLOT = 0x40000;
const crypto = new SimCrypto();
function image(name: string) {
  const b = fixtures[name];
  if (b === undefined) throw new Error(`no fixture bootloader-rules/${name}`);
  return bytesSource(base64ToBytes(b), SLOT);
}
const spki = (name: "ec256" | "ed25519") => set2Spki(name);

function verifier(config: BootloaderConfig, key: "ec256" | "ed25519" = "ec256"): ImageVerifier {
  const signature = key === "ec256" ? "ecdsa-p256" : "ed25519";
  return new ImageVerifier({ signature, keys: [spki(key)], tlvAllowList: config.tlvAllowList, maxImageSize: maxImageSize(config, SLOT) }, crypto);
}

/** imgtool's default trailer geometry (what the meter reserved before). */
const BEFORE: BootloaderConfig = { signature: "ecdsa-p256", downgradePrevention: "none", maxImgSectors: 128, writeSize: 8, maxAlign: 8 };
const ZEPHYR = MCUBOOT_ZEPHYR_NRF52840;

describe("bootloader geometry", () => {
  it("ESP32: 512 sectors x 3 x 4 + 48 = 6,192 trailer bytes; Zephyr nRF52840: 128 x 3 x 4 + 48 = 1,584", () => {
    expect(bootTrailerSize(MCUBOOT_ESP32)).toBe(6192);
    expect(bootTrailerSize(ZEPHYR)).toBe(1584);
    expect(bootTrailerSize(BEFORE)).toBe(3120);
  });
});

describe("image rules (boot_validate_slot + bootutil_img_validate), per board", () => {
  const cases: { file: string; key?: "ec256" | "ed25519"; esp32: Verdict; zephyr: Verdict }[] = [
    { file: "ec256-ok.bin", esp32: "ok", zephyr: "ok" },
    { file: "ed25519-ok.bin", key: "ed25519", esp32: "ok", zephyr: "ok" },
    // IMAGE_F_NON_BOOTABLE (imgtool --non-bootable): loader.c:561 "no bootable image".
    { file: "nonbootable.bin", esp32: "not-bootable", zephyr: "not-bootable" },
    // A 140-byte ECDSA signature TLV after a trusted key, before the valid pair: SIG_BUF_SIZE fails the image.
    { file: "ec256-siglen140.bin", esp32: "malformed", zephyr: "malformed" },
    // A 63-byte ed25519 signature TLV: EXPECTED_SIG_LEN(64) fails the image.
    { file: "ed25519-siglen63.bin", key: "ed25519", esp32: "malformed", zephyr: "malformed" },
    // A SHA256 TLV in the protected area: bootutil's TLV walk covers both areas, and its value is wrong.
    { file: "prot-hash.bin", esp32: "bad-hash", zephyr: "bad-hash" },
    // SEC_CNT or a vendor TLV in the unprotected area: refused under MCUBOOT_USE_TLV_ALLOW_LIST,
    // which the Espressif port always defines and Zephyr's Kconfig enables by default.
    { file: "unprot-seccnt.bin", esp32: "tlv-not-allowed", zephyr: "tlv-not-allowed" },
    { file: "unprot-vendor.bin", esp32: "tlv-not-allowed", zephyr: "tlv-not-allowed" },
    // 258,183 bytes: past the ESP32 bootloader's 262,144 - 6,192, inside Zephyr's and the former 3,120.
    { file: "large.bin", esp32: "malformed", zephyr: "ok" },
    // A third INTEGER inside the signature's SEQUENCE: bootutil_decode_sig reads r and s and stops (no end check).
    { file: "der-extra.bin", esp32: "ok", zephyr: "ok" },
  ];
  it.each(cases)("$file: ESP32 $esp32, Zephyr $zephyr", (c) => {
    const check = (config: BootloaderConfig) => checkSlot(verifier(config, c.key), config, image(c.file), { refuseVersionDowngrade: false }).verdict;
    expect(check(MCUBOOT_ESP32)).toBe(c.esp32);
    expect(check(ZEPHYR)).toBe(c.zephyr);
  });

  it("img_validate alone accepts a non-bootable image, as the vectors' C harness did (the flag is the loader's)", () => {
    expect(verifier(MCUBOOT_ESP32).verify(image("nonbootable.bin")).verdict).toBe("ok");
  });
});

describe("downgrade prevention and anti-rollback", () => {
  const running = (name: string) => runningImage(verifier(MCUBOOT_ESP32), image(name));

  it("reads the running image's version and protected security counter", () => {
    expect(running("v1.0.0-s5.bin")).toMatchObject({ version: { major: 1, minor: 0, revision: 0 }, securityCounter: 5 });
    expect(running("v1.3.0-nocnt.bin")?.securityCounter).toBeUndefined();
  });

  it("ESP32 (security counter): a counter-3 image over a counter-5 one is refused, on Zephyr (none) it swaps", () => {
    const r = running("v1.0.0-s5.bin");
    expect(checkSlot(verifier(MCUBOOT_ESP32), MCUBOOT_ESP32, image("v1.1.0-s3.bin"), { running: r, refuseVersionDowngrade: false }).verdict).toBe("rollback");
    expect(checkSlot(verifier(ZEPHYR), ZEPHYR, image("v1.1.0-s3.bin"), { running: r, refuseVersionDowngrade: false }).verdict).toBe("ok");
    // The meter floors its minimum at the running image's counter on every board.
    expect(checkSlot(verifier(ZEPHYR), ZEPHYR, image("v1.1.0-s3.bin"), { running: r, minSecurityCounter: r!.securityCounter }).verdict).toBe("rollback");
  });

  it("ESP32: an image without a security counter over one with a counter is refused", () => {
    const r = running("v1.0.0-s5.bin");
    expect(checkSlot(verifier(MCUBOOT_ESP32), MCUBOOT_ESP32, image("v1.3.0-nocnt.bin"), { running: r, refuseVersionDowngrade: false }).verdict).toBe("rollback");
    expect(checkSlot(verifier(ZEPHYR), ZEPHYR, image("v1.3.0-nocnt.bin"), { running: r, refuseVersionDowngrade: false }).verdict).toBe("ok");
  });

  it("a lower version with the same counter: the ESP32 bootloader swaps it, the meter refuses it by default, configurable", () => {
    const r = running("v1.2.0-s2.bin");
    expect(checkSlot(verifier(MCUBOOT_ESP32), MCUBOOT_ESP32, image("v1.1.0-s2.bin"), { running: r, refuseVersionDowngrade: false }).verdict).toBe("ok");
    expect(checkSlot(verifier(MCUBOOT_ESP32), MCUBOOT_ESP32, image("v1.1.0-s2.bin"), { running: r }).verdict).toBe("downgrade");
    const versionBoard: BootloaderConfig = { ...ZEPHYR, downgradePrevention: "version" };
    expect(checkSlot(verifier(versionBoard), versionBoard, image("v1.1.0-s2.bin"), { running: r, refuseVersionDowngrade: false }).verdict).toBe("downgrade");
    // Same version again is not a downgrade.
    expect(checkSlot(verifier(MCUBOOT_ESP32), MCUBOOT_ESP32, image("v1.2.0-s2.bin"), { running: r }).verdict).toBe("ok");
  });
});

