/**
 * Register-level model of the Microchip ATM90E32AS three-phase energy IC, as
 * the open drivers and the register facts in ../shared/docs/energy-ic
 * (ENERGY-IC.md section 2, registers.json) describe it:
 *
 * - SPI: one 32-bit frame per register, 16-bit command (bit 15 = read,
 *   bits 9..0 address), 16 data bits, MSB first (ESPHome atm90e32.cpp
 *   read16_/write16_). LastSPIData (0x78) echoes the last data on the bus.
 * - Configuration and calibration registers (0x00..0x6F) accept writes only
 *   while CfgRegAccEn (0x7F) holds 0x55AA; otherwise the write is ignored
 *   (drivers unlock before every configuration write: ESPHome setup, CS-lib).
 * - Configuration integrity: CfgRegAccEn = 0xAA55 latches the "golden" CRC of
 *   the configuration (Microchip atm90e32_regs.h l.1145-1152); while a golden
 *   CRC is latched, CRCErrStatus (0x79) bit 0 reports any difference between
 *   it and the current configuration, CRCDigest (0x7A) the current CRC. The
 *   chip's CRC polynomial is not public: the model uses CRC-16/X.25 over
 *   0x00..0x6F, so only the behaviour (latch, compare, flag) is meaningful.
 *   The ATM90E32 has no CS0..CS3 checksums nor ConfigStart/CalStart/
 *   HarmStart/AdjStart (0x5678/0x8765): those are ATM90E36 registers
 *   (DitroniX E32/E36 register sheet: "E32: No, E36: Yes"), so writes to
 *   those addresses do nothing here, as on the part.
 * - SoftReset (0x70) = 0x789A restores every default and clears energy; the
 *   chip then needs 5 ms before it answers (ESPHome waits "minimum 5ms +
 *   1ms", Microchip atm90e32_regs.h l.595-600). What the bus carries
 *   meanwhile is not documented: the model drops every access inside the
 *   5 ms (a write does nothing, a read returns 0 and LastSPIData keeps its
 *   value), so a driver that does not wait fails its LastSPIData check.
 * - Energy registers 0x80..0xAF are 16-bit and clear on read; one LSB is
 *   0.01 CF pulse, i.e. 10 / MC Wh with MC = 4.5e11 / PLconst (3200 imp/kWh,
 *   0.003125 Wh at the default PLconst 0x0861C468). The chip keeps the
 *   fraction of an LSB internally across reads. What a register does when
 *   it passes 0xFFFF is not documented anywhere we found; the model wraps.
 * - Power: 32-bit (high word, low word at +0x10) × 0.00032 W; RMS 0.01 V and
 *   0.001 A; PF 0.001 (two's complement); frequency 0.01 Hz; angles 0.1°.
 * - Status: EMMState0 (over-current b15..13, over-voltage b12..10), EMMState1
 *   (sag b14..12, phase loss b10..8, frequency high/low b15/b11, negative
 *   energy b7..0); EMMIntState0/1 latch rising state bits, write 1 to clear.
 *
 * Front end: the board's sensors are modelled by the gains at which the chip
 * reads the truth (ugainIdeal/igainIdeal): a reading is truth × gain / ideal.
 * PQGain scales power by (1 + s16/32768) and Poffset/Qoffset add to the
 * 32-bit power (both as the drivers' calibration formulas imply); Phi and the
 * RMS offsets are stored but not modelled.
 *
 * The chip follows simulated time lazily: every SPI transaction first
 * integrates the load scenario up to clock.nowMs(). While the supply is off
 * (LoadScenario.supplyOn) the chip is unpowered: it answers all ones and
 * comes back at its power-on defaults. At the instant of the cut itself it
 * still answers (the power-fail signal is served from the hold-up time).
 */
