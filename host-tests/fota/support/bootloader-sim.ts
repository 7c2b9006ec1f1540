/**
 * A small MCUboot-like bootloader for the host tests: it reads both slot
 * trailers the way boot_swap_type() does (MCUBOOT-FORMAT.md section 7),
 * validates the secondary image before a swap, swaps the slots and writes
 * the primary trailer a swap-scratch MCUboot leaves behind (magic, copy_done,
 * image_ok for permanent swaps and after a revert).
 *
 * What it does not model: the swap status area and a power cut during the
 * swap itself (it copies through RAM), scratch, encryption, several images.
 * It validates with the meter's own ImageVerifier, so it checks the trailer
 * protocol between meter and bootloader, not the verifier (the vector tests do that).
 */
import type { FlashPartition } from "../../../hal/flash.js";
import { readTrailer, swapType, SwapType, writeFlag, writeMagic, type TrailerLayout } from "../../../src/fota/trailer.js";
import type { ImageVerifier } from "../../../src/fota/verify.js";

export type BootOutcome = "none" | "test" | "perm" | "revert" | "refused";

export class SimBootloader {
  constructor(
    readonly primary: FlashPartition,
    readonly secondary: FlashPartition,
    readonly layout: TrailerLayout,
    readonly trailerSize: number,
    readonly verifier: ImageVerifier,
  ) {}

  boot(): BootOutcome {
    const p = readTrailer(this.primary, this.layout);
    const s = readTrailer(this.secondary, this.layout);
    const type = swapType(p, s);
    if (type === SwapType.test || type === SwapType.perm) {
      if (this.verifier.verify(this.secondary).verdict !== "ok") {
        // loader.c: an invalid secondary image is erased so it is never tried again.
        this.#erase(this.secondary);
        return "refused";
      }
      this.#swap();
      writeMagic(this.primary, this.layout);
      writeFlag(this.primary, this.layout.copyDoneOff);
      if (type === SwapType.perm) writeFlag(this.primary, this.layout.imageOkOff);
      return type === SwapType.test ? "test" : "perm";
    }
    if (type === SwapType.revert) {
      this.#swap();
      // After a revert the old image is made permanent (no revert loop).
      writeMagic(this.primary, this.layout);
      writeFlag(this.primary, this.layout.copyDoneOff);
      writeFlag(this.primary, this.layout.imageOkOff);
      return "revert";
    }
    return "none";
  }

  /** Exchanges the image areas of both slots; both trailers end up erased. */
  #swap(): void {
    const end = this.layout.slotSize - this.trailerSize;
    const a = this.primary.read(0, end);
    const b = this.secondary.read(0, end);
    this.#erase(this.primary);
    this.#erase(this.secondary);
    this.primary.write(0, b);
    this.secondary.write(0, a);
  }

  #erase(f: FlashPartition): void {
    for (let i = 0; i < f.geometry.sectorCount; i++) f.eraseSector(i);
  }
}
