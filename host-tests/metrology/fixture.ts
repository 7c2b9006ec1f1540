/**
 * Shared test setup: simulated time, a load scenario, the simulated SPI bus
 * with a chip on it, and the driver built the way a board builds it
 * ({sensor: {io, select, ...}}).
 */
import { Ade7953, type Ade7953Options } from "../../hal/drivers/ade7953.js";
import { Atm90e32, type Atm90e32Options } from "../../hal/drivers/atm90e32.js";
import { SimAde7953 } from "../../hal/sim/ade7953.js";
import { SimAtm90e32 } from "../../hal/sim/atm90e32.js";
import { LoadScenario, type LoadEvent, type PhaseLoad } from "../../hal/sim/load-scenario.js";
import { SimSpiBus } from "../../hal/sim/spi-bus.js";

export const H = 3600000;
export const START_UTC = Date.UTC(2026, 0, 5, 0, 0, 0);

/** 230 V, 10 A, PF 0.8 lagging (current lags by acos 0.8 = 36.87°), 50 Hz. */
export const NOMINAL: PhaseLoad = { vRms: 230, iRms: 10, phiDeg: (Math.acos(0.8) * 180) / Math.PI, freqHz: 50 };

/** Monotonic simulated time the chips follow; UTC is START_UTC + monotonic. */
export class TestTime {
  t = 0;
  nowMs(): number {
    return this.t;
  }
  nowUtcMs(): number {
    return START_UTC + this.t;
  }
  setUtcMs(): void {}
  readonly valid = true;
}

export const CS = 5;

export function e32Rig(events: LoadEvent[] = [], base: PhaseLoad | PhaseLoad[] = NOMINAL) {
  const time = new TestTime();
  const scenario = new LoadScenario(base, events, 3);
  const bus = new SimSpiBus();
  const chip = new SimAtm90e32({ scenario, clock: time });
  bus.attach(CS, chip);
  const driver = (extra: Partial<Atm90e32Options> = {}) => new Atm90e32({ sensor: { io: bus.io, select: CS, hz: 1_000_000, mode: 3 }, ...extra });
  return { time, scenario, bus, chip, driver };
}

export function adeRig(events: LoadEvent[] = [], base: PhaseLoad | PhaseLoad[] = NOMINAL, channelB: number | "neutral" = "neutral") {
  const time = new TestTime();
  const scenario = new LoadScenario(base, events, Array.isArray(base) ? base.length : 1);
  const bus = new SimSpiBus();
  const chip = new SimAde7953({ scenario, clock: time, channelB });
  bus.attach(CS, chip);
  const driver = (extra: Partial<Ade7953Options> = {}) => new Ade7953({ sensor: { io: bus.io, select: CS, hz: 1_000_000, mode: 0 }, ...extra });
  return { time, scenario, bus, chip, driver };
}
