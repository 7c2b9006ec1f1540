import { frozenBoard, type Board } from "../types.js";
import { ATM90E32_DRIVER } from "../../hal/drivers/atm90e32.js";
import { DEFAULT_BUDGET } from "../../src/storage/budget.js";
import { MCUBOOT_ESP32 } from "../../src/fota/bootloader-config.js";

const KiB = 1024;

/**
 * The host board: every port simulated (hal/sim), driven by the simulator
 * (`npm start`) and the tests. Pins are nominal (the simulated bus ignores
 * them); the flash map is the simulated flash file's layout, shaped like the
 * ESP32 board's data partitions so that storage and FOTA run on the same
 * geometry as on a board. `bootloader: "host"`: the simulator plays
 * MCUboot's swap itself.
 */
export const board: Readonly<Board> = frozenBoard({
  name: "sim",
  platforms: ["lin", "mac", "win"],
  description: "Simulated meter on the host: ATM90E32 register model, simulated flash file, TCP wrapper on 4059, optical port on a pseudo-terminal",
  energyIc: {
    driver: ATM90E32_DRIVER,
    bus: { clock: 0, in: 0, out: 0, hz: 1_000_000, mode: 3 },
    selects: [0],
  },
  // Nominal pins of the simulated relay (boards/sim/bindings.ts): the coil
  // drive, and its auxiliary contact that follows it.
  relay: { drive: 1, feedback: { pin: 2, pull: "none", active: 1 } },
  tcpPort: 4059,
  // The simulated supply: the ESP32 board's hold-up (the simulator runs its last gasp within it).
  holdUp: { holdUpMs: 2600, saveMs: 200 },
  partitionMaps: [
    {
      build: "host (simulated flash)",
      bootloader: "host",
      // The simulator's bootloader plays the Espressif port's build on this ESP32-shaped layout.
      mcuboot: MCUBOOT_ESP32,
      devices: [
        {
          name: "sim-flash",
          size: 4096 * KiB,
          sectorSize: 4 * KiB,
          writeSize: 1,
          ratedEraseCycles: 100_000,
          regions: [
            { label: "image-0", role: "mcuboot-primary", offset: 0x20000, size: 0x180000 },
            { label: "image-1", role: "mcuboot-secondary", offset: 0x1a0000, size: 0x180000 },
            { label: "image-scratch", role: "mcuboot-scratch", offset: 0x320000, size: 0x20000 },
            { label: "storage", role: "storage", offset: 0x340000, size: 256 * KiB },
          ],
        },
      ],
    },
  ],
  // 256 KiB storage: 48 sectors of load profile ring (366 days), 16 of main log.
  storage: DEFAULT_BUDGET,
  sources: ["boards/esp32-atm90e32/board.ts (same data-partition layout)"],
});
