/**
 * The simulated board's MCUboot: what runs between a firmware stop and the
 * next start. It reads both slot trailers the way boot_swap_type() does
 * (MCUBOOT-FORMAT.md section 7), asks the same slot check the meter asks
 * (src/fota/slot-check.ts: boot_validate_slot() and downgrade prevention,
 * with the firmware's own verifier under the board's BootloaderConfig),
 * swaps the slots and writes the primary trailer a swap-scratch MCUboot
 * leaves behind:
 *  - test swap: magic + copy_done in the primary; the image runs once and
 *    is reverted at the next reset unless it set image_ok;
 *  - permanent swap: magic + copy_done + image_ok;
 *  - revert (primary magic good, image_ok unset, copy_done set): swap back
 *    and make the old image permanent;
 *  - an invalid or refused secondary image is erased, as loader.c does.
 *
 * Used by the simulator (`npm start`) and the FOTA host tests. Plain
 * TypeScript, no Node APIs: it also runs on XS. What it does not model: the
 * swap status area and a power cut during the swap itself (it copies
 * through RAM), scratch, encryption, several images.
 */
import type { FlashPartition } from "../../hal/flash.js";
import { bootTrailerSize, type BootloaderConfig } from "../../src/fota/bootloader-config.js";
import { checkSlot, runningImage } from "../../src/fota/slot-check.js";
import { readTrailer, swapType, SwapType, trailerLayout, writeFlag, writeMagic, type TrailerLayout } from "../../src/fota/trailer.js";
import type { ImageVerifier, Verdict } from "../../src/fota/verify.js";

export type BootOutcome = "none" | "test" | "perm" | "revert" | "refused";

export interface BootReport {
  readonly outcome: BootOutcome;
  /** Why a requested swap was refused. */
  readonly verdict?: Verdict;
  readonly reason?: string;
}

export class SimBootloader {
  readonly layout: TrailerLayout;
  readonly trailerSize: number;
  /** What the last boot() did (the simulator logs it). */
  last: BootReport = { outcome: "none" };

  constructor(
    readonly primary: FlashPartition,
    readonly secondary: FlashPartition,
    readonly config: BootloaderConfig,
    readonly verifier: ImageVerifier,
  ) {
    this.layout = trailerLayout(primary.byteLength, config.maxAlign ?? 8);
    this.trailerSize = bootTrailerSize(config);
  }

  boot(): BootOutcome {
    this.last = this.#boot();
    return this.last.outcome;
  }

  #boot(): BootReport {
    const p = readTrailer(this.primary, this.layout);
    const s = readTrailer(this.secondary, this.layout);
    const type = swapType(p, s);
    if (type === SwapType.test || type === SwapType.perm) {
      // The bootloader's own verdict: no meter policy (version) and no meter-stored minimum.
      const running = runningImage(this.verifier, this.primary);
      const r = checkSlot(this.verifier, this.config, this.secondary, { running, refuseVersionDowngrade: false });
      if (r.verdict !== "ok") {
        // loader.c: an invalid or downgrading secondary image is erased so it is never tried again.
        this.#erase(this.secondary);
        return { outcome: "refused", verdict: r.verdict, reason: r.reason };
      }
      this.#swap();
      writeMagic(this.primary, this.layout);
      writeFlag(this.primary, this.layout.copyDoneOff);
      if (type === SwapType.perm) writeFlag(this.primary, this.layout.imageOkOff);
      return { outcome: type === SwapType.test ? "test" : "perm" };
    }
    if (type === SwapType.revert) {
      this.#swap();
      // After a revert the old image is made permanent (no revert loop).
      writeMagic(this.primary, this.layout);
      writeFlag(this.primary, this.layout.copyDoneOff);
      writeFlag(this.primary, this.layout.imageOkOff);
      return { outcome: "revert" };
    }
    return { outcome: "none" };
  }

  /** Exchanges the image areas of both slots; both trailers end up erased. */
  #swap(): void {
    const end = this.layout.slotSize - this.trailerSize;
    const a = this.primary.read(0, end);
    const b = this.secondary.read(0, end);
    this.#erase(this.primary);
    this.#erase(this.secondary);
    this.#program(this.primary, b);
    this.#program(this.secondary, a);
  }

  /** Programs only the non-erased part (a swap copies sectors; erased bytes need no write). */
  #program(f: FlashPartition, data: Uint8Array): void {
    let end = data.length;
    while (end > 0 && data[end - 1] === 0xff) end--;
    const w = f.geometry.writeSize;
    end = Math.ceil(end / w) * w;
    if (end > 0) f.write(0, data.subarray(0, end));
  }

  #erase(f: FlashPartition): void {
    for (let i = 0; i < f.geometry.sectorCount; i++) f.eraseSector(i);
  }
}
