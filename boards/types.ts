import type { EnergyIcDriver } from "../hal/energy-ic.js";
import type { StorageBudget } from "../src/storage/budget.js";
import type { BootloaderConfig } from "../src/fota/bootloader-config.js";

/**
 * A board as data: pins, buses and the flash partition map. The composition
 * root of a board reads it to open the Moddable HAL; host tests check it
 * against the manifest fragment and the bootloader/partition files next to
 * it. Pin numbers are as the platform names them (ESP32 GPIO numbers;
 * nRF52 port*32+pin, so P1.13 is 45).
 */
export interface SpiBusConfig {
  /** SPI host as Moddable's ECMA-419 SPI names it (ESP32: 1 = SPI2/HSPI, 2 = SPI3/VSPI); absent: platform default. */
  port?: number;
  clock: number;
  in: number;
  out: number;
  hz: number;
  /** CPOL/CPHA mode 0..3. */
  mode: number;
}

export interface EnergyIcConfig {
  /** The IC's driver (hal/drivers/<ic>.ts exports it): the composition root opens it, and the board's build contains only the drivers its data imports. */
  driver: EnergyIcDriver;
  bus: SpiBusConfig;
  /** One chip select per IC on the bus (the CircuitSetup 6-channel board has two ATM90E32). */
  selects: number[];
  /** Optional interrupt / IRQ line of the IC. */
  irq?: number;
}

export interface UartConfig {
  port: number;
  receive: number;
  transmit: number;
}

export interface InputPin {
  pin: number;
  pull: "none" | "up" | "down";
  /** Level when active (pressed button, power failing, relay closed). */
  active: 0 | 1;
}

export type RegionRole =
  | "bootloader"
  | "partition-table"
  | "nvs"
  | "phy"
  | "softdevice"
  | "mcuboot-primary"
  | "mcuboot-secondary"
  | "mcuboot-scratch"
  | "storage"
  | "ble"
  | "preferences"
  | "application";

/** One region of one flash device. */
export interface FlashRegion {
  /** The label the `flash` module opens (ESP32 partition name, Zephyr devicetree label); absent for regions firmware never opens. */
  label?: string;
  role: RegionRole;
  offset: number;
  size: number;
  note?: string;
}

export interface FlashDeviceMap {
  name: string;
  size: number;
  sectorSize: number;
  /** Programming unit (bytes). */
  writeSize: number;
  ratedEraseCycles: number;
  regions: FlashRegion[];
}

export interface PartitionMap {
  /** The build this map belongs to (a board may have one per SDK port, e.g. nRF5 native and Zephyr). */
  build: string;
  bootloader: "mcuboot" | "esp-idf" | "uf2" | "host";
  /** How this build's MCUboot is built (src/fota/bootloader-config.ts); the meter's FOTA verdict follows it (startBoardMeter). */
  mcuboot?: BootloaderConfig;
  devices: FlashDeviceMap[];
}

export interface Board {
  name: string;
  /** The mcconfig platform(s) this board builds for. */
  platforms: string[];
  description: string;
  energyIc: EnergyIcConfig;
  opticalPort?: UartConfig;
  relay?: { drive: number; feedback: InputPin };
  button?: InputPin;
  powerFail?: InputPin;
  /**
   * After the power-fail signal: how long the supply capacitor keeps the MCU
   * (and its radio) running, and how much of it the power-fail flash save
   * needs. The last gasp push gets the rest (src/push/engine.ts).
   */
  holdUp?: { holdUpMs: number; saveMs: number };
  /** DLMS wrapper TCP port when the board has a network. */
  tcpPort?: number;
  partitionMaps: PartitionMap[];
  /** Each storage stream's share of the `storage` partition and its promised depth (src/storage/budget.ts), checked at boot. */
  storage: StorageBudget;
  /** Where each fact comes from. */
  sources: string[];
}

/** The profile store's size on every board (DESIGN.md section 4, issue 8). */
export const STORAGE_BYTES = 256 * 1024;

/**
 * Deep-freezes board data. Moddable keeps a preloaded module's frozen
 * objects in flash; xsl warns about (and keeps in RAM) any it finds mutable.
 */
export function frozenBoard(board: Board): Readonly<Board> {
  const freeze = (value: unknown): void => {
    if (typeof value !== "object" || value === null || Object.isFrozen(value)) return;
    Object.freeze(value);
    const children = Object.values(value);
    for (let i = 0; i < children.length; i++) {
      const v = children[i];
      freeze(v);
    }
  };
  freeze(board);
  return board;
}
