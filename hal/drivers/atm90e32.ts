/**
 * ATM90E32AS three-phase energy IC driver in the ECMA-419 peripheral class
 * pattern: `new Atm90e32({sensor: {io: SPI, select, hz, mode}, ...})`, then
 * sample() once per metrology tick; configure() rewrites the calibration;
 * close() releases the bus. Only the IO class is touched: no timers.
 *
 * Register facts and sources: ../shared/docs/energy-ic/ENERGY-IC.md section 2
 * (ESPHome atm90e32.cpp/atm90e32_reg.h, CircuitSetup ATM90E32 library,
 * Microchip metering_demo_atm90exx atm90e32_regs.h).
 *
 * Start-up (ESPHome setup order, ENERGY-IC.md 2.2): energy still in the
 * chip's read-clear registers is drained first (a firmware restart must not
 * lose it). A chip found metering with its configuration intact (MeterEn set,
 * CRCErrStatus clear: the MCU restarted, the chip did not) is not reset, so
 * it meters on through the restart; it is configured again as below without
 * the reset. Otherwise SoftReset 0x789A, CfgRegAccEn 0x55AA (checked through
 * LastSPIData: no chip, no echo), MeterEn, thresholds, PLconst, MMode0/1,
 * start thresholds, gains and offsets, each read back; then CfgRegAccEn
 * 0xAA55 latches the golden configuration CRC (Microchip), 0x0000 relocks and
 * CRCErrStatus must read 0. The chip is not ready for 5 ms after the soft
 * reset: the driver waits 6 ms through the board's delay port (hal/delay.ts),
 * as ESPHome does ("minimum 5ms + 1ms", ENERGY-IC.md 2.2), and the chip model
 * (hal/sim/atm90e32.ts) drops every access inside those 5 ms, so a driver
 * that does not wait fails its LastSPIData check there as on a board.
 */
import type { Delay } from "../delay.js";
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

export const ATM90E32_REGISTERS = Object.freeze({
  MeterEn: 0x00,
  SagPeakDetCfg: 0x05,
  OVth: 0x06,
  ZXConfig: 0x07,
  SagTh: 0x08,
  PhaseLossTh: 0x09,
  OIth: 0x0b,
  FreqLoTh: 0x0c,
  FreqHiTh: 0x0d,
  PLconstH: 0x31,
  PLconstL: 0x32,
  MMode0: 0x33,
  MMode1: 0x34,
  PStartTh: 0x35,
  QStartTh: 0x36,
  SStartTh: 0x37,
  PPhaseTh: 0x38,
  QPhaseTh: 0x39,
  Poffset: 0x41,
  PQGain: 0x47,
  Ugain: 0x61,
  SoftReset: 0x70,
  EMMState0: 0x71,
  EMMState1: 0x72,
  EMMIntState0: 0x73,
  EMMIntState1: 0x74,
  LastSPIData: 0x78,
  CRCErrStatus: 0x79,
  CfgRegAccEn: 0x7f,
  APenergyT: 0x80,
  PmeanT: 0xb0,
  PFmeanT: 0xbc,
  UrmsA: 0xd9,
  IrmsN: 0xdc,
  IrmsA: 0xdd,
  Freq: 0xf8,
  PAngleA: 0xf9,
} as const);
const R = ATM90E32_REGISTERS;

/** Wait after SoftReset: the chip's 5 ms plus ESPHome's 1 ms margin. */
export const ATM90E32_RESET_WAIT_MS = 6;

/** Default PL constant 0x0861C468: 3200 imp/kWh with the drivers' scaling (ENERGY-IC.md 2.5). */
const ATM90E32_DEFAULT_PLCONST = 0x0861c468;

export interface Atm90e32Options {
  sensor: SpiSensorOptions;
  /** The board's blocking wait, for the reset time. */
  delay: Delay;
  /** Mains frequency: sets MMode0 bit 12 for 60 Hz (ESPHome, CircuitSetup 0x1087) and the frequency limits. */
  lineFrequency?: 50 | 60;
  /** Nominal voltage: sag (78 %), over-voltage (122 %) and phase-loss (40 %) thresholds derive from it. */
  nominalVoltage?: number;
  /** Over-current threshold, A. */
  maxCurrent?: number;
  /** MMode1 PGA: 0x00 1x, 0x15 2x, 0x2A 4x (ESPHome gain_pga). */
  pga?: number;
  plConst?: number;
  /** Per phase A..C; defaults: ESPHome's gain_voltage 7305, gain_ct 27961, no offsets. */
  calibration?: readonly PhaseCalibration[];
}

