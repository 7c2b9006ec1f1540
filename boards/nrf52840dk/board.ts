import { frozenBoard, type Board } from "../types.js";
import { ADE7953_DRIVER } from "../../hal/drivers/ade7953.js";
import { DEFAULT_BUDGET } from "../../src/storage/budget.js";
import { MCUBOOT_ZEPHYR_NRF52840 } from "../../src/fota/bootloader-config.js";

const KiB = 1024;

/** The nRF52840's internal flash, whichever build lays out its regions (see below). */
const INTERNAL_FLASH = Object.freeze({
  name: "internal",
  size: 1024 * KiB,
  sectorSize: 4 * KiB,
  writeSize: 4,
  ratedEraseCycles: 10_000,
} as const);

/**
 * Nordic nRF52840 DK (PCA10056) with an ADE7953 breakout on the Arduino
 * header's SPI pins: D13 SCK = P1.15, D12 MISO = P1.14, D11 MOSI = P1.13,
 * D10 CS = P1.12 (nRF pin numbers: port 1 pin n is 32 + n). ADE7953 IRQ on
 * D3 = P1.04. The optical port's UART is on D0/D1 (P1.01 RX, P1.02 TX), the
 * relay driver on D7 (P1.08) with its auxiliary contact on D6 (P1.07), the
 * supply supervisor's power-fail output on D2 (P1.03); the disconnect push
 * button is the DK's Button 1 (P0.11, active low). All of these are our
 * choices on the DK's Arduino header, not a vendor's breakout pinout.
 *
 * Two builds, two flash maps (1 MiB internal flash, 4 KiB pages, 32-bit
 * program unit, 10,000 erase cycles; 8 MiB MX25R6435F QSPI NOR on the DK):
 * - `nrf52/*` (Moddable's nRF5 SDK port): SoftDevice S140 and Adafruit's UF2
 *   bootloader, no MCUboot; `storage` is the region Moddable reserves at the
 *   end of the application area (MODDEF_FILE_LFS_PARTITION_SIZE). FOTA has no
 *   slot on this build.
 * - `zephyr/nrf52840dk` (Moddable's Zephyr port): MCUboot with swap using
 *   scratch; the primary slot, scratch and storage in internal
 *   flash, the secondary slot on the QSPI NOR (zephyr/partitions.overlay).
 *   SDK 8.2 has no ECMA-419 SPI on Zephyr, so the energy IC is not reachable
 *   on this build until it does.
 */
export const board: Readonly<Board> = frozenBoard({
  name: "nrf52840dk",
  platforms: ["nrf52/dk", "zephyr/nrf52840dk"],
  description: "Nordic nRF52840 DK with an ADE7953 breakout on the Arduino header SPI",
  energyIc: {
    driver: ADE7953_DRIVER,
    bus: { clock: 47, in: 46, out: 45, hz: 1_000_000, mode: 0 },
    selects: [44],
    irq: 36,
  },
  opticalPort: { port: 1, receive: 33, transmit: 34 },
  relay: { drive: 40, feedback: { pin: 39, pull: "down", active: 1 } },
  button: { pin: 11, pull: "up", active: 0 },
  powerFail: { pin: 35, pull: "up", active: 0 },
  partitionMaps: [
    {
      build: "nrf52/dk (nRF5 SDK, SoftDevice S140, UF2 bootloader)",
      bootloader: "uf2",
      devices: [
        {
          ...INTERNAL_FLASH,
          regions: [
            { role: "softdevice", offset: 0x0, size: 0x27000, note: "MBR + SoftDevice S140 7.x" },
            { label: "running", role: "application", offset: 0x27000, size: 0x88000, note: "firmware and the xs mods area (linker FLASH 0x27000+0xC8000 minus storage)" },
            { label: "storage", role: "storage", offset: 0xaf000, size: 256 * KiB, note: "defines.file.lfs.partition.size = 262144" },
            { label: "ble-peers", role: "ble", offset: 0xef000, size: 0x3000, note: "linker FSTORAGE" },
            { role: "preferences", offset: 0xf2000, size: 0x2000, note: "linker PREFERENCE" },
            { role: "bootloader", offset: 0xf4000, size: 0xc000, note: "Adafruit nRF52 UF2 bootloader and its settings" },
          ],
        },
      ],
    },
    {
      build: "zephyr/nrf52840dk (Zephyr, MCUboot swap using scratch)",
      bootloader: "mcuboot",
      mcuboot: MCUBOOT_ZEPHYR_NRF52840,
      devices: [
        {
          ...INTERNAL_FLASH,
          regions: [
            { label: "mcuboot", role: "bootloader", offset: 0x0, size: 0xc000 },
            { label: "image-0", role: "mcuboot-primary", offset: 0xc000, size: 0xac000, note: "688 KiB: Zephyr, XS and the firmware bytecode" },
            { label: "image-scratch", role: "mcuboot-scratch", offset: 0xb8000, size: 0x4000 },
            { label: "storage", role: "storage", offset: 0xbc000, size: 256 * KiB },
          ],
        },
        {
          name: "mx25r64",
          size: 8192 * KiB,
          sectorSize: 4 * KiB,
          writeSize: 1,
          ratedEraseCycles: 100_000,
          regions: [{ label: "image-1", role: "mcuboot-secondary", offset: 0x0, size: 0xac000, note: "FOTA writes the new image here (QSPI)" }],
        },
      ],
    },
  ],
  // 256 KiB storage: 48 sectors of load profile ring (366 days), 16 of main log.
  storage: DEFAULT_BUDGET,
  sources: [
    "Nordic nRF52840 DK Arduino header: D0..D7 = P1.01..P1.08, D8..D13 = P1.10..P1.15 (RIOT boards/nrf52840dk/include/arduino_iomap.h)",
    "ADE7953: SCLK up to 5 MHz (shared/docs/ENERGY-IC.md); SPI mode 0 at 1 MHz as Tasmota xnrg_07_ade7953 and hal/drivers/ade7953.ts drive it",
    "Moddable SDK build/devices/nrf52/config/xsproj.ld (FLASH 0x27000+0xC8000, FSTORAGE 0xEF000, PREFERENCE 0xF2000)",
    "Moddable SDK xs/platforms/nrf52/xsHost.c modGetPartition (storage at the end of the application area)",
    "Moddable SDK build/devices/nrf52/targets/dk (the nRF52840 DK target: LEDs P0.13-16, buttons P0.11/12/24/25)",
  ],
});
