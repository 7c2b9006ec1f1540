import type { MonotonicClock } from "../clock.js";

/**
 * The electrical world the simulated energy ICs measure: per-phase RMS
 * voltage, RMS current, the angle by which current lags voltage and the line
 * frequency, piecewise constant over simulated (monotonic) time. Events
 * override the base load on some phases for an interval: outages, sags and
 * swells, reverse flow, phase loss, load steps.
 *
 * The scenario also integrates itself analytically (energy()), which is the
 * reference the tests compare the whole chain (chip model, SPI, driver,
 * metrology) against. The chips integrate the same piecewise-constant
 * quantities, splitting their steps at nextChange(), so the comparison is
 * limited only by the chips' quantisation.
 */

export interface PhaseLoad {
  /** RMS voltage, V. */
  vRms: number;
  /** RMS current, A. */
  iRms: number;
  /**
   * Angle by which the current lags the voltage, degrees (0..360). 36.87 is
   * PF 0.8 lagging (import, inductive: quadrant I); 180 is pure export.
   */
  phiDeg: number;
  freqHz: number;
}

export interface LoadEvent {
  fromMs: number;
  toMs: number;
  /** Bit mask of the phases affected: bit 0 = L1. */
  phases: number;
  /** Fields replaced during the event. */
  set?: Partial<PhaseLoad>;
  /** Multiplies the voltage (sags and swells). */
  vFactor?: number;
}

/** Energy of an interval, by phase (index 0..n-1) and summed over phases. */
export interface AnalyticEnergy {
  importWh: number[];
  exportWh: number[];
  /** Reactive energy by quadrant (0 = QI .. 3 = QIV), per phase, varh. */
  quadrantVarh: number[][];
  apparentVAh: number[];
  totalImportWh: number;
  totalExportWh: number;
  totalQuadrantVarh: number[];
  totalApparentVAh: number;
}

const RAD = Math.PI / 180;

/** Supply below this on every phase means the meter (powered from the mains) is off. */
const SUPPLY_MIN_V = 40;

export class LoadScenario {
  readonly phases: number;
  readonly #base: PhaseLoad[];
  readonly #events: LoadEvent[];
  /** Sorted instants at which anything changes. */
  readonly #edges: number[];

  constructor(base: PhaseLoad | PhaseLoad[], events: LoadEvent[] = [], phases = Array.isArray(base) ? base.length : 3) {
    this.phases = phases;
    this.#base = [];
    for (let p = 0; p < phases; p++) this.#base.push({ ...(Array.isArray(base) ? base[p] : base) });
    this.#events = events.slice();
    const edges: number[] = [];
    for (const e of events) edges.push(e.fromMs, e.toMs);
    edges.sort((a, b) => a - b);
    this.#edges = edges.filter((t, i) => i === 0 || t !== edges[i - 1]);
  }

  /** Standard events. */
  static outage(fromMs: number, toMs: number, phases = 7): LoadEvent {
    return { fromMs, toMs, phases, set: { vRms: 0, iRms: 0 } };
  }
  static phaseLoss(phase: number, fromMs: number, toMs: number): LoadEvent {
    return { fromMs, toMs, phases: 1 << phase, set: { vRms: 0, iRms: 0 } };
  }
  static voltage(phase: number, fromMs: number, toMs: number, factor: number): LoadEvent {
    return { fromMs, toMs, phases: 1 << phase, vFactor: factor };
  }
  static reverse(phases: number, fromMs: number, toMs: number, phiDeg = 180): LoadEvent {
    return { fromMs, toMs, phases, set: { phiDeg } };
  }

  /** The load of one phase at t (monotonic ms), written into `out` to avoid allocation in the chip loop. */
  at(tMs: number, phase: number, out: PhaseLoad = { vRms: 0, iRms: 0, phiDeg: 0, freqHz: 50 }): PhaseLoad {
    const b = this.#base[phase];
    out.vRms = b.vRms;
    out.iRms = b.iRms;
    out.phiDeg = b.phiDeg;
    out.freqHz = b.freqHz;
    const bit = 1 << phase;
    for (const e of this.#events) {
      if (tMs < e.fromMs || tMs >= e.toMs || (e.phases & bit) === 0) continue;
      if (e.set) {
        if (e.set.vRms !== undefined) out.vRms = e.set.vRms;
        if (e.set.iRms !== undefined) out.iRms = e.set.iRms;
        if (e.set.phiDeg !== undefined) out.phiDeg = e.set.phiDeg;
        if (e.set.freqHz !== undefined) out.freqHz = e.set.freqHz;
      }
      if (e.vFactor !== undefined) out.vRms *= e.vFactor;
    }
    return out;
  }

  /** True while any phase carries enough voltage to power the meter. */
  supplyOn(tMs: number): boolean {
    const s: PhaseLoad = { vRms: 0, iRms: 0, phiDeg: 0, freqHz: 50 };
    for (let p = 0; p < this.phases; p++) if (this.at(tMs, p, s).vRms >= SUPPLY_MIN_V) return true;
    return false;
  }

