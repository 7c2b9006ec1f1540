import { describe, expect, it } from "vitest";
import { board as esp32 } from "../../boards/esp32-atm90e32/board.js";
import { checkPartitionMap, regionOf } from "../../boards/partition-map.js";
import { BOARDS, boardNamed } from "../../boards/registry.js";
import type { PartitionMap } from "../../boards/types.js";
import { ADE7953_DRIVER } from "../../hal/drivers/ade7953.js";
import { ATM90E32_DRIVER } from "../../hal/drivers/atm90e32.js";

/** Every registered board (boards/registry.ts): a new board is checked here without editing this file. */
const boards = BOARDS;

function clone(map: PartitionMap): PartitionMap {
  return JSON.parse(JSON.stringify(map)) as PartitionMap;
}

describe("board partition maps", () => {
  for (const b of boards) {
    for (const map of b.partitionMaps) {
      it(`${b.name} / ${map.build} is sound`, () => {
        expect(checkPartitionMap(map)).toEqual([]);
      });
    }
  }

  it("every board has a 256 KiB profile store and, where MCUboot boots, equal labelled slots", () => {
    for (const b of boards) {
      for (const map of b.partitionMaps) {
        expect(regionOf(map, "storage")?.region.size).toBe(256 * 1024);
        if (map.bootloader === "mcuboot") {
          expect(regionOf(map, "mcuboot-primary")?.region.label).toBe("image-0");
          expect(regionOf(map, "mcuboot-secondary")?.region.label).toBe("image-1");
        }
      }
    }
  });

  const base = esp32.partitionMaps[0];
  const edit = (f: (m: PartitionMap) => void): string[] => {
    const m = clone(base);
    f(m);
    return checkPartitionMap(m);
  };
  const region = (m: PartitionMap, label: string) => {
    const r = m.devices[0].regions.find((x) => x.label === label);
    if (!r) throw new Error(label);
    return r;
  };

  it("finds an overlap", () => {
    expect(edit((m) => (region(m, "storage").offset -= 0x1000)).join()).toContain("overlaps");
  });
  it("finds a region past the end of the device", () => {
    expect(edit((m) => (region(m, "storage").size = 0x100000)).join()).toContain("outside");
  });
  it("finds a storage region not on a sector boundary", () => {
    expect(edit((m) => (region(m, "storage").offset += 0x800)).join()).toContain("not aligned");
  });
  it("finds slots of different sizes and a scratch below one sector", () => {
    expect(edit((m) => (region(m, "image-1").size -= 0x1000)).join()).toContain("differ in size");
    expect(edit((m) => (region(m, "image-scratch").size = 0x800)).join()).toContain("scratch");
  });
  it("finds a profile store of the wrong size, a missing slot and a label used twice", () => {
    expect(edit((m) => (region(m, "storage").size = 0x20000)).join()).toContain("not 262144");
    expect(edit((m) => (m.devices[0].regions = m.devices[0].regions.filter((r) => r.label !== "image-1"))).join()).toContain("exactly one primary");
    expect(edit((m) => (region(m, "image-scratch").label = "storage")).join()).toContain("used twice");
  });

  it("every board names the driver a driver module exports, and the registry finds each board by its name", () => {
    for (const b of boards) {
      expect([ATM90E32_DRIVER, ADE7953_DRIVER], b.name).toContain(b.energyIc.driver);
      expect(boardNamed(b.name)).toBe(b);
    }
    expect(() => boardNamed("no-such-board")).toThrow("no board");
  });

  it("pins of one board never collide", () => {
    // Every board but those on the host, whose pins are nominal.
    for (const b of boards.filter((x) => !x.partitionMaps.some((m) => m.bootloader === "host"))) {
      const pins = [
        b.energyIc.bus.clock,
        b.energyIc.bus.in,
        b.energyIc.bus.out,
        ...b.energyIc.selects,
        ...(b.energyIc.irq !== undefined ? [b.energyIc.irq] : []),
        ...(b.opticalPort ? [b.opticalPort.receive, b.opticalPort.transmit] : []),
        ...(b.relay ? [b.relay.drive, b.relay.feedback.pin] : []),
        ...(b.button ? [b.button.pin] : []),
        ...(b.powerFail ? [b.powerFail.pin] : []),
      ];
      expect(new Set(pins).size).toBe(pins.length);
    }
  });

  it("ESP32 outputs avoid the input-only GPIO34-39", () => {
    const outputs = [esp32.energyIc.bus.clock, esp32.energyIc.bus.out, ...esp32.energyIc.selects, esp32.opticalPort?.transmit ?? -1, esp32.relay?.drive ?? -1];
    for (const pin of outputs) expect(pin >= 34 && pin <= 39).toBe(false);
  });
});
