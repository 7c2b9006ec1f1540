import type { MonotonicClock, Rtc } from "../../hal/clock.js";
import type { CryptoPort } from "../../hal/crypto.js";
import type { Delay } from "../../hal/delay.js";
import type { DigitalIn, DigitalOut } from "../../hal/digital.js";
import type { Logger } from "../../hal/logger.js";
import { SimDigitalIn } from "../../hal/sim/digital.js";
import { simEnergyChip } from "../../hal/sim/energy-ics.js";
import { SimFlash } from "../../hal/sim/flash.js";
import { LoadScenario, type PhaseLoad } from "../../hal/sim/load-scenario.js";
import { SimSpiBus } from "../../hal/sim/spi-bus.js";
import type { SystemPort } from "../../hal/system.js";
import type { TcpConnector } from "../../hal/tcp-client.js";
import type { TcpListener } from "../../hal/tcp.js";
import type { Timers } from "../../hal/timer.js";
import type { DeviceBindings } from "../moddable-meter.js";
import type { Board } from "../types.js";

/** What the host platform really provides to the sim board (Moddable's `lin` port: timer, time, sockets, system, crypt). */
export interface HostPlatform {
  timers(): Timers;
  clocks(): { monotonic: MonotonicClock; rtc: Rtc };
  logger(): Logger;
  system(powerFail?: DigitalIn): SystemPort;
  crypto(): CryptoPort;
  /** A blocking wait on the clock the simulated IC follows (Moddable's Timer.delay, or hal/sim/delay.ts on simulated time). */
  delay(): Delay;
  tcp?(port: number): TcpListener;
  tcpClient?(): TcpConnector;
}

/** The household load the simulated IC measures: 230 V, 5 A per phase, cos φ 0.95 (no scenario file on a host without a file system). */
const SIM_LOAD: Readonly<PhaseLoad> = Object.freeze({ vRms: 230, iRms: 5, phiDeg: 18.19, freqHz: 50 });

/**
 * The sim board's peripherals for boards/moddable-meter.ts: what the host
 * lacks (energy IC, flash, relay, GPIO) is simulated at register and sector
 * level (hal/sim), the rest is the host's own. So the whole meter runs
 * through the same composition root as a device board, inside Moddable's
 * simulator (boards/sim/main.js) as on Node and XS in the tests.
 */
export function simDeviceBindings(board: Board, host: HostPlatform): DeviceBindings {
  const clocks = host.clocks();
  const bus = new SimSpiBus();
  // The relay's auxiliary contact follows the coil, as on a healthy relay.
  const relayContact = new SimDigitalIn(1);
  return {
    timers: host.timers,
    clocks: () => clocks,
    logger: host.logger,
    // RAM-backed sectors with the board map's geometry: the store mounts,
    // rotates and recovers as on flash; a host restart starts empty.
    flash: (region, device) => new SimFlash({ sectorSize: device.sectorSize, sectorCount: region.size / device.sectorSize, writeSize: device.writeSize, ratedEraseCycles: device.ratedEraseCycles }),
    digitalIn: (input) => (input.pin === board.relay?.feedback.pin ? relayContact : new SimDigitalIn(input.active === 0 ? 1 : 0)),
    digitalOut: (_pin, initial): DigitalOut => {
      let level = initial;
      relayContact.set(initial);
      return {
        write(value) {
          level = value;
          relayContact.set(value);
        },
        read: () => level,
      };
    },
    // The chip model of the board's IC (hal/sim/energy-ics.ts), at register level behind the simulated bus.
    spi: (bus_, select) => {
      bus.attach(select, simEnergyChip(board.energyIc.driver.type, { scenario: new LoadScenario(SIM_LOAD), clock: clocks.monotonic }));
      return { io: bus.io, select, hz: bus_.hz, mode: bus_.mode };
    },
    system: host.system,
    crypto: host.crypto,
    delay: host.delay,
    ...(host.tcp ? { tcp: host.tcp } : {}),
    ...(host.tcpClient ? { tcpClient: host.tcpClient } : {}),
  };
}
