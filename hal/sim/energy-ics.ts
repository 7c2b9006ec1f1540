/**
 * The register-level chip model of every energy IC the firmware has a driver
 * for, by the driver's `type`: what the sim board, the simulator and the
 * tests put behind the simulated SPI bus for a board's `energyIc.driver`.
 * `satisfies Record<EnergyIcType, ...>` makes the typecheck fail for an IC
 * name (hal/energy-ic.ts) without a model.
 */
import type { MonotonicClock } from "../clock.js";
import type { EnergyIcType } from "../energy-ic.js";
import { SimAde7953 } from "./ade7953.js";
import { SimAtm90e32 } from "./atm90e32.js";
import type { LoadScenario } from "./load-scenario.js";
import type { SimSpiChip } from "./spi-bus.js";

/** A chip model as the board and the tests see it, whatever the IC. */
export interface SimEnergyChip extends SimSpiChip {
  /** False while the scenario's supply is off (the chip is unpowered). */
  readonly powered: boolean;
  /** Register accesses and resets, for tests. */
  readonly counts: { readonly reads: number; readonly writes: number; readonly rejectedWrites: number; readonly resets: number; readonly powerCycles: number };
}

export interface SimEnergyChipOptions {
  /** The load the chip measures (a three-phase scenario; a one-phase IC measures its first phase). */
  scenario: LoadScenario;
  clock: MonotonicClock;
}

const SIM_ENERGY_ICS = Object.freeze({
  atm90e32: (o: SimEnergyChipOptions): SimEnergyChip => new SimAtm90e32(o),
  ade7953: (o: SimEnergyChipOptions): SimEnergyChip => new SimAde7953(o),
} satisfies Record<EnergyIcType, (o: SimEnergyChipOptions) => SimEnergyChip>);

/** The chip model of `type`. */
export function simEnergyChip(type: EnergyIcType, options: SimEnergyChipOptions): SimEnergyChip {
  const model = (SIM_ENERGY_ICS as Readonly<Record<string, (o: SimEnergyChipOptions) => SimEnergyChip>>)[type];
  if (!model) throw new Error(`no chip model for energy IC "${type}" (hal/sim/energy-ics.ts)`);
  return model(options);
}
