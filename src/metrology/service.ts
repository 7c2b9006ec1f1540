import type { Rtc } from "../../hal/clock.js";
import type { DigitalIn } from "../../hal/digital.js";
import type { SystemPort } from "../../hal/system.js";
import type { EventLogId, EventSink } from "../events.js";
import type { KeyValueStore } from "../persistence.js";
import { ENERGY_REGISTER_QUANTITIES, type EnergyDeltas, type EnergyFeed } from "./energy.js";
import { EnergyAccumulators, QTY_COUNT, SCOPES, type Qty } from "./accumulators.js";
import { DemandMeter } from "./demand.js";
import { CALIBRATION_FIELDS, IcFlag, type CalibrationField, type EnergyIc, type EnergySample, type PhaseCalibration } from "../../hal/energy-ic.js";
import { MetrologyEvent } from "./event-codes.js";
import { DEFAULT_QUALITY, QualityMonitor, type QualityThresholds } from "./quality.js";
import { frozen } from "../util/frozen.js";

/**
 * The metrology service: one tick samples the energy IC, adds the energy to
 * the billing accumulators, updates instantaneous values, their averages,
 * demand and supply quality, and persists when the policy says so.
 *
 * Persistence and what a power cut can cost:
 * - the accumulators are persisted (one KeyValueStore record, "mtr.energy")
 *   when any register has gained `persistEnergyWh` since the last write, when
 *   `persistPeriodMs` has passed, and on the power-fail signal; the power-fail
 *   handler first drains the IC (a last tick), so with the signal nothing is
 *   lost beyond the IC's internal fraction of one LSB per register;
 * - without the signal a cut loses at most what was not persisted: less than
 *   persistEnergyWh per register plus one tick's energy still in the IC;
 * - nothing is ever counted twice: energy leaves the IC by read-clear or a
 *   modular difference exactly once (the driver's job), is added to RAM once,
 *   and a restart resumes from the persisted values, which never include
 *   energy that the IC still holds.
 */
export interface MetrologyConfig {
  quality: QualityThresholds;
  persistEnergyWh: number;
  persistPeriodMs: number;
  capacityWh: number;
  /** Averages of the instantaneous values over this period (aligned to the clock). */
  averagePeriodMs: number;
  demandPeriodS: number;
  demandPeriods: number;
}

const DEFAULT_METROLOGY: MetrologyConfig = Object.freeze({
  quality: DEFAULT_QUALITY,
  persistEnergyWh: 100,
  persistPeriodMs: 15 * 60000,
  capacityWh: 1e9,
  averagePeriodMs: 60000,
  demandPeriodS: 900,
  demandPeriods: 1,
});

export interface TamperInputs {
  terminalCover?: DigitalIn;
  meterCover?: DigitalIn;
  magneticField?: DigitalIn;
}

export interface MetrologyDeps {
  ic: EnergyIc;
  store: KeyValueStore;
  events: EventSink;
  rtc: Pick<Rtc, "nowUtcMs">;
  system?: SystemPort;
  tamper?: TamperInputs;
  /** The IC's calibration when none is stored yet (the driver's defaults, or factory values). */
  defaultCalibration: readonly PhaseCalibration[];
  config?: Partial<MetrologyConfig>;
}

export const ENERGY_KEY = "mtr.energy";
export const CALIBRATION_KEY = "mtr.cal";
const STATE_VERSION = 1;
const HEADER = 16;
const STATE_BYTES = HEADER + SCOPES * QTY_COUNT * 8;
const FLAG_POWERED_DOWN = 1;

/** The persisted record "mtr.energy". */
export interface EnergyState {
  /** [scope * 7 + qty], see accumulators.ts. */
  values: Float64Array;
  poweredDown: boolean;
  powerDownUtc: number;
  tamperBits: number;
}

/** version u8, flags u8, tamper u8, 5 reserved, power-down UTC f64, 28 × f64 registers (big-endian). */
export function encodeEnergyState(s: EnergyState): Uint8Array {
  const b = new Uint8Array(STATE_BYTES);
  const v = new DataView(b.buffer);
  v.setUint8(0, STATE_VERSION);
  v.setUint8(1, s.poweredDown ? FLAG_POWERED_DOWN : 0);
  v.setUint8(2, s.tamperBits);
  v.setFloat64(8, s.powerDownUtc);
  for (let i = 0; i < SCOPES * QTY_COUNT; i++) v.setFloat64(HEADER + 8 * i, s.values[i] ?? 0);
  return b;
}

