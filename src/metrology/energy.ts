import { Qty } from "./accumulators.js";
import { frozen } from "../util/frozen.js";

/**
 * What metrology produces for its consumers: cumulative-energy deltas each
 * tick (the producer owns the type; the tariff engine, the consumer, imports
 * it from here, so metrology knows no tariff), and which accumulator
 * quantities make up each energy register.
 */

/** Energy since the previous tick, in Wh / varh (non-negative). */
export interface EnergyDeltas {
  importActive: number;
  exportActive: number;
  importReactive: number;
  exportReactive: number;
}

/**
 * What metrology gives the tariff engine each tick: cumulative-energy deltas
 * over (previous tick, now]. The metrology service implements it.
 */
export interface EnergyFeed {
  /** Deltas since the last call. */
  take(): EnergyDeltas;
}

/**
 * The accumulator quantities each energy register sums, by OBIS C of
 * 1.0.c.8.0.255 (per phase c + 20 / 40 / 60): 1 +A, 2 -A, 3 +R (QI+QII),
 * 4 -R (QIII+QIV), 5..8 QI..QIV, 9 apparent. The one place of these sums:
 * the COSEM registers and the profiles' capture sources both read them
 * through MetrologyService.registerEnergy.
 */
export const ENERGY_REGISTER_QUANTITIES: Readonly<Record<number, readonly Qty[]>> = frozen({
  1: [Qty.importActive],
  2: [Qty.exportActive],
  3: [Qty.reactiveQ1, Qty.reactiveQ2],
  4: [Qty.reactiveQ3, Qty.reactiveQ4],
  5: [Qty.reactiveQ1],
  6: [Qty.reactiveQ2],
  7: [Qty.reactiveQ3],
  8: [Qty.reactiveQ4],
  9: [Qty.apparent],
});
