import type { FlashGeometry, FlashPartition } from "../flash.js";

/**
 * Simulated flash partition for tests, benchmarks and the host simulator.
 *
 * Physics modelled (the failures the storage layer must survive):
 * - erase-before-write: programming can only clear bits (result = old AND new);
 * - write granularity: offsets and lengths must be multiples of writeSize
 *   (1 on ESP32 external NOR, 4 on nRF52840 internal flash);
 * - power loss at any program or erase operation, with untidy results: a
 *   torn program leaves a prefix programmed, one unit partly programmed and
 *   the rest untouched; a torn erase leaves some bytes erased, some old and
 *   some with only a few bits set;
 * - after power loss every operation throws PowerLoss until powerOn(), which
 *   models a reboot over the same silicon (image and erase counters survive).
 *
 * Erase counts per sector and bytes read/written are counted for the wear and
 * bench figures. The image can be exported and imported so the simulator
 * launcher (scripts/) can keep it in a file.
 */

export const ESP32_NOR: FlashGeometry = Object.freeze({ sectorSize: 4096, sectorCount: 64, writeSize: 1, ratedEraseCycles: 100000 });
export const NRF52840_INTERNAL: FlashGeometry = Object.freeze({ sectorSize: 4096, sectorCount: 64, writeSize: 4, ratedEraseCycles: 10000 });

/** A geometry like `base` with another sector count (partitions of other sizes). */
export function withSectors(base: FlashGeometry, sectorCount: number): FlashGeometry {
  return { sectorSize: base.sectorSize, sectorCount, writeSize: base.writeSize, ratedEraseCycles: base.ratedEraseCycles };
}

export class PowerLoss extends Error {
  constructor() {
    super("flash: power lost");
    this.name = "PowerLoss";
  }
}

export type FlashOp =
  | { readonly kind: "program"; readonly offset: number; readonly data: Uint8Array }
  | { readonly kind: "erase"; readonly sector: number };

/** Deterministic xorshift32: the same seed gives the same torn bytes on both runtimes. */
export class SimRandom {
  private s: number;
  constructor(seed = 0) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  /** Integer in [0, n). */
  below(n: number): number {
    return this.next() % n;
  }
}

export class SimFlash implements FlashPartition {
  readonly geometry: FlashGeometry;
  readonly byteLength: number;
  readonly eraseCounts: Uint32Array;
  bytesRead = 0;
  bytesWritten = 0;
  /** Program and erase operations done so far (the unit of cut points). */
  steps = 0;
  /** Called before each program/erase; the power-cut campaign forks the chip here. */
  beforeOp: ((op: FlashOp, flash: SimFlash) => void) | undefined;
  /**
   * Most program operations any one write unit has seen since its last
   * erase. nRF52840 allows a word to be written twice before an erase
   * (nWRITE); storage code is checked against it through this figure rather
   * than by refusing, so that other users of the simulator are not broken.
   */
  maxWritesPerUnit = 0;
  private readonly image: Uint8Array;
  private readonly unitWrites: Uint8Array;
  private lost = false;
  private cutAtStep = -1;
  private rng = new SimRandom(1);

  constructor(geometry: FlashGeometry, image?: Uint8Array, eraseCounts?: Uint32Array) {
    this.geometry = geometry;
    this.byteLength = geometry.sectorSize * geometry.sectorCount;
    this.image = new Uint8Array(this.byteLength);
    if (image) {
      if (image.length !== this.byteLength) throw new RangeError(`flash image of ${image.length} bytes, partition has ${this.byteLength}`);
      this.image.set(image);
    } else this.image.fill(0xff);
    this.eraseCounts = eraseCounts ? eraseCounts.slice() : new Uint32Array(geometry.sectorCount);
    this.unitWrites = new Uint8Array(this.byteLength / Math.max(1, geometry.writeSize));
  }