/** Total: undefined for a record of another length or version, or with a value that is not a finite non-negative number. */
export function decodeEnergyState(b: Uint8Array): EnergyState | undefined {
  if (b.length !== STATE_BYTES || b[0] !== STATE_VERSION) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const values = new Float64Array(SCOPES * QTY_COUNT);
  for (let i = 0; i < values.length; i++) {
    const x = v.getFloat64(HEADER + 8 * i);
    if (!(x >= 0 && x < Infinity)) return undefined;
    values[i] = x;
  }
  return {
    values,
    poweredDown: (b[1] & FLAG_POWERED_DOWN) !== 0,
    powerDownUtc: v.getFloat64(8),
    tamperBits: b[2],
  };
}

/** Averaged quantities per phase. */
const AvgQty = Object.freeze({ voltage: 0, current: 1, active: 2, reactive: 3, apparent: 4 } as const);
export type AvgQty = (typeof AvgQty)[keyof typeof AvgQty];
const AVG_COUNT = 5;

const TAMPER: { key: keyof TamperInputs; bit: number; on: number; off: number }[] = frozen([
  { key: "terminalCover", bit: 1, on: MetrologyEvent.terminalCoverRemoved, off: MetrologyEvent.terminalCoverClosed },
  { key: "meterCover", bit: 2, on: MetrologyEvent.meterCoverRemoved, off: MetrologyEvent.meterCoverClosed },
  { key: "magneticField", bit: 4, on: MetrologyEvent.strongDcFieldDetected, off: MetrologyEvent.noStrongDcField },
]);

export class MetrologyService implements EnergyFeed {
  declare readonly config: MetrologyConfig;
  declare readonly quality: QualityMonitor;
  declare readonly demand: DemandMeter;
  private declare readonly ic: EnergyIc;
  private declare readonly store: KeyValueStore;
  private declare readonly events: EventSink;
  private declare readonly rtc: Pick<Rtc, "nowUtcMs">;
  private declare readonly acc: EnergyAccumulators;
  private declare cal: PhaseCalibration[];
  private declare last: EnergySample | undefined;
  private declare lastPersistUtc: number;
  private declare tamperBits: number;
  private declare configErrorActive: boolean;
  /** Running and last completed averages: [phase * AVG_COUNT + qty]. */
  private declare readonly avgSum: Float64Array;
  private declare avgCount: number;
  private declare avgStart: number;
  declare readonly lastAverages: Float64Array;
  /** Number of persistence writes, for tests and the bench. */
  declare persistCount: number;

  constructor(deps: MetrologyDeps) {
    this.tamperBits = 0;
    this.configErrorActive = false;
    this.avgCount = 0;
    this.persistCount = 0;
    this.config = { ...DEFAULT_METROLOGY, ...deps.config };
    this.ic = deps.ic;
    this.store = deps.store;
    this.events = deps.events;
    this.rtc = deps.rtc;
    const now = deps.rtc.nowUtcMs();
    this.acc = new EnergyAccumulators(this.config.capacityWh);
    this.quality = new QualityMonitor(deps.events, deps.ic.phaseCount, this.config.quality);
    this.demand = new DemandMeter(now, this.config.demandPeriodS, this.config.demandPeriods);
    this.avgSum = new Float64Array(deps.ic.phaseCount * AVG_COUNT);
    this.lastAverages = new Float64Array(deps.ic.phaseCount * AVG_COUNT);
    this.avgStart = now - (now % this.config.averagePeriodMs);
    this.cal = this.loadCalibration(deps.defaultCalibration);
    if (!this.ic.configure(this.cal)) this.record("standard", MetrologyEvent.measurementSystemError, now);
    this.restore(now);
    this.lastPersistUtc = now;
    this.watchTamper(deps.tamper, now);
    deps.system?.onPowerFail(() => this.powerFail());
  }

