import { frozenBoard, type Board } from "../types.js";
import { ATM90E32_DRIVER } from "../../hal/drivers/atm90e32.js";
import { DEFAULT_BUDGET } from "../../src/storage/budget.js";
import { MCUBOOT_ESP32 } from "../../src/fota/bootloader-config.js";

const KiB = 1024;

/**
 * CircuitSetup Expandable 6-Channel ESP32 Energy Meter main board (v1.4)
 * with an ESP32-WROOM-32 dev board (NodeMCU-32S / DevKitC, 4 MB flash)
 * plugged in. The split single-phase meter uses the same SPI pins with one
 * ATM90E32 on CS GPIO5.
 *
 * Energy ICs: two ATM90E32AS on one SPI bus (GPIO18 CLK, 19 MISO, 23 MOSI;
 * CS1 GPIO5 for CT1-CT3 and voltage 1, CS2 GPIO4 for CT4-CT6 and voltage 2),
 * SPI mode 3 at 200 kHz as CircuitSetup's ATM90E32 library drives them.
 *
 * The optical port, relay, button and power-fail line are not on the
 * CircuitSetup board: they are our wiring on ESP32 pins that neither the
 * main board nor any add-on board's CS jumpers use (add-ons take 0, 2, 12-17,
 * 21, 22, 25-27, 35). GPIO34/36/39 are input-only without internal pulls, so
 * the inputs there need external pull-ups. The DevKit's BOOT button (GPIO0)
 * serves as the disconnect push button only without add-on boards.
 */
export const board: Readonly<Board> = frozenBoard({
  name: "esp32-atm90e32",
  platforms: ["esp32"],
  description: "CircuitSetup Expandable 6-Channel ESP32 Energy Meter (2x ATM90E32AS) with an ESP32-WROOM-32 DevKit, 4 MB flash",
  energyIc: {
    driver: ATM90E32_DRIVER,
    bus: { port: 2, clock: 18, in: 19, out: 23, hz: 200_000, mode: 3 },
    selects: [5, 4],
  },
  opticalPort: { port: 2, receive: 34, transmit: 32 },
  relay: { drive: 33, feedback: { pin: 36, pull: "none", active: 1 } },
  button: { pin: 0, pull: "up", active: 0 },
  powerFail: { pin: 39, pull: "none", active: 0 },
  // Our wiring: a 0.47 F supercapacitor on the 5 V rail behind a diode; the
  // 3.3 V LDO drops out at 3.6 V, so with Wi-Fi transmitting (250 mA peak)
  // t = C·ΔV/I = 0.47 × 1.4 / 0.25 ≈ 2.6 s. The save gets 200 ms: the
  // power-fail records plus one sector erase of a collection (≈45 ms typ.,
  // 400 ms max on the W25Q32; the store erases ahead, so rarely here).
  holdUp: { holdUpMs: 2600, saveMs: 200 },
  tcpPort: 4059,
  partitionMaps: [
    {
      // The MCUboot Espressif port boots image-0; ESP-IDF's partition table
      // moves to 0x10000 because MCUboot occupies 0x1000-0xFFFF. The same
      // table also boots with ESP-IDF's own bootloader for development
      // (unsigned image-0, no swap).
      build: "esp32 (ESP-IDF app, MCUboot Espressif port)",
      bootloader: "mcuboot",
      mcuboot: MCUBOOT_ESP32,
      devices: [
        {
          name: "spi-flash",
          size: 4096 * KiB,
          sectorSize: 4 * KiB,
          writeSize: 1,
          ratedEraseCycles: 100_000,
          regions: [
            { role: "bootloader", offset: 0x1000, size: 0xf000, note: "MCUboot (ESP32 ROM loads the 2nd stage from 0x1000)" },
            { role: "partition-table", offset: 0x10000, size: 0x1000, note: "CONFIG_PARTITION_TABLE_OFFSET=0x10000" },
            { label: "nvs", role: "nvs", offset: 0x11000, size: 0x6000, note: "ESP-IDF NVS (Wi-Fi calibration and credentials)" },
            { label: "phy_init", role: "phy", offset: 0x17000, size: 0x1000 },
            { label: "image-0", role: "mcuboot-primary", offset: 0x20000, size: 0x180000, note: "running firmware (ESP-IDF app partition)" },
            { label: "image-1", role: "mcuboot-secondary", offset: 0x1a0000, size: 0x180000, note: "FOTA writes the new image here" },
            { label: "image-scratch", role: "mcuboot-scratch", offset: 0x320000, size: 0x20000 },
            { label: "storage", role: "storage", offset: 0x340000, size: 256 * KiB, note: "the meter's log-structured store: settings, counters, energy, load profile, event logs" },
          ],
        },
      ],
    },
  ],
  // 256 KiB storage: 48 sectors of load profile ring (366 days), 16 of main log.
  storage: DEFAULT_BUDGET,
  sources: [
    "CircuitSetup/Expandable-6-Channel-ESP32-Energy-Meter README.md (Communicating with the ESP32; Add-on Boards CS pins)",
    "CircuitSetup/Expandable-6-Channel-ESP32-Energy-Meter Software/ESPHome/6chan_energy_meter_main_board.yaml (spi 18/19/23, cs_pin 5 and 4)",
    "CircuitSetup ATM90E32 Arduino library: SPISettings(200000, MSBFIRST, SPI_MODE3)",
    "MCUboot Espressif port bootloader.conf (CONFIG_ESP_BOOTLOADER_OFFSET=0x1000 on ESP32, slot and scratch addresses)",
    "Moddable SDK modules/files/flash/esp32/flash.c (data partitions opened by label)",
  ],
});