export function defaultAtm90e32Calibration(): PhaseCalibration[] {
  return [0, 1, 2].map(() => ({ voltageGain: 7305, currentGain: 27961, phase: 0, powerOffset: 0, reactiveOffset: 0, powerGain: 0 }));
}

const s16 = (v: number) => (v << 16) >> 16;

export class Atm90e32 extends SpiEnergyIc {
  declare readonly phaseCount: 3;
  private declare readonly delay: Delay;
  private declare readonly frame: Uint8Array<ArrayBuffer>;
  private declare readonly o: Required<Omit<Atm90e32Options, "sensor" | "delay" | "calibration">>;
  private declare cal: PhaseCalibration[];
  private declare lsbWh: number;
  /** Raw counts read before a reset, reported with the first sample. */
  private declare readonly pending: Uint32Array<ArrayBuffer>;

  constructor(options: Atm90e32Options) {
    // ESPHome: SPI mode 3 at 1 MHz (atm90e32.h l.15-16); board options override.
    super(options.sensor, { hz: 1_000_000, mode: 3 });
    this.phaseCount = 3;
    this.frame = new Uint8Array(4);
    this.pending = new Uint32Array(20);
    this.delay = options.delay;
    this.o = {
      lineFrequency: options.lineFrequency ?? 50,
      nominalVoltage: options.nominalVoltage ?? 230,
      maxCurrent: options.maxCurrent ?? 60,
      pga: options.pga ?? 0,
      plConst: options.plConst ?? ATM90E32_DEFAULT_PLCONST,
    };
    this.cal = (options.calibration ?? defaultAtm90e32Calibration()).map((c) => ({ ...c }));
    this.lsbWh = (10 * this.o.plConst) / 4.5e11;
    this.start(() => this.startChip());
  }

  /** Energy of one register LSB in Wh (0.01 CF pulse: 10 / MC with MC = 4.5e11 / PLconst). */
  get energyLsbWh(): number {
    return this.lsbWh;
  }

  validCalibration(field: CalibrationField, value: number): boolean {
    if (!Number.isInteger(value)) return false;
    switch (field) {
      case "voltageGain":
      case "currentGain":
        return value >= 1 && value <= 0xffff;
      case "phase":
        // [7:0] delay cycles, bit 15 selects the voltage channel (Microchip l.420-432).
        return value >= 0 && value <= 0xffff && (value & 0x7f00) === 0;
      default:
        return value >= -0x8000 && value <= 0x7fff;
    }
  }

  configure(calibration: readonly PhaseCalibration[]): boolean {
    if (!this.acceptsAll(calibration)) return false;
    this.cal = calibration.slice(0, 3).map((c) => ({ ...c }));
    this.write(R.CfgRegAccEn, 0x55aa);
    const ok = this.writeCalibration() && this.writeThresholds();
    return this.lock() && ok;
  }