  private countWrites(offset: number, length: number): void {
    const unit = Math.max(1, this.geometry.writeSize);
    for (let u = offset / unit; u < (offset + length) / unit; u++) {
      if (this.unitWrites[u] < 255) this.unitWrites[u]++;
      if (this.unitWrites[u] > this.maxWritesPerUnit) this.maxWritesPerUnit = this.unitWrites[u];
    }
  }

  /** An identical chip (image, counters) with no hook and power on: the campaign's fork. */
  clone(): SimFlash {
    const c = new SimFlash(this.geometry, this.image, this.eraseCounts);
    c.bytesRead = this.bytesRead;
    c.bytesWritten = this.bytesWritten;
    c.steps = this.steps;
    c.unitWrites.set(this.unitWrites);
    c.maxWritesPerUnit = this.maxWritesPerUnit;
    return c;
  }

  /** Power is lost during the operation that would be step number `step` (0 = the next one). */
  cutAt(step: number, seed: number): void {
    this.cutAtStep = this.steps + step;
    this.rng = new SimRandom(seed);
  }

  get powerLost(): boolean {
    return this.lost;
  }

  /** Reboot: the silicon keeps its bytes; software must recover from them. */
  powerOn(): void {
    this.lost = false;
    this.cutAtStep = -1;
  }

  exportImage(): Uint8Array {
    return this.image.slice();
  }

  read(offset: number, length: number): Uint8Array {
    if (this.lost) throw new PowerLoss();
    this.check(offset, length, 1);
    this.bytesRead += length;
    return this.image.slice(offset, offset + length);
  }

  write(offset: number, data: Uint8Array): void {
    if (this.lost) throw new PowerLoss();
    this.check(offset, data.length, this.geometry.writeSize);
    if (this.beforeOp) this.beforeOp({ kind: "program", offset, data }, this);
    const img = this.image;
    if (this.steps++ === this.cutAtStep) {
      // Torn program: units go in order; the one in flight gets a random subset of its cleared bits.
      const unit = this.geometry.writeSize;
      const units = data.length / unit;
      const done = this.rng.below(units + 1);
      const doneBytes = done * unit;
      for (let i = 0; i < doneBytes; i++) img[offset + i] &= data[i];
      if (done < units) {
        for (let i = doneBytes; i < doneBytes + unit; i++) img[offset + i] &= data[i] | (this.rng.next() & 0xff);
      }
      this.bytesWritten += doneBytes;
      this.countWrites(offset, Math.min(data.length, doneBytes + unit));
      this.lost = true;
      throw new PowerLoss();
    }
    for (let i = 0; i < data.length; i++) img[offset + i] &= data[i];
    this.bytesWritten += data.length;
    this.countWrites(offset, data.length);
  }

  eraseSector(sector: number): void {
    if (this.lost) throw new PowerLoss();
    if (!Number.isInteger(sector) || sector < 0 || sector >= this.geometry.sectorCount) throw new RangeError(`flash: no sector ${sector}`);
    if (this.beforeOp) this.beforeOp({ kind: "erase", sector }, this);
    const size = this.geometry.sectorSize;
    const base = sector * size;
    this.eraseCounts[sector]++;
    if (this.steps++ === this.cutAtStep) {
      // Half-erased: a progress fraction of bytes reach 0xFF, a few only gain some bits, the rest stay old.
      const progress = this.rng.below(1025);
      for (let i = 0; i < size; i++) {
        const r = this.rng.below(1024);
        if (r < progress) this.image[base + i] = 0xff;
        else if (r < progress + 64) this.image[base + i] |= this.rng.next() & 0xff;
      }
      this.lost = true;
      throw new PowerLoss();
    }
    this.image.fill(0xff, base, base + size);
    const unit = Math.max(1, this.geometry.writeSize);
    this.unitWrites.fill(0, base / unit, (base + size) / unit);
  }

  private check(offset: number, length: number, align: number): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.byteLength) {
      throw new RangeError(`flash: ${length} bytes at ${offset} outside the partition`);
    }
    if (offset % align !== 0 || length % align !== 0) throw new RangeError(`flash: ${length} bytes at ${offset} not aligned to ${align}`);
  }
}
