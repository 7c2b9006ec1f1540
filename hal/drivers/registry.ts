/**
 * The energy ICs the firmware can drive, by the name a board's data gives
 * (`Board.energyIc.type`). The composition root (boards/moddable-meter.ts)
 * looks a board's IC up here, so a board with a known IC is data only, and a
 * new IC is its driver, its chip model (hal/sim/energy-ics.ts, which the
 * typecheck requires for every name here) and one entry below.
 *
 * Frozen: Moddable preloads this module, and a preloaded table must not be
 * written at run time.
 */
import type { Delay } from "../delay.js";
import type { EnergyIc, PhaseCalibration } from "../energy-ic.js";
import type { SpiSensorOptions } from "../spi-device.js";
import { Ade7953 } from "./ade7953.js";
import { ATM90E32_RESET_WAIT_MS, Atm90e32, defaultAtm90e32Calibration } from "./atm90e32.js";
import { defaultAde7953Calibration } from "./ade7953.js";

/** What a board hands an energy-IC driver: its bus (ECMA-419 `{sensor: {io, select, hz, mode}}`) and a blocking wait for the chip's reset times. */
export interface EnergyIcPorts {
  sensor: SpiSensorOptions;
  delay: Delay;
}

export interface EnergyIcDriver {
  /** Opens the IC on its bus and starts it; throws when the chip does not answer. */
  open(ports: EnergyIcPorts): EnergyIc;
  /** The calibration the meter starts from until one is stored (per phase or channel). */
  defaultCalibration(): PhaseCalibration[];
  /** How long open() waits (through the delay port) on a chip found at its power-on defaults, ms. */
  readonly startWaitMs: number;
}

export const ENERGY_IC_DRIVERS = Object.freeze({
  atm90e32: Object.freeze({ open: (ports: EnergyIcPorts): EnergyIc => new Atm90e32(ports), defaultCalibration: defaultAtm90e32Calibration, startWaitMs: ATM90E32_RESET_WAIT_MS }),
  ade7953: Object.freeze({ open: (ports: EnergyIcPorts): EnergyIc => new Ade7953(ports), defaultCalibration: defaultAde7953Calibration, startWaitMs: 0 }),
} satisfies Record<string, EnergyIcDriver>);

/** The name of an energy IC a board may name. */
export type EnergyIcType = keyof typeof ENERGY_IC_DRIVERS;

/** The driver of `type`; a board naming an IC nobody registered fails here, before any bus is opened. */
export function energyIcDriver(type: string): EnergyIcDriver {
  const driver = (ENERGY_IC_DRIVERS as Readonly<Record<string, EnergyIcDriver>>)[type];
  if (!driver) throw new Error(`no energy-IC driver "${type}" (hal/drivers/registry.ts has ${Object.keys(ENERGY_IC_DRIVERS).join(", ")})`);
  return driver;
}