  /** First instant after t at which the load changes (Infinity if none). */
  nextChange(tMs: number): number {
    for (const e of this.#edges) if (e > tMs) return e;
    return Infinity;
  }

  /** Instants in (fromMs, toMs) at which the supply goes off or comes back. */
  supplyEdges(fromMs: number, toMs: number): { atMs: number; on: boolean }[] {
    const out: { atMs: number; on: boolean }[] = [];
    let on = this.supplyOn(fromMs);
    for (const e of this.#edges) {
      if (e <= fromMs || e >= toMs) continue;
      const now = this.supplyOn(e);
      if (now !== on) out.push({ atMs: e, on: now });
      on = now;
    }
    return out;
  }

  /** Exact energy over [fromMs, toMs) of the piecewise-constant load. */
  energy(fromMs: number, toMs: number): AnalyticEnergy {
    const n = this.phases;
    const r: AnalyticEnergy = {
      importWh: new Array<number>(n).fill(0),
      exportWh: new Array<number>(n).fill(0),
      quadrantVarh: Array.from({ length: n }, () => [0, 0, 0, 0]),
      apparentVAh: new Array<number>(n).fill(0),
      totalImportWh: 0,
      totalExportWh: 0,
      totalQuadrantVarh: [0, 0, 0, 0],
      totalApparentVAh: 0,
    };
    const s: PhaseLoad = { vRms: 0, iRms: 0, phiDeg: 0, freqHz: 50 };
    let t = fromMs;
    while (t < toMs) {
      const end = Math.min(toMs, this.nextChange(t));
      const h = (end - t) / 3600000;
      let pSum = 0;
      let qSum = 0;
      for (let p = 0; p < n; p++) {
        this.at(t, p, s);
        const sVA = s.vRms * s.iRms;
        const pW = sVA * Math.cos(s.phiDeg * RAD);
        const qVar = sVA * Math.sin(s.phiDeg * RAD);
        pSum += pW;
        qSum += qVar;
        if (pW >= 0) r.importWh[p] += pW * h;
        else r.exportWh[p] -= pW * h;
        r.quadrantVarh[p][quadrant(pW, qVar)] += Math.abs(qVar) * h;
        r.apparentVAh[p] += sVA * h;
        r.totalApparentVAh += sVA * h;
      }
      // Totals as a polyphase meter sums them: the vector sum of the phases.
      if (pSum >= 0) r.totalImportWh += pSum * h;
      else r.totalExportWh -= pSum * h;
      r.totalQuadrantVarh[quadrant(pSum, qSum)] += Math.abs(qSum) * h;
      t = end;
    }
    return r;
  }
}

/** Quadrant index 0..3 (I..IV) of a (P, Q) pair: I import inductive, II export capacitive... as IEC 62053-23. */
function quadrant(p: number, q: number): number {
  if (p >= 0) return q >= 0 ? 0 : 3;
  return q >= 0 ? 1 : 2;
}

/**
 * A chip's walk along the scenario: from its last instant to now, split at
 * load changes and supply edges, powering up (a chip reset) whenever the
 * supply returns. At the very instant the supply goes, the chip still runs
 * on its decoupling (the power-fail handler reads it then); it is off once
 * time moves past the edge.
 */
class SupplyWalk {
  /** The instant up to which the chip has integrated. */
  t: number;
  powered: boolean;

  constructor(
    private readonly scenario: LoadScenario,
    t: number,
  ) {
    this.t = t;
    this.powered = scenario.supplyOn(t);
  }

  advance(now: number, powerUp: () => void, integrate: (ms: number) => void): void {
    const sc = this.scenario;
    while (this.t < now) {
      const end = Math.min(now, sc.nextChange(this.t));
      const on = sc.supplyOn(this.t);
      if (on && !this.powered) powerUp();
      this.powered = on;
      if (on) integrate(end - this.t);
      this.t = end;
    }
    if (sc.supplyOn(now) && !this.powered) {
      powerUp();
      this.powered = true;
    }
  }
}

/** What each chip model counts of the accesses it saw, for tests. */
export interface SimChipCounts {
  reads: number;
  writes: number;
  rejectedWrites: number;
  resets: number;
  powerCycles: number;
}

/**
 * What every energy-IC chip model shares around its own registers: the SPI
 * limits it accepts, its walk along the scenario (integrating while powered,
 * a power-on reset when the supply returns) and its access counts. Each model
 * keeps its own register file and map (deliberately independent of its
 * driver's, both checked against ../shared/docs/energy-ic/registers.json);
 * it calls reset() at the end of its constructor, once its registers exist.
 */
export abstract class SimEnergyChip<C extends SimChipCounts> {
  readonly maxHz: number;
  readonly modes: readonly number[];
  readonly counts: C;
  protected readonly scenario: LoadScenario;
  protected readonly clock: MonotonicClock;
  protected readonly supply: SupplyWalk;
  /** Scratch for scenario.at(): no allocation per register access. */
  protected readonly load: PhaseLoad = { vRms: 0, iRms: 0, phiDeg: 0, freqHz: 50 };
  // Bound once: advance() runs on every register access.
  readonly #powerUp = (): void => {
    this.reset();
    this.counts.powerCycles++;
  };
  readonly #integrateMs = (ms: number): void => this.integrate(ms);

  protected constructor(o: { scenario: LoadScenario; clock: MonotonicClock; modes?: readonly number[]; maxHz?: number }, maxHz: number, counts: C) {
    this.scenario = o.scenario;
    this.clock = o.clock;
    this.modes = o.modes ?? [0, 3];
    this.maxHz = o.maxHz ?? maxHz;
    this.counts = counts;
    this.supply = new SupplyWalk(o.scenario, o.clock.nowMs());
  }

  get powered(): boolean {
    return this.supply.powered;
  }

  /** Brings the chip up to the clock's now: integrates, and resets at each return of the supply. */
  advance(): void {
    this.supply.advance(this.clock.nowMs(), this.#powerUp, this.#integrateMs);
  }

  /** The chip's power-on register state. */
  protected abstract reset(): void;
  /** Accumulates dtMs of metering at the scenario's load into the energy registers. */
  protected abstract integrate(dtMs: number): void;
}