import type { MonotonicClock } from "../clock.js";
import { crc16x25 } from "../../src/util/crc16.js";
import { SimEnergyChip, type LoadScenario, type SimChipCounts } from "./load-scenario.js";
import type { SimSpiChip } from "./spi-bus.js";
import { frozen } from "../../src/util/frozen.js";

export const E32 = Object.freeze({
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
  Poffset: 0x41, // + 2 * phase; Qoffset = Poffset + 1
  PQGain: 0x47, // + 2 * phase; Phi = PQGain + 1
  Ugain: 0x61, // + 4 * phase; Igain +1, Uoffset +2, Ioffset +3
  SoftReset: 0x70,
  EMMState0: 0x71,
  EMMState1: 0x72,
  EMMIntState0: 0x73,
  EMMIntState1: 0x74,
  LastSPIData: 0x78,
  CRCErrStatus: 0x79,
  CRCDigest: 0x7a,
  CfgRegAccEn: 0x7f,
  APenergyT: 0x80,
  ANenergyT: 0x84,
  RPenergyT: 0x88,
  RNenergyT: 0x8c,
  SAenergyT: 0x90,
  PmeanT: 0xb0,
  QmeanT: 0xb4,
  SmeanT: 0xb8,
  PFmeanT: 0xbc,
  UrmsA: 0xd9,
  IrmsN: 0xdc,
  IrmsA: 0xdd,
  Freq: 0xf8,
  PAngleA: 0xf9,
  Temp: 0xfc,
  UAngleA: 0xfd,
} as const);

export const E32_UNLOCK = 0x55aa;
const E32_GOLDEN_CRC = 0xaa55;
export const E32_RESET = 0x789a;
/** Time after a soft reset during which the chip does not answer, ms. */
export const E32_RESET_MS = 5;
/** PLconst × meter constant (imp/kWh): 0x0861C468 × 3200 (ENERGY-IC.md 2.5 [derived]). */
const E32_PL_MC_PRODUCT = 4.5e11;
/** Last configuration register covered by the unlock and the CRC. */
const CONFIG_END = 0x6f;

const DEFAULTS: [number, number][] = frozen([
  [0x01, 0x0210], [0x02, 0x0654], [0x05, 0x143f], [0x06, 0xc000], [0x07, 0x0001], [0x08, 0x1000],
  [0x09, 0x0400], [0x0a, 0xffff], [0x0b, 0xc000], [0x0c, 0x1324], [0x0d, 0x13ec], [0x0e, 0x010f],
  [0x31, 0x0861], [0x32, 0xc468], [0x33, 0x0087],
  [0x61, 0x8000], [0x62, 0x8000], [0x65, 0x8000], [0x66, 0x8000], [0x69, 0x8000], [0x6a, 0x8000],
]);

export interface SimAtm90e32Options {
  scenario: LoadScenario;
  clock: MonotonicClock;
  /** Ugain at which Urms reads the true voltage (ESPHome default 7305, CircuitSetup 9 VAC transformer). */
  ugainIdeal?: number;
  /** Igain at which Irms reads the true current at PGA 1x (ESPHome default 27961, SCT-013-000). */
  igainIdeal?: number;
  /** Accepted SPI modes; drivers use mode 3 (ESPHome) or 0 (Microchip demo). */
  modes?: readonly number[];
  maxHz?: number;
}

const RAD = Math.PI / 180;
const s16 = (v: number) => (v << 16) >> 16;
const igain = (phase: number) => E32.Ugain + 1 + 4 * phase;

export class SimAtm90e32 extends SimEnergyChip<SimChipCounts & { accessesWhileResetting: number }> implements SimSpiChip {
  readonly #ugainIdeal: number;
  readonly #igainIdeal: number;
  readonly #regs = new Uint16Array(0x400);
  /** Energy in LSBs (with the internal fraction) for 0x80..0xAF. */
  readonly #energy = new Float64Array(0x30);
  #golden: number | undefined;
  /** Measured per phase, physical units: V, I, P, Q, S, phi, f. */
  readonly #m = [new Float64Array(7), new Float64Array(7), new Float64Array(7)];
  /** Monotonic ms until which a soft reset keeps the chip busy. */
  #busyUntilMs = -Infinity;

