/**
 * ADE7953 single-phase energy IC driver (voltage, current channels A and B)
 * in the ECMA-419 peripheral class pattern: `new Ade7953({sensor: {io: SPI,
 * select, hz, mode}, ...})`, sample() per metrology tick, configure(),
 * close(). Only the IO class is touched: no timers.
 *
 * Register facts and sources: ../shared/docs/energy-ic/ENERGY-IC.md section 4
 * (datasheet Rev. C, ADI no-OS ade7953.c, ESPHome ade7953_base.cpp, Tasmota
 * xnrg_07_ade7953.ino).
 *
 * Start-up: energy still in the chip is drained first unless IRQSTATA shows
 * the RESET flag (a chip that just powered up holds nothing); then the
 * required 0xAD -> 0x0FE, 0x30 -> 0x120 (datasheet p.18), read back;
 * CONFIG = 0x0004 (COMM_LOCK cleared = interface locked, HPF on, as Tasmota),
 * LCYCMODE.RSTREAD per energy mode, PGAs, gains, offsets, the threshold
 * registers; RSTIRQSTATA/B are read to acknowledge the RESET flag.
 *
 * Energy modes: "read-reset" (chip default, RSTREAD = 1) returns each
 * register's count since the previous read; "accumulate" (RSTREAD = 0) keeps
 * the 24-bit signed registers running and takes modular differences, which is
 * exact as long as the driver samples faster than a register wraps
 * (2^23 LSB at the highest power: about 40 s at full scale, datasheet p.25,
 * so a 1 s tick has a 40x margin). A RESET flag seen at a sample means the
 * chip restarted, so the registers counted from zero.
 */
import type { SpiSensorOptions } from "../spi-device.js";
import { SpiEnergyIc } from "./spi-energy-ic.js";
import {
  IcFlag,
  type CalibrationField,
  type EnergyDelta,
  type EnergyIcDriver,
  type EnergyIcPorts,
  type EnergySample,
  type PhaseCalibration,
  type PhaseValues,
} from "../energy-ic.js";

export const ADE7953_REGISTERS = Object.freeze({
  LCYCMODE: 0x004,
  PGA_V: 0x007,
  PGA_IA: 0x008,
  PGA_IB: 0x009,
  UNLOCK: 0x0fe,
  CONFIG: 0x102,
  PHCALA: 0x108,
  PFA: 0x10a,
  ANGLE_A: 0x10c,
  PERIOD: 0x10e,
  R120: 0x120,
  SAGLVL: 0x200,
  AVA: 0x210,
  AWATT: 0x212,
  AVAR: 0x214,
  IRMSA: 0x21a,
  VRMS: 0x21c,
  AENERGYA: 0x21e,
  OVLVL: 0x224,
  OILVL: 0x225,
  IRQSTATA: 0x22d,
  RSTIRQSTATA: 0x22e,
  RSTIRQSTATB: 0x231,
  AIGAIN: 0x280,
  AVGAIN: 0x281,
  AWGAIN: 0x282,
  AVARGAIN: 0x283,
  AWATTOS: 0x289,
  AVAROS: 0x28a,
  BIGAIN: 0x28c,
  BWGAIN: 0x28e,
  BVARGAIN: 0x28f,
  BWATTOS: 0x295,
  BVAROS: 0x296,
} as const);
const R = ADE7953_REGISTERS;

const IRQ_RESET = 1 << 20;
const IRQ_SAG = 1 << 19;
const IRQ_OV = 1 << 16;
const IRQ_OI = 1 << 13;
const IRQ_OVERFLOW = (1 << 3) | (1 << 4) | (1 << 5);
const ADE7953_UNITY_GAIN = 0x400000;

/** The board's front end: physical units per register LSB (Shelly defaults, ESPHome ade7953_base.cpp l.11-12). */
export interface Ade7953Scale {
  vPerLsb: number;
  aPerLsb: number;
  wPerLsb: number;
  /** ESPHome: energy register / (154² / 3600) per second -> 1 / 154² Wh per LSB. */
  whPerEnergyLsb: number;
}

const SHELLY_SCALE: Ade7953Scale = Object.freeze({ vPerLsb: 1 / 26000, aPerLsb: 1 / 100000, wPerLsb: 1 / 154, whPerEnergyLsb: 1 / (154 * 154) });

