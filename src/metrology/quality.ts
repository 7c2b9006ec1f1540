import type { EventSink } from "../events.js";
import type { EnergySample } from "../../hal/energy-ic.js";
import { MetrologyEvent } from "./event-codes.js";

/**
 * Supply quality from the per-tick samples: per phase the voltage band
 * (normal, under = sag, over = swell, missing = phase loss), over-current,
 * and reverse flow. A condition is recorded when it starts; its end is
 * recorded with its duration in seconds as the event value (IDIS "voltage
 * normal Lx" after an under/over/missing voltage). Resolution is one tick.
 * Counts and cumulative durations are kept for registers (number of sags,
 * time in sag, ...).
 */
export interface QualityThresholds {
  nominalVoltage: number;
  /** Sag below nominal × (1 - sagFraction); EN 50160 uses 10 %. */
  sagFraction: number;
  /** Swell above nominal × (1 + swellFraction). */
  swellFraction: number;
  /** Missing (phase loss) below nominal × missingFraction. */
  missingFraction: number;
  overCurrentA: number;
  /** Reverse flow when a phase's active power is below -reverseW. */
  reverseW: number;
}

export const DEFAULT_QUALITY: QualityThresholds = Object.freeze({
  nominalVoltage: 230,
  sagFraction: 0.1,
  swellFraction: 0.1,
  missingFraction: 0.4,
  overCurrentA: 60,
  reverseW: 5,
});

const VoltageBand = Object.freeze({ normal: 0, under: 1, over: 2, missing: 3 } as const);
export type VoltageBand = (typeof VoltageBand)[keyof typeof VoltageBand];

export interface ConditionStats {
  count: number;
  /** Completed durations, s. */
  totalS: number;
}

export class QualityMonitor {
  readonly #events: EventSink;
  #th: QualityThresholds;
  readonly band: VoltageBand[];
  /** When the phase left the normal band (the duration of "voltage normal"), and when it entered its current band. */
  readonly #leftNormal: number[];
  readonly #bandEnter: number[];
  readonly #overCurrentSince: number[];
  #reverseSince = -1;
  /** [phase][band 1..3] and [phase] over-current; [0] reverse. */
  readonly voltageStats: ConditionStats[][];
  readonly overCurrentStats: ConditionStats[];
  readonly reverseStats: ConditionStats = { count: 0, totalS: 0 };

  constructor(events: EventSink, phases: number, thresholds: QualityThresholds = DEFAULT_QUALITY) {
    this.#events = events;
    this.#th = thresholds;
    this.band = new Array<VoltageBand>(phases).fill(VoltageBand.normal);
    this.#leftNormal = new Array<number>(phases).fill(-1);
    this.#bandEnter = new Array<number>(phases).fill(-1);
    this.#overCurrentSince = new Array<number>(phases).fill(-1);
    this.voltageStats = Array.from({ length: phases }, () => [0, 0, 0, 0].map(() => ({ count: 0, totalS: 0 })));
    this.overCurrentStats = Array.from({ length: phases }, () => ({ count: 0, totalS: 0 }));
  }

  get thresholds(): QualityThresholds {
    return this.#th;
  }

  setThresholds(t: QualityThresholds): void {
    this.#th = t;
  }

  bandOf(v: number): VoltageBand {
    const t = this.#th;
    if (v < t.nominalVoltage * t.missingFraction) return VoltageBand.missing;
    if (v < t.nominalVoltage * (1 - t.sagFraction)) return VoltageBand.under;
    if (v > t.nominalVoltage * (1 + t.swellFraction)) return VoltageBand.over;
    return VoltageBand.normal;
  }

  update(nowUtc: number, s: EnergySample): void {
    const n = Math.min(this.band.length, s.phases.length);
    let reversed = 0;
    for (let p = 0; p < n; p++) {
      const ph = s.phases[p];
      this.#voltage(nowUtc, p, this.bandOf(ph.vRms));
      this.#overCurrent(nowUtc, p, ph.iRms > this.#th.overCurrentA);
      if (ph.activeW < -this.#th.reverseW) reversed |= 1 << p;
    }
    if (reversed && this.#reverseSince < 0) {
      this.#reverseSince = nowUtc;
      this.reverseStats.count++;
      this.#record(MetrologyEvent.currentReversal, nowUtc, reversed);
    } else if (!reversed && this.#reverseSince >= 0) {
      const d = seconds(nowUtc - this.#reverseSince);
      this.reverseStats.totalS += d;
      this.#reverseSince = -1;
      this.#record(MetrologyEvent.currentReversalEnd, nowUtc, d);
    }
  }

  #voltage(now: number, p: number, b: VoltageBand): void {
    const was = this.band[p];
    if (b === was) return;
    if (was !== VoltageBand.normal) this.voltageStats[p][was].totalS += seconds(now - this.#bandEnter[p]);
    else this.#leftNormal[p] = now;
    this.band[p] = b;
    this.#bandEnter[p] = now;
    if (b === VoltageBand.normal) {
      this.#record(MetrologyEvent.voltageNormal(p), now, seconds(now - this.#leftNormal[p]));
      return;
    }
    this.voltageStats[p][b].count++;
    const code = b === VoltageBand.under ? MetrologyEvent.underVoltage(p) : b === VoltageBand.over ? MetrologyEvent.overVoltage(p) : MetrologyEvent.missingVoltage(p);
    this.#record(code, now);
  }

  #overCurrent(now: number, p: number, over: boolean): void {
    const since = this.#overCurrentSince[p];
    if (over && since < 0) {
      this.#overCurrentSince[p] = now;
      this.overCurrentStats[p].count++;
      this.#record(MetrologyEvent.overCurrent(p), now);
    } else if (!over && since >= 0) {
      const d = seconds(now - since);
      this.overCurrentStats[p].totalS += d;
      this.#overCurrentSince[p] = -1;
      this.#record(MetrologyEvent.overCurrentEnd(p), now, d);
    }
  }

  #record(code: number, utcMs: number, value?: number): void {
    this.#events.record(value === undefined ? { log: "power-quality", code, utcMs } : { log: "power-quality", code, utcMs, value });
  }
}

function seconds(ms: number): number {
  return Math.max(0, Math.round(ms / 1000));
}
