/**
 * fixtures/bootutil-verdicts/verdicts.json (bootutil's own verdicts, run)
 * and the meter's verdict on the same pair, for the dual-runtime test and
 * the Node test of the slot-sized boundary images.
 */
import { SimCrypto } from "../../../hal/sim/crypto.js";
import { text as verdictsText } from "../../generated/fixtures-bootutil-verdicts.js";
import { pemToDer, set1Text_, set2Spki } from "./mcuboot-vectors.js";
import { MCUBOOT_ESP32, MCUBOOT_ZEPHYR_NRF52840, maxImageSize, type BootloaderConfig } from "../../../src/fota/bootloader-config.js";
import { bytesSource } from "../../../src/fota/image.js";
import { checkSlot, runningImage } from "../../../src/fota/slot-check.js";
import { ImageVerifier } from "../../../src/fota/verify.js";

export interface BootutilRun {
  board: "esp32" | "zephyr";
  signature: "ec256" | "ed25519";
  running: string;
  image: string;
  bootutil: "boots" | "refused";
  log: string[];
  command: string;
}
export const bootutilDoc = JSON.parse(verdictsText["verdicts.json"]) as { mcuboot: { commit: string }; runs: BootutilRun[] };
/** The harness's slots. */
export const HARNESS_SLOT = 0x40000;
/** Images too large to embed for XS (read from disk by the Node test). */
export const isBoundaryImage = (path: string): boolean => path.startsWith("fixtures/bootutil-boundary/");

const crypto = new SimCrypto();
/** The keys verdicts.json says bootutil_keys[] held, in its order. */
const KEYS = {
  ec256: [set2Spki("root-ec-p256"), set2Spki("ec256"), pemToDer(set1Text_("ec256.pub.pem"))],
  ed25519: [set2Spki("ed25519"), pemToDer(set1Text_("ed25519.pub.pem"))],
};
const BOARDS: Record<BootutilRun["board"], BootloaderConfig> = { esp32: MCUBOOT_ESP32, zephyr: MCUBOOT_ZEPHYR_NRF52840 };

/**
 * checkSlot() with the run's board configuration and keys and the meter's
 * own policy switched off (no stored minimum, no version-downgrade
 * refusal), so that only the bootloader's rules answer.
 */
export function meterVerdict(r: BootutilRun, bytes: (path: string) => Uint8Array): string {
  const config: BootloaderConfig = { ...BOARDS[r.board], signature: r.signature === "ec256" ? "ecdsa-p256" : "ed25519" };
  const verifier = new ImageVerifier(
    { signature: config.signature, keys: KEYS[r.signature], tlvAllowList: config.tlvAllowList, maxImageSize: maxImageSize(config, HARNESS_SLOT) },
    crypto,
  );
  const running = runningImage(verifier, bytesSource(bytes(r.running), HARNESS_SLOT));
  return checkSlot(verifier, config, bytesSource(bytes(r.image), HARNESS_SLOT), { running, refuseVersionDowngrade: false }).verdict;
}