export interface Ade7953Options {
  sensor: SpiSensorOptions;
  scale?: Ade7953Scale;
  energyMode?: "read-reset" | "accumulate";
  /** "neutral": channel B measures the return current (tamper check, not billed); "circuit": a second billed circuit. */
  channelB?: "neutral" | "circuit";
  nominalVoltage?: number;
  maxCurrent?: number;
  /** Per billed channel; defaults are unity gains (0x400000), no offsets. */
  calibration?: readonly PhaseCalibration[];
}

export function defaultAde7953Calibration(): PhaseCalibration[] {
  return [0, 1].map(() => ({ voltageGain: ADE7953_UNITY_GAIN, currentGain: ADE7953_UNITY_GAIN, phase: 0, powerOffset: 0, reactiveOffset: 0, powerGain: ADE7953_UNITY_GAIN }));
}

const s24 = (v: number) => (v & 0x800000 ? v - 0x1000000 : v);

export class Ade7953 extends SpiEnergyIc {
  declare readonly phaseCount: number;
  private declare readonly scale: Ade7953Scale;
  private declare readonly accumulate: boolean;
  private declare readonly neutral: boolean;
  private declare readonly nominal: number;
  private declare readonly maxCurrent: number;
  private declare cal: PhaseCalibration[];
  /** Accumulate mode: register values at the previous sample; [AE, RE, APE] × [A, B]. */
  private readonly last = new Int32Array(6);
  /** Counts drained before a reset, reported with the first sample. */
  private readonly pending = new Float64Array(6);
  /** One frame buffer per register width (1..4 data bytes): no allocation per access. */
  private readonly frames = [4, 5, 6, 7].map((n) => new Uint8Array(n));
  private readonly counts = new Float64Array(6);

  constructor(options: Ade7953Options) {
    // Datasheet: SCLK <= 5 MHz, MOSI sampled on the rising edge (Tasmota SPI_MODE0 at 1 MHz).
    super(options.sensor, { hz: 1_000_000, mode: 0 });
    this.scale = options.scale ?? SHELLY_SCALE;
    this.accumulate = options.energyMode === "accumulate";
    this.neutral = (options.channelB ?? "neutral") === "neutral";
    this.phaseCount = this.neutral ? 1 : 2;
    this.nominal = options.nominalVoltage ?? 230;
    this.maxCurrent = options.maxCurrent ?? 60;
    this.cal = (options.calibration ?? defaultAde7953Calibration()).map((c) => ({ ...c }));
    this.start(() => this.startChip());
  }

  get energyLsbWh(): number {
    return this.scale.whPerEnergyLsb;
  }

  validCalibration(field: CalibrationField, value: number): boolean {
    if (!Number.isInteger(value)) return false;
    switch (field) {
      case "voltageGain":
      case "currentGain":
      case "powerGain":
        // ESPHome accepts 0x100000..0x800000 (0.25x..2x of unity).
        return value >= 0x100000 && value <= 0x800000;
      case "phase":
        // PHCAL is sign-magnitude, range ±383 (Tasmota header: negative = |x| + 0x200).
        return value >= -383 && value <= 383;
      default:
        return value >= -0x800000 && value <= 0x7fffff;
    }
  }

  configure(calibration: readonly PhaseCalibration[]): boolean {
    if (!this.acceptsAll(calibration)) return false;
    this.cal = calibration.slice(0, 2).map((c) => ({ ...c }));
    return this.writeCalibration();
  }

