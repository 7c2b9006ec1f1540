// Device entry of the nrf52840dk board on Moddable's Zephyr port: MCUboot
// and the partition map work there, but SDK 8.2 has no ECMA-419 SPI on
// Zephyr, so the energy IC is unreachable and the meter does not start.
// The storage partition is opened to prove the map and the flash binding.
import { board } from "./board.js";
import { checkPartitionMap, regionOf } from "../partition-map.js";
import { openStorageFlash } from "../../hal/moddable/device/storage-flash.js";
import { traceLogger } from "../../hal/moddable/device/logger.js";

const logger = traceLogger();
const map = board.partitionMaps[1];
const problems = checkPartitionMap(map);
if (problems.length) logger.error(problems.join("; "));
const storage = regionOf(map, "storage");
if (storage?.region.label) {
  const flash = openStorageFlash(storage.region.label, storage.device.ratedEraseCycles);
  logger.info(`storage: ${flash.geometry.sectorCount} sectors of ${flash.geometry.sectorSize} bytes`);
}
logger.error("meter not started: no ECMA-419 SPI on Moddable's Zephyr port (SDK 8.2) for the energy IC");