  constructor(o: SimAtm90e32Options) {
    super(o, 16_000_000, { reads: 0, writes: 0, rejectedWrites: 0, resets: 0, powerCycles: 0, accessesWhileResetting: 0 });
    this.#ugainIdeal = o.ugainIdeal ?? 7305;
    this.#igainIdeal = o.igainIdeal ?? 27961;
    this.reset();
  }

  /** Raw register content, for tests (no side effects, no time advance). */
  peek(address: number): number {
    return this.#regs[address & 0x3ff];
  }

  transaction(frame: Uint8Array): void {
    this.advance();
    if (!this.supply.powered || frame.length !== 4) {
      frame.fill(0xff);
      return;
    }
    if (this.clock.nowMs() < this.#busyUntilMs) {
      this.counts.accessesWhileResetting++;
      frame.fill(0);
      return;
    }
    const cmd = (frame[0] << 8) | frame[1];
    const address = cmd & 0x3ff;
    if (cmd & 0x8000) {
      this.counts.reads++;
      const v = this.#read(address);
      this.#regs[E32.LastSPIData] = v;
      frame[0] = 0;
      frame[1] = 0;
      frame[2] = v >> 8;
      frame[3] = v & 0xff;
    } else {
      this.counts.writes++;
      const v = (frame[2] << 8) | frame[3];
      this.#write(address, v);
      this.#regs[E32.LastSPIData] = v;
      frame.fill(0);
    }
  }

  /** Integrates the scenario up to now, splitting at load changes and supply edges. */
  protected reset(): void {
    this.#regs.fill(0);
    for (const [a, v] of DEFAULTS) this.#regs[a] = v;
    this.#energy.fill(0);
    this.#golden = undefined;
    this.counts.resets++;
  }

