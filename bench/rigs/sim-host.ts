import type { DeviceBindings } from "../../boards/moddable-meter.js";
import { simDeviceBindings } from "../../boards/sim/bindings.js";
import type { Board } from "../../boards/types.js";
import { silentLogger } from "../../hal/logger.js";
import { SimClock } from "../../hal/sim/clock.js";
import { SimCrypto } from "../../hal/sim/crypto.js";
import { simDelay } from "../../hal/sim/delay.js";
import { SimSystem } from "../../hal/sim/system.js";
import { SimTcpNetwork } from "../../hal/sim/tcp.js";
import { SimTimers } from "../../hal/sim/timers.js";

/**
 * A board's device bindings over the simulated host (clock, timers, crypto,
 * network), as the composition root `boards/moddable-meter.ts` gets them on
 * a device: for the bench's stack scenarios and the boards' tests.
 */
export function simHost(board: Board, startUtcMs = Date.UTC(2026, 5, 1, 12)) {
  const clock = new SimClock({ startUtcMs });
  const timers = new SimTimers(clock);
  const network = new SimTcpNetwork(timers);
  const crypto = new SimCrypto();
  const bindings: DeviceBindings = simDeviceBindings(board, {
    timers: () => timers,
    clocks: () => ({ monotonic: clock, rtc: clock }),
    logger: () => silentLogger,
    system: () => new SimSystem(clock),
    crypto: () => crypto,
    delay: () => simDelay(clock),
    tcp: (port) => network.listen(port),
  });
  return { clock, timers, network, crypto, bindings };
}