  sample(): EnergySample {
    let flags = this.takeFlags();
    if (this.read(R.MeterEn) !== 1) {
      // The chip restarted on its own (brown-out): what it had counted is gone; configure it again.
      flags |= IcFlag.chipRestarted;
      this.pending.fill(0);
      this.setup();
    }
    const counts = this.readEnergy(this.pending.slice());
    this.pending.fill(0);
    const energy: EnergyDelta[] = [];
    for (let p = 0; p < 3; p++) energy.push(this.delta(counts, 1 + p));
    const total = this.delta(counts, 0);
    const phases: PhaseValues[] = [];
    for (let p = 0; p < 3; p++) {
      const pf = s16(this.read(R.PFmeanT + 1 + p)) / 1000;
      phases.push({
        vRms: this.read(R.UrmsA + p) / 100,
        iRms: this.read(R.IrmsA + p) / 1000,
        activeW: this.read32(R.PmeanT + 1 + p) * 0.00032,
        reactiveVar: this.read32(R.PmeanT + 5 + p) * 0.00032,
        apparentVA: this.read32(R.PmeanT + 9 + p) * 0.00032,
        powerFactor: pf,
        angleDeg: this.read(R.PAngleA + p) / 10,
      });
    }
    const s0 = this.read(R.EMMState0);
    const s1 = this.read(R.EMMState1);
    // Acknowledge the latched change flags (write 1 to clear, Microchip atm90exx_drv.c l.1898).
    const i0 = this.read(R.EMMIntState0);
    const i1 = this.read(R.EMMIntState1);
    if (i0) this.write(R.EMMIntState0, i0);
    if (i1) this.write(R.EMMIntState1, i1);
    for (let p = 0; p < 3; p++) {
      if ((s1 | i1) & (0x4000 >> p)) flags |= IcFlag.sag(p);
      if (s1 & (0x0400 >> p)) flags |= IcFlag.phaseLoss(p);
      if ((s0 | i0) & (0x1000 >> p)) flags |= IcFlag.overVoltage(p);
      if ((s0 | i0) & (0x8000 >> p)) flags |= IcFlag.overCurrent(p);
      if (s1 & (0x0004 >> p)) flags |= IcFlag.reverse(p);
    }
    if (this.read(R.CRCErrStatus) & 1) flags |= IcFlag.configError;
    return {
      phases,
      frequencyHz: this.read(R.Freq) / 100,
      neutralA: this.read(R.IrmsN) / 1000,
      energy,
      total,
      flags,
    };
  }

  drain(): { energy: EnergyDelta[]; total: EnergyDelta } {
    this.checkOpen();
    const counts = this.readEnergy(this.pending.slice());
    this.pending.fill(0);
    const energy: EnergyDelta[] = [];
    for (let p = 0; p < 3; p++) energy.push(this.delta(counts, 1 + p));
    return { energy, total: this.delta(counts, 0) };
  }

  private startChip(): void {
    // A firmware restart finds the chip metering: keep what its read-clear registers hold.
    const metering = this.read(R.MeterEn) === 1;
    if (metering) this.readEnergy(this.pending);
    // Resetting a chip that meters with an intact configuration would lose the reset time's energy.
    this.setup(!metering || (this.read(R.CRCErrStatus) & 1) !== 0);
  }

  private setup(reset = true): void {
    if (reset) {
      this.write(R.SoftReset, 0x789a);
      this.delay.wait(ATM90E32_RESET_WAIT_MS);
    }
    this.write(R.CfgRegAccEn, 0x55aa);
    if (this.read(R.LastSPIData) !== 0x55aa) throw new Error("ATM90E32 not answering (LastSPIData echo)");
    let ok = this.set(R.MeterEn, 0x0001);
    ok = this.set(R.SagPeakDetCfg, 0xff3f) && ok;
    ok = this.set(R.PLconstH, this.o.plConst >>> 16) && ok;
    ok = this.set(R.PLconstL, this.o.plConst & 0xffff) && ok;
    ok = this.set(R.ZXConfig, 0xd654) && ok;
    ok = this.set(R.MMode0, this.o.lineFrequency === 60 ? 0x1087 : 0x0087) && ok;
    ok = this.set(R.MMode1, this.o.pga) && ok;
    // Start thresholds as ESPHome: "0.02A/0.00032 = 7500" (0x1D4C); phase thresholds 0x02EE.
    ok = this.set(R.PStartTh, 0x1d4c) && ok;
    ok = this.set(R.QStartTh, 0x1d4c) && ok;
    ok = this.set(R.SStartTh, 0x1d4c) && ok;
    ok = this.set(R.PPhaseTh, 0x02ee) && ok;
    ok = this.set(R.QPhaseTh, 0x02ee) && ok;
    ok = this.set(R.FreqLoTh, this.o.lineFrequency === 60 ? 5700 : 4700) && ok;
    ok = this.set(R.FreqHiTh, this.o.lineFrequency === 60 ? 6300 : 5300) && ok;
    ok = this.writeCalibration() && ok;
    ok = this.writeThresholds() && ok;
    if (!this.lock() || !ok) this.carryFlags(IcFlag.configError);
  }

