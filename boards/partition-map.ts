import type { FlashDeviceMap, FlashRegion, PartitionMap, RegionRole } from "./types.js";
import { STORAGE_BYTES } from "./types.js";

/**
 * Checks a partition map for the mistakes that brick a board or lose data:
 * regions outside the device or overlapping, regions firmware erases that
 * do not start and end on a sector, MCUboot slots of different sizes or a
 * scratch smaller than a sector, a profile store that is not 256 KiB, and
 * labels used twice. Returns one line per problem; empty means sound. The
 * composition root can also run it at start-up against the opened flash.
 */
export function checkPartitionMap(map: PartitionMap): string[] {
  const problems: string[] = [];
  const labels = new Set<string>();
  const all: { device: FlashDeviceMap; region: FlashRegion }[] = [];
  for (let d = 0; d < map.devices.length; d++) {
    const device = map.devices[d];
    const sorted = device.regions.slice().sort((a, b) => a.offset - b.offset);
    for (let i = 0; i < sorted.length; i++) {
      const r = sorted[i];
      const name = `${device.name}:${r.label ?? r.role}`;
      all.push({ device, region: r });
      if (r.size <= 0 || r.offset < 0 || r.offset + r.size > device.size) problems.push(`${name} 0x${hex(r.offset)}+0x${hex(r.size)} is outside the ${device.size}-byte device`);
      if (i > 0) {
        const prev = sorted[i - 1];
        if (prev.offset + prev.size > r.offset) problems.push(`${name} overlaps ${device.name}:${prev.label ?? prev.role}`);
      }
      if (ERASED_BY_FIRMWARE.includes(r.role) && (r.offset % device.sectorSize !== 0 || r.size % device.sectorSize !== 0)) {
        problems.push(`${name} is not aligned to the ${device.sectorSize}-byte sector`);
      }
      if (r.label !== undefined) {
        if (labels.has(r.label)) problems.push(`label ${r.label} is used twice`);
        labels.add(r.label);
      }
    }
  }
  const one = (role: RegionRole) => all.filter((x) => x.region.role === role);
  const storage = one("storage");
  if (storage.length !== 1) problems.push(`expected one storage region, found ${storage.length}`);
  else if (storage[0].region.size !== STORAGE_BYTES) problems.push(`storage is ${storage[0].region.size} bytes, not ${STORAGE_BYTES}`);
  if (map.bootloader === "mcuboot") {
    const primary = one("mcuboot-primary");
    const secondary = one("mcuboot-secondary");
    const scratch = one("mcuboot-scratch");
    if (primary.length !== 1 || secondary.length !== 1 || scratch.length !== 1) problems.push("an MCUboot map needs exactly one primary, secondary and scratch region");
    else {
      if (primary[0].region.size !== secondary[0].region.size) problems.push("MCUboot primary and secondary slots differ in size");
      const largestSector = Math.max(primary[0].device.sectorSize, secondary[0].device.sectorSize);
      if (scratch[0].region.size < largestSector) problems.push("MCUboot scratch is smaller than a sector of the slots");
      if (primary[0].region.label === undefined) problems.push("MCUboot mcuboot-primary has no label the firmware can open");
      if (secondary[0].region.label === undefined) problems.push("MCUboot mcuboot-secondary has no label the firmware can open");
    }
    if (one("bootloader").length !== 1) problems.push("an MCUboot map needs the bootloader region");
  }
  return problems;
}

/** The region of a role (first match), for the composition root. */
export function regionOf(map: PartitionMap, role: RegionRole): { device: FlashDeviceMap; region: FlashRegion } | undefined {
  for (let d = 0; d < map.devices.length; d++) {
    const device = map.devices[d];
    for (let r = 0; r < device.regions.length; r++) if (device.regions[r].role === role) return { device, region: device.regions[r] };
  }
  return undefined;
}

const ERASED_BY_FIRMWARE: readonly RegionRole[] = Object.freeze(["mcuboot-primary", "mcuboot-secondary", "mcuboot-scratch", "storage", "nvs"]);

function hex(n: number): string {
  return n.toString(16);
}
