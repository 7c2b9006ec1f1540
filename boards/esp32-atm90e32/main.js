// Device entry of the esp32-atm90e32 board: binds the Moddable HAL to the
// board data and starts the meter (boards/moddable-meter.ts does the wiring).
// JavaScript because tsconfig.json checks boards/**/*.ts without Moddable's
// typings; tsconfig.moddable.json checks this file (checkJs) against them.
import config from "mc/config";
import { board } from "./board.js";
import { fotaConfig } from "../fota-config.js";
import { startBoardMeter } from "../moddable-meter.js";
import { moddableTimers } from "../../hal/moddable/device/timer.js";
import { moddableClocks } from "../../hal/moddable/device/clock.js";
import { traceLogger } from "../../hal/moddable/device/logger.js";
import { openFlashPartition } from "../../hal/moddable/device/flash.js";
import { openDigitalIn, openDigitalOut } from "../../hal/moddable/device/digital.js";
import { openSerial } from "../../hal/moddable/device/serial.js";
import { spiSensorOptions } from "../../hal/moddable/device/spi.js";
import { moddableDelay } from "../../hal/moddable/device/delay.js";
import { listenTcp } from "../../hal/moddable/device/tcp.js";
import { tcpConnector } from "../../hal/moddable/device/tcp-client.js";
import { esp32System } from "../../hal/moddable/device/system-esp32.js";
import { moddableCrypto } from "../../hal/moddable/device/crypto.js";

// Moddable's flash module opens ESP-IDF *data* partitions by label; the
// primary slot is the app partition that runs, which it opens as "running".
/** @param {import("../types.js").FlashRegion} region */
const flashLabel = (region) => (region.role === "mcuboot-primary" ? "running" : (region.label ?? "storage"));

startBoardMeter(board, {
  timers: moddableTimers,
  clocks: moddableClocks,
  logger: traceLogger,
  flash: (region, device) => openFlashPartition({ label: flashLabel(region) }, { writeSize: device.writeSize, ratedEraseCycles: device.ratedEraseCycles }),
  digitalIn: (input) => openDigitalIn(input.pin, input.pull),
  digitalOut: openDigitalOut,
  spi: (bus, select) => spiSensorOptions({ ...bus, select }),
  delay: moddableDelay,
  system: esp32System,
  crypto: () => moddableCrypto(),
  serial: openSerial,
  tcp: (port) => listenTcp(port),
  tcpClient: tcpConnector,
}, 0, fotaConfig(config));