  sample(): EnergySample {
    let flags = this.takeFlags();
    const irqA = this.read(R.RSTIRQSTATA, 3);
    const irqB = this.read(R.RSTIRQSTATB, 3);
    if (irqA & IRQ_RESET) {
      // Restarted behind our back: registers counted from zero, settings are gone.
      flags |= IcFlag.chipRestarted;
      this.last.fill(0);
      this.pending.fill(0);
      this.setup();
    }
    if ((irqA | irqB) & IRQ_OVERFLOW) flags |= IcFlag.energyOverflow;
    const counts = this.readEnergy();
    const a = this.channel(0);
    const phases: PhaseValues[] = [a];
    const energy: EnergyDelta[] = [this.delta(counts, 0)];
    let total = energy[0];
    const b = this.channel(1);
    if (!this.neutral) {
      phases.push(b);
      energy.push(this.delta(counts, 1));
      total = sumDelta(energy[0], energy[1]);
    }
    if (irqA & IRQ_SAG) flags |= IcFlag.sag(0);
    if (irqA & IRQ_OV) flags |= IcFlag.overVoltage(0);
    if (irqA & IRQ_OI) flags |= IcFlag.overCurrent(0);
    if (irqB & IRQ_OI) flags |= IcFlag.overCurrent(1);
    if (a.activeW < 0) flags |= IcFlag.reverse(0);
    if (!this.neutral && b.activeW < 0) flags |= IcFlag.reverse(1);
    const period = this.read(R.PERIOD, 2);
    return {
      phases,
      // f = 223.75 kHz / (PERIOD + 1) (datasheet p.36).
      frequencyHz: a.vRms > 0 && period !== 0xffff ? 223750 / (period + 1) : 0,
      neutralA: this.neutral ? b.iRms : NaN,
      energy,
      total,
      flags,
    };
  }

  drain(): { energy: EnergyDelta[]; total: EnergyDelta } {
    this.checkOpen();
    const counts = this.readEnergy();
    const energy: EnergyDelta[] = [this.delta(counts, 0)];
    if (this.neutral) return { energy, total: energy[0] };
    energy.push(this.delta(counts, 1));
    return { energy, total: sumDelta(energy[0], energy[1]) };
  }

  private startChip(): void {
    const irq = this.read(R.IRQSTATA, 3);
    if (irq === 0xffffff) throw new Error("ADE7953 not answering");
    if (!(irq & IRQ_RESET) && !this.accumulate) {
      // Firmware restart with the chip running: keep what the read-with-reset registers hold.
      const c = this.readEnergy();
      this.pending.set(c);
    }
    this.setup();
  }

  private setup(): void {
    let ok = true;
    this.write(R.UNLOCK, 0xad, 1);
    this.write(R.R120, 0x30, 2);
    ok = this.read(R.R120, 2) === 0x30 && ok;
    ok = this.set(R.CONFIG, 0x0004, 2) && ok;
    ok = this.set(R.LCYCMODE, this.accumulate ? 0x00 : 0x40, 1) && ok;
    ok = this.set(R.PGA_V, 0, 1) && ok;
    ok = this.set(R.PGA_IA, 0, 1) && ok;
    ok = this.set(R.PGA_IB, 0, 1) && ok;
    // Thresholds in register units: sag on RMS, over-voltage/current on the peak.
    ok = this.set(R.SAGLVL, Math.round((this.nominal * 0.78) / this.scale.vPerLsb), 3) && ok;
    ok = this.set(R.OVLVL, Math.min(0xffffff, Math.round((this.nominal * 1.22 * Math.SQRT2) / this.scale.vPerLsb)), 3) && ok;
    ok = this.set(R.OILVL, Math.min(0xffffff, Math.round((this.maxCurrent * Math.SQRT2) / this.scale.aPerLsb)), 3) && ok;
    ok = this.writeCalibration() && ok;
    this.read(R.RSTIRQSTATA, 3);
    this.read(R.RSTIRQSTATB, 3);
    if (this.accumulate) {
      for (let k = 0; k < 6; k++) this.last[k] = s24(this.read(R.AENERGYA + k, 3));
    }
    if (!ok) this.carryFlags(IcFlag.configError);
  }

  private writeCalibration(): boolean {
    let ok = true;
    for (let ch = 0; ch < 2; ch++) {
      const c = this.cal[ch] ?? this.cal[0];
      const base = ch === 0 ? R.AIGAIN : R.BIGAIN;
      ok = this.set(base, c.currentGain, 3) && ok;
      // BVGAIN must not be modified (datasheet table): the voltage gain is channel A's.
      if (ch === 0) ok = this.set(R.AVGAIN, c.voltageGain, 3) && ok;
      ok = this.set(ch === 0 ? R.AWGAIN : R.BWGAIN, c.powerGain, 3) && ok;
      ok = this.set(ch === 0 ? R.AVARGAIN : R.BVARGAIN, c.powerGain, 3) && ok;
      ok = this.set(ch === 0 ? R.AWATTOS : R.BWATTOS, c.powerOffset & 0xffffff, 3) && ok;
      ok = this.set(ch === 0 ? R.AVAROS : R.BVAROS, c.reactiveOffset & 0xffffff, 3) && ok;
      const ph = c.phase < 0 ? -c.phase + 0x200 : c.phase;
      ok = this.set(R.PHCALA + ch, ph, 2) && ok;
    }
    return ok;
  }

