import { type BootloaderConfig } from "./bootloader-config.js";
import { type ByteSource, type ImageVersion, IMAGE_MAGIC, ImageFlag, decodeHeader } from "./image.js";
import type { ImageVerifier, VerifyResult } from "./verify.js";

/**
 * The bootloader's whole verdict on a secondary-slot image before a swap:
 * boot_validate_slot() (loader.c:543-660: an erased header or
 * IMAGE_F_NON_BOOTABLE is "no bootable image", then the header checks and
 * bootutil_img_validate()) and check_downgrade_prevention() (loader.c:1639-1680).
 * The meter asks it before requesting a swap and the simulator's bootloader
 * asks it before performing one, so the two cannot disagree.
 */

/** boot_compare_version() without MCUBOOT_VERSION_CMP_USE_BUILD_NUMBER: major, minor, revision. */
function compareVersion(a: ImageVersion, b: ImageVersion): number {
  if (a.major !== b.major) return a.major > b.major ? 1 : -1;
  if (a.minor !== b.minor) return a.minor > b.minor ? 1 : -1;
  if (a.revision !== b.revision) return a.revision > b.revision ? 1 : -1;
  return 0;
}

/** The running (primary) image as the bootloader and the meter see it. */
export interface RunningImage {
  readonly version: ImageVersion;
  /** Protected SEC_CNT, when the image has one. */
  readonly securityCounter?: number;
  /** SHA-256/512 of the image (the firmware signature object reports it). */
  readonly hash?: Uint8Array;
}

/** Reads the primary slot's image: undefined when the slot holds no valid image header. */
export function runningImage(verifier: ImageVerifier, primary: ByteSource): RunningImage | undefined {
  if (primary.byteLength < 32) return undefined;
  const h = decodeHeader(primary.read(0, 32));
  if (h.magic !== IMAGE_MAGIC) return undefined;
  const r = verifier.verify(primary, 0);
  return { version: h.version, securityCounter: r.hasSecurityCounter ? r.securityCounter : undefined, hash: r.hash };
}

export interface SlotCheckOptions {
  /** The image in the primary slot, if any. */
  readonly running?: RunningImage;
  /** The meter's stored anti-rollback minimum (raised when an image is confirmed). */
  readonly minSecurityCounter?: number;
  /**
   * The meter's own policy on top of the bootloader: refuse a lower
   * major.minor.revision than the running image even when the bootloader
   * compares security counters only. Default true.
   */
  readonly refuseVersionDowngrade?: boolean;
}

/** Verdict of the bootloader (and the meter's policy) on the image in `secondary`. */
export function checkSlot(verifier: ImageVerifier, config: BootloaderConfig, secondary: ByteSource, o: SlotCheckOptions = {}): VerifyResult {
  const h = decodeHeader(secondary.read(0, 32));
  // boot_check_header_erased() || IMAGE_F_NON_BOOTABLE: no bootable image in the slot.
  if (h.magic === 0xffffffff) return { verdict: "not-bootable", reason: "erased image header" };
  if (h.magic === IMAGE_MAGIC && (h.flags & ImageFlag.nonBootable) !== 0) return { verdict: "not-bootable", reason: "IMAGE_F_NON_BOOTABLE is set" };
  // The anti-rollback minimum is at least the running image's own counter: a
  // swap to a lower one is what downgrade prevention by counter refuses.
  const running = o.running;
  const counterFloor = config.downgradePrevention === "security-counter" && running?.securityCounter !== undefined ? running.securityCounter : 0;
  const r = verifier.verify(secondary, Math.max(o.minSecurityCounter ?? 0, counterFloor));
  if (r.verdict !== "ok") return r;
  if (running) {
    // "If there is no security counter in slot 1, or it's lower than that of slot 0, prevent downgrade."
    if (config.downgradePrevention === "security-counter" && running.securityCounter !== undefined && !r.hasSecurityCounter) {
      return { ...r, verdict: "rollback", reason: "no security counter while the running image has one" };
    }
    const versionRule = config.downgradePrevention === "version" || (o.refuseVersionDowngrade ?? true);
    if (versionRule && r.image && compareVersion(r.image.header.version, running.version) < 0) {
      return { ...r, verdict: "downgrade", reason: "version lower than the running image's" };
    }
  }
  return r;
}
