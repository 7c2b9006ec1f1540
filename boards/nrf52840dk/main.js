// Device entry of the nrf52840dk board on Moddable's nRF5 port (nrf52/dk):
// binds the Moddable HAL to the board data and starts the meter. No network
// on this port, so no TCP wrapper; the optical port is the DLMS link.
// JavaScript for the reason given in boards/esp32-atm90e32/main.js.
import { board } from "./board.js";
import { startBoardMeter } from "../moddable-meter.js";
import { moddableTimers } from "../../hal/moddable/device/timer.js";
import { moddableClocks } from "../../hal/moddable/device/clock.js";
import { traceLogger } from "../../hal/moddable/device/logger.js";
import { openFlashPartition } from "../../hal/moddable/device/flash.js";
import { openDigitalIn, openDigitalOut } from "../../hal/moddable/device/digital.js";
import { openSerial } from "../../hal/moddable/device/serial.js";
import { spiSensorOptions } from "../../hal/moddable/device/spi.js";
import { moddableDelay } from "../../hal/moddable/device/delay.js";
import { nrf52System } from "../../hal/moddable/device/system-nrf52.js";
import { moddableCrypto } from "../../hal/moddable/device/crypto.js";

startBoardMeter(board, {
  timers: moddableTimers,
  clocks: moddableClocks,
  logger: traceLogger,
  flash: (region, device) => openFlashPartition({ label: region.label ?? "storage" }, { writeSize: device.writeSize, ratedEraseCycles: device.ratedEraseCycles }),
  digitalIn: (input) => openDigitalIn(input.pin, input.pull),
  digitalOut: openDigitalOut,
  spi: (bus, select) => spiSensorOptions({ ...bus, select }),
  delay: moddableDelay,
  system: nrf52System,
  crypto: () => moddableCrypto(),
  serial: openSerial,
});