  private channel(ch: number): PhaseValues {
    const sc = this.scale;
    const v = this.read(R.VRMS, 3) * sc.vPerLsb;
    const p = s24(this.read(R.AWATT + ch, 3)) * sc.wPerLsb;
    const q = s24(this.read(R.AVAR + ch, 3)) * sc.wPerLsb;
    const s = s24(this.read(R.AVA + ch, 3)) * sc.wPerLsb;
    const pfRaw = this.read(R.PFA + ch, 2);
    const angleRaw = this.read(R.ANGLE_A + ch, 2);
    const period = this.read(R.PERIOD, 2);
    const f = period !== 0xffff ? 223750 / (period + 1) : 0;
    // ANGLE: 4.47 µs per LSB between the zero crossings (datasheet p.39).
    const angle = ((((angleRaw << 16) >> 16) * 4.47e-6 * 360 * f) % 360 + 360) % 360;
    return {
      vRms: v,
      iRms: this.read(R.IRMSA + ch, 3) * sc.aPerLsb,
      activeW: p,
      reactiveVar: q,
      apparentVA: s,
      // 2^-15 per LSB, sign of the reactive power (datasheet p.38); report it signed like P.
      powerFactor: (Math.abs((pfRaw << 16) >> 16) / 0x8000) * (p < 0 ? -1 : 1),
      angleDeg: angle,
    };
  }

  /** Energy counts since the previous sample: [AE, RE, APE] × [A, B], signed. */
  private readEnergy(): Float64Array {
    const out = this.counts;
    out.fill(0);
    for (let k = 0; k < 6; k++) {
      // The 32-bit alias (+0x100) is sign-extended by the chip (datasheet p.60).
      const raw = this.read(R.AENERGYA + 0x100 + k, 4) | 0;
      if (this.accumulate) {
        out[k] = s24((raw - this.last[k]) & 0xffffff);
        this.last[k] = raw;
      } else out[k] = raw;
      out[k] += this.pending[k];
      this.pending[k] = 0;
    }
    return out;
  }

  private delta(c: Float64Array, ch: number): EnergyDelta {
    const k = this.scale.whPerEnergyLsb;
    const ae = c[ch] * k;
    const re = c[2 + ch] * k;
    return {
      importWh: ae > 0 ? ae : 0,
      exportWh: ae < 0 ? -ae : 0,
      reactivePosVarh: re > 0 ? re : 0,
      reactiveNegVarh: re < 0 ? -re : 0,
      apparentVAh: Math.abs(c[4 + ch]) * k,
    };
  }

  private set(a: number, v: number, width: number): boolean {
    this.write(a, v, width);
    return this.read(a, width) === v;
  }

  private read(a: number, width: number): number {
    const f = this.frames[width - 1];
    f.fill(0);
    f[0] = a >> 8;
    f[1] = a & 0xff;
    f[2] = 0x80;
    this.io.transfer(f);
    let v = 0;
    for (let i = 0; i < width; i++) v = v * 256 + f[3 + i];
    return v;
  }

  private write(a: number, v: number, width: number): void {
    const f = this.frames[width - 1];
    f[0] = a >> 8;
    f[1] = a & 0xff;
    f[2] = 0x00;
    for (let i = 0; i < width; i++) f[3 + i] = (v / 2 ** (8 * (width - 1 - i))) & 0xff;
    this.io.transfer(f);
  }
}

function sumDelta(a: EnergyDelta, b: EnergyDelta): EnergyDelta {
  return {
    importWh: a.importWh + b.importWh,
    exportWh: a.exportWh + b.exportWh,
    reactivePosVarh: a.reactivePosVarh + b.reactivePosVarh,
    reactiveNegVarh: a.reactiveNegVarh + b.reactiveNegVarh,
    apparentVAh: a.apparentVAh + b.apparentVAh,
  };
}

/** This IC as a board's data names it (boards/types.ts `energyIc.driver`). */
export const ADE7953_DRIVER: EnergyIcDriver = Object.freeze({ type: "ade7953", open: (ports: EnergyIcPorts) => new Ade7953(ports), defaultCalibration: defaultAde7953Calibration, startWaitMs: 0 });
