import type { EnergyDelta } from "../../hal/energy-ic.js";

/**
 * The billing energy registers: per scope (0 = all phases, 1..3 = L1..L3)
 * active import, active export, reactive energy by quadrant I..IV and
 * apparent energy, in Wh / varh / VAh. Values are kept modulo the register
 * capacity (a meter register rolls over to zero like a mechanical counter;
 * IEC 62053 asks only that it last long enough at maximum power), and every
 * tick also adds to `sincePersist`, so the persistence policy and the tariff
 * feed see increments, never differences that a roll-over would break.
 */
export const Qty = Object.freeze({
  importActive: 0,
  exportActive: 1,
  reactiveQ1: 2,
  reactiveQ2: 3,
  reactiveQ3: 4,
  reactiveQ4: 5,
  apparent: 6,
} as const);
export type Qty = (typeof Qty)[keyof typeof Qty];

export const QTY_COUNT = 7;
export const SCOPES = 4;

/** Default capacity: 10^9 Wh (a 6+3-digit kWh register: 999 999.999 kWh). */
const DEFAULT_CAPACITY_WH = 1e9;

export class EnergyAccumulators {
  /** [scope * QTY_COUNT + qty]. */
  declare readonly values: Float64Array<ArrayBuffer>;
  /** Increments not yet persisted (same layout). */
  declare readonly sincePersist: Float64Array<ArrayBuffer>;
  /** Increments not yet handed to the tariff engine (total scope only): +A, -A, +R, -R. */
  declare readonly feed: Float64Array<ArrayBuffer>;
  declare readonly capacityWh: number;

  constructor(capacityWh = DEFAULT_CAPACITY_WH) {
    this.values = new Float64Array(SCOPES * QTY_COUNT);
    this.sincePersist = new Float64Array(SCOPES * QTY_COUNT);
    this.feed = new Float64Array(4);
    this.capacityWh = capacityWh;
  }

  value(scope: number, qty: Qty): number {
    return this.values[scope * QTY_COUNT + qty];
  }

  /**
   * Adds one tick's energy of a scope. The reactive energy goes to the
   * quadrant given by the direction of the active energy in the same tick
   * (IEC 62053-23 quadrants: I import/inductive, II export/inductive, III
   * export/capacitive, IV import/capacitive).
   */
  add(scope: number, d: EnergyDelta): void {
    const importing = d.importWh >= d.exportWh;
    this.inc(scope, Qty.importActive, d.importWh);
    this.inc(scope, Qty.exportActive, d.exportWh);
    this.inc(scope, importing ? Qty.reactiveQ1 : Qty.reactiveQ2, d.reactivePosVarh);
    this.inc(scope, importing ? Qty.reactiveQ4 : Qty.reactiveQ3, d.reactiveNegVarh);
    this.inc(scope, Qty.apparent, d.apparentVAh);
    if (scope === 0) {
      this.feed[0] += d.importWh;
      this.feed[1] += d.exportWh;
      // Tariff reactive import = QI + QII (1.0.3.8), export = QIII + QIV (1.0.4.8).
      this.feed[2] += d.reactivePosVarh;
      this.feed[3] += d.reactiveNegVarh;
    }
  }

  /** The largest increment not yet persisted, over all registers. */
  unpersisted(): number {
    let m = 0;
    for (let i = 0; i < this.sincePersist.length; i++) if (this.sincePersist[i] > m) m = this.sincePersist[i];
    return m;
  }

  markPersisted(): void {
    this.sincePersist.fill(0);
  }

  private inc(scope: number, qty: Qty, amount: number): void {
    if (!(amount > 0)) return;
    const i = scope * QTY_COUNT + qty;
    let v = this.values[i] + amount;
    if (v >= this.capacityWh) v -= this.capacityWh;
    this.values[i] = v;
    this.sincePersist[i] += amount;
  }
}
