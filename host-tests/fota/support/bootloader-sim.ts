/**
 * The FOTA host tests use the simulator's bootloader model
 * (scripts/simulator/bootloader.ts), the one `npm start` runs between a
 * firmware stop and the next start, so both exercise the same swap rules.
 */
import type { BootloaderConfig } from "../../../src/fota/bootloader-config.js";

export { SimBootloader, type BootOutcome, type BootReport } from "../../../scripts/simulator/bootloader.js";

/**
 * The bootloader build of the FOTA rigs: EC256 with imgtool's default
 * trailer geometry (128 sectors, 8-byte writes: 3,120 bytes), no allow-list
 * and no downgrade prevention, so that these tests isolate the trailer
 * protocol; the per-board rules have their own tests.
 */
export const RIG_BOOTLOADER: BootloaderConfig = { signature: "ecdsa-p256", downgradePrevention: "none", maxImgSectors: 128, writeSize: 8, maxAlign: 8 };