  #write(a: number, v: number): void {
    if (a === E32.SoftReset) {
      if (v === E32_RESET) {
        this.reset();
        this.#busyUntilMs = this.clock.nowMs() + E32_RESET_MS;
      }
      return;
    }
    if (a === E32.CfgRegAccEn) {
      if (v === E32_GOLDEN_CRC) this.#golden = this.#crc();
      this.#regs[a] = v;
      return;
    }
    if (a === E32.EMMIntState0 || a === E32.EMMIntState1) {
      this.#regs[a] &= ~v;
      return;
    }
    if (a <= CONFIG_END) {
      if (this.#regs[E32.CfgRegAccEn] !== E32_UNLOCK) {
        this.counts.rejectedWrites++;
        return;
      }
      this.#regs[a] = v;
      return;
    }
    // Measurement, status and energy registers are read-only.
    this.counts.rejectedWrites++;
  }

  #crc(): number {
    const bytes = new Uint8Array((CONFIG_END + 1) * 2);
    for (let a = 0; a <= CONFIG_END; a++) {
      bytes[2 * a] = this.#regs[a] >> 8;
      bytes[2 * a + 1] = this.#regs[a] & 0xff;
    }
    return crc16x25(bytes);
  }

  #metering(): boolean {
    return this.#regs[E32.MeterEn] === 0x0001;
  }

  /** Fills #m for the current instant. */
  #measure(): void {
    const r = this.#regs;
    const pgaBits = r[E32.MMode1];
    for (let p = 0; p < 3; p++) {
      const m = this.#m[p];
      if (!this.#metering() || p >= this.scenario.phases) {
        m.fill(0);
        m[6] = 0;
        continue;
      }
      const l = this.scenario.at(this.supply.t, p, this.load);
      const pga = 1 << ((pgaBits >> (2 * p)) & 3);
      const v = (l.vRms * r[E32.Ugain + 4 * p]) / this.#ugainIdeal;
      const i = (l.iRms * pga * r[igain(p)]) / this.#igainIdeal;
      const k = 1 + s16(r[E32.PQGain + 2 * p]) / 32768;
      const s = v * i;
      m[0] = v;
      m[1] = i;
      m[2] = s * Math.cos(l.phiDeg * RAD) * k + s16(r[E32.Poffset + 2 * p]) * 0.00032;
      m[3] = s * Math.sin(l.phiDeg * RAD) * k + s16(r[E32.Poffset + 2 * p + 1]) * 0.00032;
      m[4] = s * k;
      m[5] = l.phiDeg;
      m[6] = l.vRms > 0 ? l.freqHz : 0;
    }
  }

  protected integrate(dtMs: number): void {
    this.#measure();
    if (!this.#metering()) return;
    const r = this.#regs;
    const lsbWh = (10 * ((r[E32.PLconstH] << 16) | r[E32.PLconstL])) / E32_PL_MC_PRODUCT;
    const k = dtMs / 3600000 / lsbWh;
    const mm0 = r[E32.MMode0];
    let pT = 0;
    let qT = 0;
    let sT = 0;
    const e = this.#energy;
    for (let p = 0; p < 3; p++) {
      const m = this.#m[p];
      if ((mm0 & (1 << p)) !== 0) {
        // MMode0 bits 3/4 (ABSEnP/ABSEnQ): all-phase sum of absolute values instead of the arithmetic sum.
        pT += mm0 & 0x08 ? Math.abs(m[2]) : m[2];
        qT += mm0 & 0x10 ? Math.abs(m[3]) : m[3];
        sT += m[4];
      }
      add(e, 1 + p, 5 + p, m[2] * k);
      add(e, 9 + p, 13 + p, m[3] * k);
      e[17 + p] += m[4] * k;
    }
    add(e, 0, 4, pT * k);
    add(e, 8, 12, qT * k);
    e[16] += sT * k;
  }

  #read(a: number): number {
    const r = this.#regs;
    if (a >= 0x80 && a <= 0xaf) {
      // Read-clear: the whole LSBs leave, the fraction stays inside the chip.
      const whole = Math.floor(this.#energy[a - 0x80]);
      this.#energy[a - 0x80] -= whole;
      return whole & 0xffff;
    }
    if (a >= 0xb0 && a <= 0xff) {
      this.#measure();
      return this.#measurement(a);
    }
    if (a === E32.CRCDigest) return this.#crc();
    if (a === E32.CRCErrStatus) return this.#golden !== undefined && this.#golden !== this.#crc() ? 1 : 0;
    if (a >= E32.EMMState0 && a <= E32.EMMIntState1) {
      this.#measure();
      this.#status();
    }
    return r[a];
  }

  /** Updates EMMState0/1 and latches rising bits into EMMIntState0/1. */
  #status(): void {
    const r = this.#regs;
    let s0 = 0;
    let s1 = 0;
    // Thresholds compare with the sampled peak as SagTh = V × 100 × √2 / (2 × Ugain / 32768) implies (CS-lib l.473).
    // The peak is a 16-bit code, so a threshold of 0xFFFF can never be exceeded.
    const peak = (rms: number, gain: number) => Math.min(0xffff, (rms * 100 * Math.SQRT2 * 32768) / (2 * Math.max(gain, 1)));
    let pT = 0;
    let qT = 0;
    for (let p = 0; p < 3; p++) {
      const m = this.#m[p];
      const ug = r[E32.Ugain + 4 * p];
      const vp = peak(m[0], ug);
      const ip = peak(m[1] * 10, r[igain(p)]); // mA against 10 mV
      if (ip > r[E32.OIth]) s0 |= 0x8000 >> p;
      if (vp > r[E32.OVth]) s0 |= 0x1000 >> p;
      if (m[0] > 0 && vp < r[E32.SagTh]) s1 |= 0x4000 >> p;
      if (vp < r[E32.PhaseLossTh]) s1 |= 0x0400 >> p;
      if (m[3] < 0) s1 |= 0x0040 >> p;
      if (m[2] < 0) s1 |= 0x0004 >> p;
      pT += m[2];
      qT += m[3];
    }
    if (qT < 0) s1 |= 0x80;
    if (pT < 0) s1 |= 0x08;
    const f = this.#frequency();
    if (f > r[E32.FreqHiTh]) s1 |= 0x8000;
    if (f > 0 && f < r[E32.FreqLoTh]) s1 |= 0x0800;
    r[E32.EMMIntState0] |= s0 & ~r[E32.EMMState0];
    r[E32.EMMIntState1] |= s1 & ~r[E32.EMMState1];
    r[E32.EMMState0] = s0;
    r[E32.EMMState1] = s1;
  }

  #frequency(): number {
    for (let p = 0; p < 3; p++) if (this.#m[p][6] > 0) return Math.round(this.#m[p][6] * 100);
    return 0;
  }

  #measurement(a: number): number {
    const m = this.#m;
    const sum = (k: number) => m[0][k] + m[1][k] + m[2][k];
    const pair = (value: number, low: boolean) => {
      const raw = Math.round(value / 0.00032) | 0;
      return low ? raw & 0xffff : (raw >>> 16) & 0xffff;
    };
    const idx = a & 3; // 0 = total, 1..3 = phase A..C
    const ph = m[idx === 0 ? 0 : idx - 1];
    if (a >= 0xb0 && a <= 0xbb) {
      const k = 2 + ((a - 0xb0) >> 2);
      return pair(idx === 0 ? sum(k) : ph[k], false);
    }
    if (a >= 0xc0 && a <= 0xcb) {
      const k = 2 + ((a - 0xc0) >> 2);
      return pair(idx === 0 ? sum(k) : ph[k], true);
    }
    if (a >= 0xbc && a <= 0xbf) {
      const pv = idx === 0 ? sum(2) : ph[2];
      const sv = idx === 0 ? sum(4) : ph[4];
      return sv > 0 ? Math.round((pv / sv) * 1000) & 0xffff : 0;
    }
    if (a >= 0xd9 && a <= 0xdb) return Math.min(0xffff, Math.round(m[a - 0xd9][0] * 100));
    if (a >= 0xe9 && a <= 0xeb) return (Math.round(m[a - 0xe9][0] * 100 * 256) & 0xff) << 8;
    if (a >= 0xdd && a <= 0xdf) return Math.min(0xffff, Math.round(m[a - 0xdd][1] * 1000));
    if (a >= 0xed && a <= 0xef) return (Math.round(m[a - 0xed][1] * 1000 * 256) & 0xff) << 8;
    if (a === E32.IrmsN) {
      // Calculated neutral: magnitude of the vector sum of the phase currents (phases 120° apart).
      let re = 0;
      let im = 0;
      for (let p = 0; p < 3; p++) {
        const ang = (-120 * p - m[p][5]) * RAD;
        re += m[p][1] * Math.cos(ang);
        im += m[p][1] * Math.sin(ang);
      }
      return Math.min(0xffff, Math.round(Math.hypot(re, im) * 1000));
    }
    if (a === E32.Freq) return this.#frequency();
    if (a >= 0xf9 && a <= 0xfb) {
      const p = m[a - 0xf9];
      return p[0] > 0 && p[1] > 0 ? Math.round((((p[5] % 360) + 360) % 360) * 10) % 3600 : 0;
    }
    if (a === E32.Temp) return 25;
    if (a >= 0xfd && a <= 0xff) return m[a - 0xfd][0] > 0 ? (a - 0xfd) * 1200 : 0;
    return 0;
  }
}

/** Signed quantity into its forward/reverse energy accumulators. */
function add(e: Float64Array, fwd: number, rev: number, lsb: number): void {
  if (lsb >= 0) e[fwd] += lsb;
  else e[rev] -= lsb;
}
