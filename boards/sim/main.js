// Entry of the sim board inside Moddable's own runtime (`mcconfig -m -p lin`,
// the desktop simulator): the whole meter through boards/moddable-meter.ts,
// with Moddable's timer, time, sockets, system and crypt modules, and the
// peripherals a host lacks (energy IC, flash, relay) simulated by hal/sim.
// `npm start` runs the same board on Node instead. JavaScript for the reason
// given in boards/esp32-atm90e32/main.js.
import config from "mc/config";
import { board } from "./board.js";
import { simDeviceBindings } from "./bindings.js";
import { startBoardMeter } from "../moddable-meter.js";
import { moddableTimers } from "../../hal/moddable/device/timer.js";
import { moddableClocks } from "../../hal/moddable/device/clock.js";
import { traceLogger } from "../../hal/moddable/device/logger.js";
import { listenTcp } from "../../hal/moddable/device/tcp.js";
import { tcpConnector } from "../../hal/moddable/device/tcp-client.js";
import { moddableCrypto } from "../../hal/moddable/device/crypto.js";
import { moddableDelay } from "../../hal/moddable/device/delay.js";
import { moddableSystemGlobal } from "../../hal/moddable/device/system-global.js";
import { ModdableSystem } from "../../hal/moddable/system.js";
import { fotaConfig } from "../fota-config.js";

const devices = simDeviceBindings(board, {
  timers: moddableTimers,
  clocks: moddableClocks,
  logger: traceLogger,
  system: (powerFail) => new ModdableSystem({ restart: () => moddableSystemGlobal().restart(), resetCause: "power-on", ...(powerFail ? { powerFail } : {}) }),
  crypto: () => moddableCrypto(),
  delay: moddableDelay,
  // `mcconfig ... tcpPort=N` moves the DLMS wrapper off 4059.
  tcp: (port) => listenTcp(Number(config.tcpPort ?? port)),
  tcpClient: tcpConnector,
});
const meter = startBoardMeter(board, devices, 0, fotaConfig(config));
trace(`meter ${meter.config.identity.manufacturer}${meter.config.identity.serial}: DLMS wrapper on tcp ${Number(config.tcpPort ?? board.tcpPort)}, ${meter.catalog.entries.length} objects\n`);