  /** One metrology tick: sample, accumulate, quality, averages, demand, persistence. */
  tick(): EnergySample {
    const now = this.rtc.nowUtcMs();
    const s = this.ic.sample();
    this.last = s;
    const acc = this.acc;
    acc.add(0, s.total);
    for (let p = 0; p < s.energy.length && p < SCOPES - 1; p++) acc.add(p + 1, s.energy[p]);
    this.demand.update(now, s.total.importWh);
    this.quality.update(now, s);
    this.updateAverages(now, s);
    this.icFlags(now, s.flags);
    // A clock set back would hold the period check off until time catches up: restart the period instead.
    if (now < this.lastPersistUtc) this.lastPersistUtc = now;
    if (acc.unpersisted() >= this.config.persistEnergyWh || now - this.lastPersistUtc >= this.config.persistPeriodMs) this.persist(now);
    return s;
  }

  /**
   * The power-fail signal: drain the IC's energy registers only (no RMS or
   * status reads), persist, record the power down. Must finish within the
   * supply's hold-up time; its cost is the bench's metrology.powerfail.*.
   */
  powerFail(): void {
    const now = this.rtc.nowUtcMs();
    const d = this.ic.drain();
    this.acc.add(0, d.total);
    for (let p = 0; p < d.energy.length && p < SCOPES - 1; p++) this.acc.add(p + 1, d.energy[p]);
    this.demand.update(now, d.total.importWh);
    this.persist(now, true, now);
    this.record("power-failure", MetrologyEvent.powerDown, now);
  }

  /** Writes the accumulators (and the power-down mark) as one record. */
  persist(now = this.rtc.nowUtcMs(), poweredDown = false, powerDownUtc = 0): void {
    const state: EnergyState = {
      values: this.acc.values,
      poweredDown,
      powerDownUtc,
      tamperBits: this.tamperBits,
    };
    this.store.put(ENERGY_KEY, encodeEnergyState(state));
    this.acc.markPersisted();
    this.lastPersistUtc = now;
    this.persistCount++;
  }

  /** Register value, Wh / varh / VAh (modulo the register capacity). Scope 0 = all phases, 1..3 = L1..L3. */
  energy(scope: number, qty: Qty): number {
    return this.acc.value(scope, qty);
  }

  /**
   * Energy register 1.0.c.8 of a scope (ENERGY_REGISTER_QUANTITIES): the sum of its quantities,
   * rolling over at the register capacity as each quantity does; 0 for an unknown c.
   */
  registerEnergy(scope: number, c: number): number {
    const qty = ENERGY_REGISTER_QUANTITIES[c];
    if (!qty) return 0;
    let wh = 0;
    for (let i = 0; i < qty.length; i++) {
      const q = qty[i];
      wh += this.acc.value(scope, q);
    }
    return wh % this.config.capacityWh;
  }

  /** EnergyFeed for the tariff engine: increments since the previous call. */
  take(): EnergyDeltas {
    const f = this.acc.feed;
    const d = { importActive: f[0], exportActive: f[1], importReactive: f[2], exportReactive: f[3] };
    f.fill(0);
    return d;
  }

  /** The last sample (instantaneous values), undefined before the first tick. */
  get instantaneous(): EnergySample | undefined {
    return this.last;
  }

  /** Average of a quantity of a phase over the last completed averaging period. */
  average(phase: number, qty: AvgQty): number {
    return this.lastAverages[phase * AVG_COUNT + qty] ?? NaN;
  }

  get phaseCount(): number {
    return this.ic.phaseCount;
  }

  calibration(phase: number, field: CalibrationField): number | undefined {
    return this.cal[phase]?.[field];
  }

  /**
   * Changes one calibration value: validated by the IC, written to it,
   * persisted, and recorded. Who may call it is decided by the COSEM access
   * rights (management only), not here.
   */
  setCalibration(phase: number, field: CalibrationField, value: number): boolean {
    if (phase < 0 || phase >= this.cal.length || !this.ic.validCalibration(field, value)) return false;
    const next = this.cal.map((c) => ({ ...c }));
    next[phase][field] = value;
    if (!this.ic.configure(next)) {
      this.ic.configure(this.cal);
      return false;
    }
    this.cal = next;
    this.store.put(CALIBRATION_KEY, encodeCalibration(next));
    this.record("standard", MetrologyEvent.calibrationChanged, this.rtc.nowUtcMs(), phase);
    return true;
  }

  private restore(now: number): void {
    const b = this.store.get(ENERGY_KEY);
    const st = b ? decodeEnergyState(b) : undefined;
    if (!st) return;
    this.acc.values.set(st.values);
    this.tamperBits = st.tamperBits;
    if (st.poweredDown) {
      this.record("power-failure", MetrologyEvent.powerUp, now, Math.max(0, Math.round((now - st.powerDownUtc) / 1000)));
      // Clear the mark now so that a second restart does not report the same outage again.
      this.persist(now);
    }
  }

