/**
 * What metrology produces for its consumers each tick: cumulative-energy
 * deltas. The producer owns the type; the tariff engine (the consumer)
 * imports it from here, so metrology knows no tariff.
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
