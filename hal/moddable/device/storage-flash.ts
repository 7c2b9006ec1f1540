import FlashStorage from "embedded:storage/flash";
import { ModdableFlashPartition, type FlashDevice } from "../flash.js";

/**
 * A partition through ECMA-419 flash storage (`embedded:storage/flash`), the
 * only flash API of Moddable's Zephyr port: partitions open by devicetree
 * label. The device reports its own program unit and erase block, so only
 * the rated endurance comes from the board.
 */
export function openStorageFlash(label: string, ratedEraseCycles: number): ModdableFlashPartition {
  const flash = FlashStorage.open({ path: label, mode: "r+" });
  const status = flash.status();
  const device: FlashDevice = {
    byteLength: status.size,
    blockSize: status.blockLength,
    read: (offset, byteLength) => flash.read(byteLength, offset),
    write: (offset, byteLength, buffer) => flash.write(byteLength === buffer.byteLength ? buffer : buffer.slice(0, byteLength), offset),
    erase: (sector) => flash.eraseBlock(sector, sector + 1),
  };
  return new ModdableFlashPartition(device, { writeSize: Math.max(1, status.writeAlign), ratedEraseCycles });
}
