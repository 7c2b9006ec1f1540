/**
 * Flash port: one partition of erase-before-write memory. Offsets are relative
 * to the partition. Programming can only clear bits (1 -> 0) on NOR flash;
 * erasing a sector sets all its bytes to 0xFF. A power cut may interrupt any
 * write or erase, leaving torn data: the storage layer, not the port, makes
 * that safe.
 */
export interface FlashGeometry {
  /** Erase unit in bytes (4096 on both reference boards). */
  readonly sectorSize: number;
  readonly sectorCount: number;
  /** Smallest programmable unit in bytes and its alignment (1 for ESP32 NOR, 4 for nRF52840). */
  readonly writeSize: number;
  /** Rated erase cycles per sector (10,000 for nRF52840 internal flash). */
  readonly ratedEraseCycles: number;
}

export interface FlashPartition {
  readonly geometry: FlashGeometry;
  /** sectorSize * sectorCount */
  readonly byteLength: number;
  read(offset: number, length: number): Uint8Array;
  /** Programs bytes; offset and length must be multiples of writeSize. */
  write(offset: number, data: Uint8Array): void;
  eraseSector(sector: number): void;
}