  /** Latches the golden CRC, relocks, and checks the chip agrees. */
  private lock(): boolean {
    this.write(R.CfgRegAccEn, 0xaa55);
    this.write(R.CfgRegAccEn, 0x0000);
    return (this.read(R.CRCErrStatus) & 1) === 0;
  }

  private writeCalibration(): boolean {
    let ok = true;
    for (let p = 0; p < 3; p++) {
      const c = this.cal[p] ?? this.cal[0];
      ok = this.set(R.Ugain + 4 * p, c.voltageGain) && ok;
      ok = this.set(R.Ugain + 4 * p + 1, c.currentGain) && ok;
      ok = this.set(R.Poffset + 2 * p, c.powerOffset & 0xffff) && ok;
      ok = this.set(R.Poffset + 2 * p + 1, c.reactiveOffset & 0xffff) && ok;
      ok = this.set(R.PQGain + 2 * p, c.powerGain & 0xffff) && ok;
      ok = this.set(R.PQGain + 2 * p + 1, c.phase) && ok;
    }
    return ok;
  }

  /** Thresholds depend on the gains: SagTh = V × 100 × √2 / (2 × Ugain / 32768) (CS-lib l.473, ESPHome calculate_voltage_threshold). */
  private writeThresholds(): boolean {
    const ug = this.cal[0].voltageGain;
    const ig = this.cal[0].currentGain;
    const th = (x: number, gain: number) => Math.min(0xffff, Math.round((x * 100 * Math.SQRT2) / ((2 * gain) / 32768)));
    let ok = this.set(R.SagTh, th(this.o.nominalVoltage * 0.78, ug));
    ok = this.set(R.OVth, th(this.o.nominalVoltage * 1.22, ug)) && ok;
    ok = this.set(R.PhaseLossTh, th(this.o.nominalVoltage * 0.4, ug)) && ok;
    // Current is in mA where voltage is in 10 mV: hence × 10.
    ok = this.set(R.OIth, th(this.o.maxCurrent * 10, ig)) && ok;
    return ok;
  }

  /** Reads every energy register (clearing them) and adds the counts to `into`: [T, A, B, C] × [AP, AN, RP, RN, SA]. */
  private readEnergy(into: Uint32Array): Uint32Array {
    for (let q = 0; q < 5; q++) for (let p = 0; p < 4; p++) into[q * 4 + p] += this.read(R.APenergyT + q * 4 + p);
    return into;
  }

  private delta(c: Uint32Array, p: number): EnergyDelta {
    const k = this.lsbWh;
    return {
      importWh: c[p] * k,
      exportWh: c[4 + p] * k,
      reactivePosVarh: c[8 + p] * k,
      reactiveNegVarh: c[12 + p] * k,
      apparentVAh: c[16 + p] * k,
    };
  }

  /** Writes and reads back: a locked or absent chip keeps its old value. */
  private set(a: number, v: number): boolean {
    this.write(a, v);
    return this.read(a) === (v & 0xffff);
  }

  private read32(high: number): number {
    const h = this.read(high);
    const l = this.read(high + 0x10);
    return ((h << 16) | l) >> 0;
  }

  private read(a: number): number {
    const f = this.frame;
    f[0] = 0x80 | ((a >> 8) & 0x03);
    f[1] = a & 0xff;
    f[2] = 0;
    f[3] = 0;
    this.io.transfer(f);
    return (f[2] << 8) | f[3];
  }

  private write(a: number, v: number): void {
    const f = this.frame;
    f[0] = (a >> 8) & 0x03;
    f[1] = a & 0xff;
    f[2] = (v >> 8) & 0xff;
    f[3] = v & 0xff;
    this.io.transfer(f);
  }
}

/** This IC as a board's data names it (boards/types.ts `energyIc.driver`). */
export const ATM90E32_DRIVER: EnergyIcDriver = Object.freeze({ type: "atm90e32", open: (ports: EnergyIcPorts) => new Atm90e32(ports), defaultCalibration: defaultAtm90e32Calibration, startWaitMs: ATM90E32_RESET_WAIT_MS });