  private loadCalibration(defaults: readonly PhaseCalibration[]): PhaseCalibration[] {
    const b = this.store.get(CALIBRATION_KEY);
    const decoded = b ? decodeCalibration(b) : undefined;
    return (decoded && decoded.length === defaults.length ? decoded : defaults).map((c) => ({ ...c }));
  }

  private watchTamper(inputs: TamperInputs | undefined, now: number): void {
    if (!inputs) return;
    for (let i = 0; i < TAMPER.length; i++) {
      const t = TAMPER[i];
      const pin = inputs[t.key];
      if (!pin) continue;
      // A change while the meter was off is recorded at start-up.
      this.tamper(t, pin.read(), now);
      pin.onChange?.((level) => this.tamper(t, level, this.rtc.nowUtcMs()));
    }
  }

  private tamper(t: (typeof TAMPER)[number], level: 0 | 1, now: number): void {
    const was = (this.tamperBits & t.bit) !== 0;
    if (was === (level === 1)) return;
    this.tamperBits ^= t.bit;
    this.record("fraud", level ? t.on : t.off, now);
    // Fraud evidence must survive a cut that follows the opening of the cover.
    this.persist(now);
  }

  private icFlags(now: number, flags: number): void {
    const err = (flags & IcFlag.configError) !== 0;
    if (err && !this.configErrorActive) this.record("standard", MetrologyEvent.measurementSystemError, now);
    this.configErrorActive = err;
    if (flags & IcFlag.energyOverflow) this.record("standard", MetrologyEvent.energyRegisterOverflow, now);
  }

  private updateAverages(now: number, s: EnergySample): void {
    const period = this.config.averagePeriodMs;
    if (now - this.avgStart >= period) {
      if (this.avgCount > 0) for (let i = 0; i < this.avgSum.length; i++) this.lastAverages[i] = this.avgSum[i] / this.avgCount;
      this.avgSum.fill(0);
      this.avgCount = 0;
      this.avgStart = now - (now % period);
    }
    const n = Math.min(s.phases.length, this.avgSum.length / AVG_COUNT);
    for (let p = 0; p < n; p++) {
      const ph = s.phases[p];
      const o = p * AVG_COUNT;
      this.avgSum[o] += ph.vRms;
      this.avgSum[o + 1] += ph.iRms;
      this.avgSum[o + 2] += ph.activeW;
      this.avgSum[o + 3] += ph.reactiveVar;
      this.avgSum[o + 4] += ph.apparentVA;
    }
    this.avgCount++;
  }

  private record(log: EventLogId, code: number, utcMs: number, value?: number): void {
    this.events.record(value === undefined ? { log, code, utcMs } : { log, code, utcMs, value });
  }
}

/** Calibration record: phase count, then 6 signed 32-bit values per phase in CALIBRATION_FIELDS order. */
function encodeCalibration(cal: readonly PhaseCalibration[]): Uint8Array {
  const b = new Uint8Array(1 + cal.length * CALIBRATION_FIELDS.length * 4);
  const v = new DataView(b.buffer);
  v.setUint8(0, cal.length);
  let o = 1;
  for (let i = 0; i < cal.length; i++) {
    const c = cal[i];
    for (let j = 0; j < CALIBRATION_FIELDS.length; j++) {
      v.setInt32(o, c[CALIBRATION_FIELDS[j]]);
      o += 4;
    }
  }
  return b;
}

/** Total: undefined for anything that is not a well-formed record. */
export function decodeCalibration(b: Uint8Array): PhaseCalibration[] | undefined {
  if (b.length < 1) return undefined;
  const n = b[0];
  if (n < 1 || n > 3 || b.length !== 1 + n * CALIBRATION_FIELDS.length * 4) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: PhaseCalibration[] = [];
  let o = 1;
  for (let p = 0; p < n; p++) {
    const c = {} as PhaseCalibration;
    for (let i = 0; i < CALIBRATION_FIELDS.length; i++) {
      c[CALIBRATION_FIELDS[i]] = v.getInt32(o);
      o += 4;
    }
    out.push(c);
  }
  return out;
}
