import type { FlashGeometry, FlashPartition } from "../flash.js";
import { asArrayBuffer } from "./buffers.js";

/**
 * What the HAL uses of Moddable's `flash` module (the same shape on ESP32 and
 * nRF52): a partition opened by label, or on nRF52 a raw region.
 */
export interface FlashDevice {
  readonly byteLength: number;
  readonly blockSize: number;
  read(offset: number, byteLength: number): ArrayBuffer | object;
  write(offset: number, byteLength: number, buffer: ArrayBuffer): void;
  erase(sector: number): void;
}

export interface FlashTraits {
  /** Programming unit: 1 on ESP32 NOR (byte-writable), 4 on nRF52840 internal flash. */
  writeSize: number;
  ratedEraseCycles: number;
}

/**
 * FlashPartition over Moddable's `flash` module. Moddable checks bounds in C
 * but not the program unit, and an unaligned word write on nRF52840 corrupts
 * the neighbouring bytes: the port refuses it, as the simulated flash does.
 * Only whole sectors are exposed, so a partition that is not a multiple of
 * the erase block loses its tail instead of leaving a half sector.
 */
export class ModdableFlashPartition implements FlashPartition {
  declare readonly geometry: FlashGeometry;
  declare readonly byteLength: number;
  private declare readonly device: FlashDevice;

  constructor(device: FlashDevice, traits: FlashTraits) {
    this.device = device;
    const sectorSize = device.blockSize;
    const sectorCount = Math.floor(device.byteLength / sectorSize);
    this.geometry = { sectorSize, sectorCount, writeSize: traits.writeSize, ratedEraseCycles: traits.ratedEraseCycles };
    this.byteLength = sectorSize * sectorCount;
  }

  read(offset: number, length: number): Uint8Array {
    this.check(offset, length, 1);
    if (length === 0) return new Uint8Array(0);
    return new Uint8Array(this.device.read(offset, length) as ArrayBuffer);
  }

  write(offset: number, data: Uint8Array): void {
    this.check(offset, data.length, this.geometry.writeSize);
    if (data.length === 0) return;
    this.device.write(offset, data.length, asArrayBuffer(data));
  }

  eraseSector(sector: number): void {
    if (!Number.isInteger(sector) || sector < 0 || sector >= this.geometry.sectorCount) throw new RangeError(`sector ${sector} outside 0..${this.geometry.sectorCount - 1}`);
    this.device.erase(sector);
  }

  private check(offset: number, length: number, unit: number): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.byteLength) {
      throw new RangeError(`flash range ${offset}+${length} outside 0..${this.byteLength}`);
    }
    if (offset % unit !== 0 || length % unit !== 0) throw new RangeError(`flash write ${offset}+${length} not aligned to ${unit}`);
  }
}
