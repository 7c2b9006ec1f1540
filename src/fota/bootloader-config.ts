import type { HashAlgorithm } from "../../hal/crypto.js";
import type { KeyType } from "./keys.js";
import { alignUp } from "./trailer.js";

/**
 * How the board's MCUboot is built: the MCUBOOT_* options that change which
 * images it boots. The meter's verifier (verify.ts) and the simulator's
 * bootloader (scripts/simulator/bootloader.ts) both read this one
 * description, so the meter's verdict is the bootloader's by construction.
 * Every field names the MCUboot option it stands for.
 */
export interface BootloaderConfig {
  /** MCUBOOT_SIGN_EC256 / MCUBOOT_SIGN_ED25519, or "none" for a hash-only build. */
  readonly signature: KeyType | "none";
  /** Image hash: SHA-256 by default, SHA-512 with MCUBOOT_SHA512. */
  readonly hash?: HashAlgorithm;
  /** MCUBOOT_SIGN_PURE. */
  readonly pure?: boolean;
  /** "hash": KEYHASH TLV (default); "full": PUBKEY TLV (MCUBOOT_HW_KEY). */
  readonly keyTlv?: "hash" | "full";
  /**
   * MCUBOOT_USE_TLV_ALLOW_LIST (image_validate.c allowed_unprot_tlvs): the
   * unprotected TLV area may hold only key, hash, signature and
   * key-encryption TLVs; anything else fails the image.
   */
  readonly tlvAllowList?: boolean;
  /**
   * MCUBOOT_DOWNGRADE_PREVENTION with MCUBOOT_DOWNGRADE_PREVENTION_SECURITY_COUNTER
   * (loader.c check_downgrade_prevention): "security-counter" refuses a
   * secondary image whose protected SEC_CNT is missing or below the primary's;
   * "version" refuses a lower major.minor.revision; "none" swaps anything valid.
   */
  readonly downgradePrevention: "none" | "version" | "security-counter";
  /** MCUBOOT_MAX_IMG_SECTORS: swap status entries in the trailer. */
  readonly maxImgSectors: number;
  /** BOOT_WRITE_SZ: the flash write alignment the bootloader uses for trailer entries. */
  readonly writeSize: number;
  /** BOOT_MAX_ALIGN (8 unless MCUBOOT_BOOT_MAX_ALIGN). */
  readonly maxAlign?: number;
}

/**
 * The Espressif port (boot/espressif/hal/include/mcuboot_config/mcuboot_config.h)
 * with boards/esp32-atm90e32/mcuboot/bootloader.conf: EC256, swap using
 * scratch, MCUBOOT_USE_TLV_ALLOW_LIST always, MCUBOOT_MAX_IMG_SECTORS 512,
 * 4-byte flash writes, downgrade prevention by security counter.
 */
export const MCUBOOT_ESP32: BootloaderConfig = Object.freeze({
  signature: "ecdsa-p256",
  tlvAllowList: true,
  downgradePrevention: "security-counter",
  maxImgSectors: 512,
  writeSize: 4,
  maxAlign: 8,
});

/**
 * Zephyr's MCUboot on the nRF52840 DK with its Kconfig defaults at MCUboot
 * 2d4bacc3: EC256 (the board's choice), swap using scratch (the board's
 * partitions.overlay has a scratch_partition, so BOOT_PREFER_SWAP_MOVE is
 * off), MCUBOOT_USE_TLV_ALLOW_LIST (Kconfig MCUBOOT_USE_TLV_ALLOW_LIST,
 * default y), MCUBOOT_MAX_IMG_SECTORS 128, 4-byte writes of the nRF NVMC,
 * no downgrade prevention. Run, not read: bootutil built this way refuses
 * SEC_CNT and vendor TLVs in the unprotected area too
 * (host-tests/fota/fixtures/bootutil-verdicts/verdicts.json).
 */
export const MCUBOOT_ZEPHYR_NRF52840: BootloaderConfig = Object.freeze({
  signature: "ecdsa-p256",
  tlvAllowList: true,
  downgradePrevention: "none",
  maxImgSectors: 128,
  writeSize: 4,
  maxAlign: 8,
});

/**
 * boot_trailer_sz(BOOT_WRITE_SZ) (bootutil_area.c): the swap status area
 * (MAX_IMG_SECTORS x 3 states x write size), four flag fields of
 * BOOT_MAX_ALIGN and the magic. ESP32: 512 x 3 x 4 + 4 x 8 + 16 = 6,192.
 */
export function bootTrailerSize(config: BootloaderConfig): number {
  const maxAlign = config.maxAlign ?? 8;
  return config.maxImgSectors * 3 * config.writeSize + 4 * maxAlign + alignUp(16, maxAlign);
}

/** The last byte an image may occupy: the slot minus the bootloader's trailer. */
export function maxImageSize(config: BootloaderConfig, slotSize: number): number {
  return slotSize - bootTrailerSize(config);
}
