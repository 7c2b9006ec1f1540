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

/** Per phase in QualityMonitor.times: when it left the normal band, when it entered its band, since when over-current (-1: not). */
const LEFT_NORMAL = 0;
const BAND_ENTER = 1;
const OVER_CURRENT_SINCE = 2;
const TIMES = 3;
/** Per phase in QualityMonitor.stats: [band 0..3] then over-current, each {count, totalS}; the reverse stats after the phases. */
const OVER_CURRENT = 4;
const STATS = 5;

/**
 * Power quality per phase. Its state is two typed arrays and a band per
 * phase, not objects and arrays per phase and condition (RAM on XS, issue
 * 13); the statistics are built as objects when read.
 */
export class QualityMonitor {
  private declare readonly events: EventSink;
  private declare th: QualityThresholds;
  private declare readonly band: Uint8Array;
  private declare readonly times: Float64Array;
  /** [(phase * STATS + condition) * 2] count, [+1] totalS; the reverse stats at [phases * STATS * 2]. */
  private declare readonly stats: Float64Array;
  private declare reverseSince: number;

  constructor(events: EventSink, phases: number, thresholds: QualityThresholds = DEFAULT_QUALITY) {
    this.reverseSince = -1;
    this.events = events;
    this.th = thresholds;
    this.band = new Uint8Array(phases);
    this.times = new Float64Array(phases * TIMES).fill(-1);
    this.stats = new Float64Array((phases * STATS + 1) * 2);
  }

  get thresholds(): QualityThresholds {
    return this.th;
  }

  setThresholds(t: QualityThresholds): void {
    this.th = t;
  }

  /** [phase][band 1..3] (band 0 unused): how often and how long each phase was out of the normal band. */
  get voltageStats(): ConditionStats[][] {
    const out: ConditionStats[][] = [];
    for (let p = 0; p < this.band.length; p++) out.push([0, 1, 2, 3].map((b) => this.stat(p * STATS + b)));
    return out;
  }

  /** [phase]: over-current. */
  get overCurrentStats(): ConditionStats[] {
    const out: ConditionStats[] = [];
    for (let p = 0; p < this.band.length; p++) out.push(this.stat(p * STATS + OVER_CURRENT));
    return out;
  }

  get reverseStats(): ConditionStats {
    return this.stat(this.band.length * STATS);
  }

  private stat(at: number): ConditionStats {
    return { count: this.stats[at * 2], totalS: this.stats[at * 2 + 1] };
  }

  bandOf(v: number): VoltageBand {
    const t = this.th;
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
      this.voltage(nowUtc, p, this.bandOf(ph.vRms));
      this.overCurrent(nowUtc, p, ph.iRms > this.th.overCurrentA);
      if (ph.activeW < -this.th.reverseW) reversed |= 1 << p;
    }
    const reverse = this.band.length * STATS * 2;
    if (reversed && this.reverseSince < 0) {
      this.reverseSince = nowUtc;
      this.stats[reverse]++;
      this.record(MetrologyEvent.currentReversal, nowUtc, reversed);
    } else if (!reversed && this.reverseSince >= 0) {
      const d = seconds(nowUtc - this.reverseSince);
      this.stats[reverse + 1] += d;
      this.reverseSince = -1;
      this.record(MetrologyEvent.currentReversalEnd, nowUtc, d);
    }
  }

  private voltage(now: number, p: number, b: VoltageBand): void {
    const was = this.band[p] as VoltageBand;
    if (b === was) return;
    const t = this.times;
    if (was !== VoltageBand.normal) this.stats[(p * STATS + was) * 2 + 1] += seconds(now - t[p * TIMES + BAND_ENTER]);
    else t[p * TIMES + LEFT_NORMAL] = now;
    this.band[p] = b;
    t[p * TIMES + BAND_ENTER] = now;
    if (b === VoltageBand.normal) {
      this.record(MetrologyEvent.voltageNormal(p), now, seconds(now - t[p * TIMES + LEFT_NORMAL]));
      return;
    }
    this.stats[(p * STATS + b) * 2]++;
    const code = b === VoltageBand.under ? MetrologyEvent.underVoltage(p) : b === VoltageBand.over ? MetrologyEvent.overVoltage(p) : MetrologyEvent.missingVoltage(p);
    this.record(code, now);
  }

  private overCurrent(now: number, p: number, over: boolean): void {
    const at = p * TIMES + OVER_CURRENT_SINCE;
    const since = this.times[at];
    const stat = (p * STATS + OVER_CURRENT) * 2;
    if (over && since < 0) {
      this.times[at] = now;
      this.stats[stat]++;
      this.record(MetrologyEvent.overCurrent(p), now);
    } else if (!over && since >= 0) {
      const d = seconds(now - since);
      this.stats[stat + 1] += d;
      this.times[at] = -1;
      this.record(MetrologyEvent.overCurrentEnd(p), now, d);
    }
  }

  private record(code: number, utcMs: number, value?: number): void {
    this.events.record(value === undefined ? { log: "power-quality", code, utcMs } : { log: "power-quality", code, utcMs, value });
  }
}

function seconds(ms: number): number {
  return Math.max(0, Math.round(ms / 1000));
}
