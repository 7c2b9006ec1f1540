/**
 * Register-level model of the Analog Devices ADE7953 (one voltage, two
 * current channels A and B), after the datasheet Rev. C as summarised in
 * ../shared/docs/energy-ic/ENERGY-IC.md section 4 and registers.json:
 *
 * - SPI frame: 2 address bytes, a command byte (0x80 read, 0x00 write), then
 *   the register's bytes MSB first (datasheet p.51-53; ADI no-OS
 *   ade7953_read/_write). Width by address: 8-bit 0x000-0x0FF (and 0x702,
 *   0x800), 16-bit 0x1xx, 24-bit 0x2xx, and a 32-bit alias of every 24-bit
 *   register at +0x100, sign-extended for signed registers (p.60).
 * - Register 0x120 accepts a write only right after 0xAD was written to 0x0FE
 *   (p.18: "required after every power-up: 0xAD to 0xFE, then 0x30 to
 *   0x120"); any other write in between relocks it.
 * - After a reset (power-up or CONFIG.SWRST) IRQSTATA bit 20 RESET is set;
 *   RSTIRQSTATA/B read and clear (p.18, p.66).
 * - Energy registers AENERGYx, RENERGYx, APENERGYx are 24-bit signed; the
 *   chip adds one LSB per internal threshold (keeping the fraction), they
 *   wrap 0x7FFFFF -> 0x800000 and raise the overflow flags AEOF/VAREOF/VAEOF
 *   (p.25, p.29); with LCYCMODE.RSTREAD (bit 6, default 1) a read returns and
 *   clears them, with RSTREAD = 0 they keep accumulating.
 *
 * Front end: the Shelly boards' scale (ESPHome ade7953_base.cpp l.11-12,
 * l.97-146): VRMS = 26000/V, IRMS = 100000/A, AWATT/AVAR/AVA = 154/W, energy
 * 154²/3600 LSB per W·s (Tasmota's 23.41494 divisor agrees within 0.2 %). The
 * x*GAIN registers scale by gain / 0x400000 (unity default), PGA_x by 2^n
 * (n <= 4), the *OS offsets add to the power registers. PHCALx is stored but
 * not modelled.
 */
import type { MonotonicClock } from "../clock.js";
import { SimEnergyChip, type LoadScenario, type SimChipCounts } from "./load-scenario.js";
import type { SimSpiChip } from "./spi-bus.js";

// Frozen: the sim board preloads this model inside Moddable's simulator (boards/sim/manifest.json).
export const ADE = Object.freeze({
  SAGCYC: 0x000,
  DISNOLOAD: 0x001,
  LCYCMODE: 0x004,
  PGA_V: 0x007,
  PGA_IA: 0x008,
  PGA_IB: 0x009,
  LAST_OP: 0x0fd,
  UNLOCK: 0x0fe,
  LAST_RWDATA8: 0x0ff,
  CONFIG: 0x102,
  CFMODE: 0x107,
  PHCALA: 0x108,
  PHCALB: 0x109,
  PFA: 0x10a,
  PFB: 0x10b,
  ANGLE_A: 0x10c,
  ANGLE_B: 0x10d,
  PERIOD: 0x10e,
  RESERVED_120: 0x120,
  LAST_ADD: 0x1fe,
  SAGLVL: 0x200,
  ACCMODE: 0x201,
  AVA: 0x210,
  AWATT: 0x212,
  AVAR: 0x214,
  IRMSA: 0x21a,
  IRMSB: 0x21b,
  VRMS: 0x21c,
  AENERGYA: 0x21e,
  AENERGYB: 0x21f,
  RENERGYA: 0x220,
  RENERGYB: 0x221,
  APENERGYA: 0x222,
  APENERGYB: 0x223,
  OVLVL: 0x224,
  OILVL: 0x225,
  IRQENA: 0x22c,
  IRQSTATA: 0x22d,
  RSTIRQSTATA: 0x22e,
  IRQENB: 0x22f,
  IRQSTATB: 0x230,
  RSTIRQSTATB: 0x231,
  AIGAIN: 0x280,
  AVGAIN: 0x281,
  AWGAIN: 0x282,
  AVARGAIN: 0x283,
  AVAGAIN: 0x284,
  AIRMSOS: 0x286,
  VRMSOS: 0x288,
  AWATTOS: 0x289,
  AVAROS: 0x28a,
  AVAOS: 0x28b,
  BIGAIN: 0x28c,
  BVGAIN: 0x28d,
  BWGAIN: 0x28e,
  BVARGAIN: 0x28f,
  BVAGAIN: 0x290,
  BIRMSOS: 0x292,
  BWATTOS: 0x295,
  BVAROS: 0x296,
  BVAOS: 0x297,
  VERSION: 0x702,
} as const);

const ADE_UNLOCK_KEY = 0xad;
const ADE_UNITY_GAIN = 0x400000;
/** IRQSTATA bits (ADI no-OS ade7953.h; datasheet p.66). */
export const ADE_IRQ = Object.freeze({
  AEOF: 1 << 3,
  VAREOF: 1 << 4,
  VAEOF: 1 << 5,
  APSIGN: 1 << 9,
  VARSIGN: 1 << 10,
  OI: 1 << 13,
  OV: 1 << 16,
  SAG: 1 << 19,
  RESET: 1 << 20,
} as const);

export interface SimAde7953Options {
  scenario: LoadScenario;
  clock: MonotonicClock;
  /** Scenario phase of the voltage and of current channel A. */
  phase?: number;
  /** Channel B: another scenario phase, or "neutral" (the return current of channel A). */
  channelB?: number | "neutral";
  modes?: readonly number[];
  maxHz?: number;
}

const RAD = Math.PI / 180;
const SIGNED_24 = new Set<number>([
  0x210, 0x211, 0x212, 0x213, 0x214, 0x215, 0x216, 0x217, 0x218, 0x21e, 0x21f, 0x220, 0x221, 0x222, 0x223,
  0x286, 0x288, 0x289, 0x28a, 0x28b, 0x292, 0x295, 0x296, 0x297,
]);
const wrap24 = (v: number) => ((v % 0x1000000) + 0x1000000) % 0x1000000;
const s24 = (v: number) => (v & 0x800000 ? v - 0x1000000 : v);

export class SimAde7953 extends SimEnergyChip<SimChipCounts> implements SimSpiChip {
  readonly #phase: number;
  readonly #channelB: number | "neutral";
  readonly #r8 = new Uint8Array(0x100);
  readonly #r16 = new Uint16Array(0x100);
  /** 24-bit registers as unsigned 0..0xFFFFFF. */
  readonly #r24 = new Uint32Array(0x100);
  /** Fractions of an energy LSB kept inside the chip: AENERGYA, AENERGYB, RENERGYA, ..., APENERGYB. */
  readonly #frac = new Float64Array(6);
  #unlockArmed = false;
  /** Measured [channel][V, I, P, Q, S, phi, f]. */
  readonly #m = [new Float64Array(7), new Float64Array(7)];

  constructor(o: SimAde7953Options) {
    super(o, 5_000_000, { reads: 0, writes: 0, rejectedWrites: 0, resets: 0, powerCycles: 0 });
    this.#phase = o.phase ?? 0;
    this.#channelB = o.channelB ?? "neutral";
    this.reset();
  }

  /** Raw 8/16/24-bit register content, for tests (no side effects). */
  peek(address: number): number {
    if (address < 0x100) return this.#r8[address];
    if (address < 0x200) return this.#r16[address - 0x100];
    if (address < 0x400) return this.#r24[(address - 0x200) & 0xff];
    return 0;
  }

  transaction(frame: Uint8Array): void {
    this.advance();
    if (!this.supply.powered || frame.length < 4) {
      frame.fill(0xff);
      return;
    }
    const address = (frame[0] << 8) | frame[1];
    const read = (frame[2] & 0x80) !== 0;
    const width = widthOf(address);
    if (width === 0 || frame.length !== 3 + width) {
      // Unknown register or wrong length: the chip drives nothing useful.
      frame.fill(0xff);
      return;
    }
    if (read) {
      this.counts.reads++;
      const v = this.#read(address, width);
      for (let i = 0; i < width; i++) frame[3 + i] = (v / 2 ** (8 * (width - 1 - i))) & 0xff;
      frame[0] = frame[1] = frame[2] = 0;
      this.#r8[ADE.LAST_OP] = 0x35;
    } else {
      this.counts.writes++;
      let v = 0;
      for (let i = 0; i < width; i++) v = v * 256 + frame[3 + i];
      this.#write(address, v, width);
      this.#r8[ADE.LAST_OP] = 0xca;
      frame.fill(0);
    }
    this.#r16[ADE.LAST_ADD - 0x100] = address;
  }

  protected reset(): void {
    this.#r8.fill(0);
    this.#r16.fill(0);
    this.#r24.fill(0);
    this.#frac.fill(0);
    this.#r8[ADE.LCYCMODE] = 0x40;
    this.#r16[ADE.CONFIG - 0x100] = 0x8004;
    this.#r16[0x103 - 0x100] = 0x3f;
    this.#r16[0x104 - 0x100] = 0x3f;
    this.#r16[ADE.CFMODE - 0x100] = 0x0300;
    this.#r16[0x100 - 0x100] = 0xffff; // ZXTOUT
    for (const g of [0x280, 0x281, 0x282, 0x283, 0x284, 0x28c, 0x28d, 0x28e, 0x28f, 0x290]) this.#r24[g - 0x200] = ADE_UNITY_GAIN;
    this.#r24[0x203 - 0x200] = 0x00e419;
    this.#r24[0x204 - 0x200] = 0x00e419;
    this.#r24[ADE.OVLVL - 0x200] = 0xffffff;
    this.#r24[ADE.OILVL - 0x200] = 0xffffff;
    this.#r24[ADE.IRQENA - 0x200] = 0x100000;
    this.#r24[ADE.IRQSTATA - 0x200] = ADE_IRQ.RESET;
    this.#unlockArmed = false;
    this.counts.resets++;
  }

  #write(a: number, v: number, width: number): void {
    const armed = this.#unlockArmed;
    this.#unlockArmed = false;
    if (a === ADE.UNLOCK) {
      this.#unlockArmed = v === ADE_UNLOCK_KEY;
      return;
    }
    if (a === ADE.RESERVED_120) {
      if (!armed) {
        this.counts.rejectedWrites++;
        return;
      }
      this.#r16[a - 0x100] = v;
      return;
    }
    if (a === ADE.CONFIG && v & 0x80) {
      this.reset(); // SWRST, self-clearing
      return;
    }
    if (width === 1) this.#r8[a] = v;
    else if (width === 2) this.#r16[a - 0x100] = v;
    else {
      const i = (a - 0x200) & 0xff;
      if (READ_ONLY_24.has(i + 0x200)) {
        this.counts.rejectedWrites++;
        return;
      }
      this.#r24[i] = wrap24(v);
    }
  }

  #read(a: number, width: number): number {
    this.#measure();
    if (width === 1) return this.#r8[a];
    if (width === 2) {
      const v = this.#measurement16(a);
      return v ?? this.#r16[a - 0x100];
    }
    const reg = (a - 0x200) & 0xff;
    const full = reg + 0x200;
    let v = this.#measurement24(full);
    if (v === undefined) {
      v = this.#r24[reg];
      if (full >= ADE.AENERGYA && full <= ADE.APENERGYB && this.#r8[ADE.LCYCMODE] & 0x40) this.#r24[reg] = 0;
      if (full === ADE.RSTIRQSTATA || full === ADE.RSTIRQSTATB) {
        v = this.#r24[reg - 1];
        this.#r24[reg - 1] = 0;
      }
    }
    if (width === 4 && SIGNED_24.has(full)) return (s24(v) + 0x100000000) % 0x100000000;
    return v;
  }

  #channel(ch: number): number {
    return ch === 0 || this.#channelB === "neutral" ? this.#phase : this.#channelB;
  }

  #measure(): void {
    const r24 = this.#r24;
    const g = (a: number) => r24[a - 0x200] / ADE_UNITY_GAIN;
    const pgaV = 2 ** Math.min(this.#r8[ADE.PGA_V], 4);
    for (let ch = 0; ch < 2; ch++) {
      const m = this.#m[ch];
      const l = this.scenario.at(this.supply.t, this.#channel(ch), this.load);
      const base = ch === 0 ? 0x280 : 0x28c;
      const pgaI = 2 ** Math.min(this.#r8[ch === 0 ? ADE.PGA_IA : ADE.PGA_IB], 4);
      const vLoad = this.scenario.at(this.supply.t, this.#phase, { vRms: 0, iRms: 0, phiDeg: 0, freqHz: 50 });
      const v = vLoad.vRms * pgaV * g(ch === 0 ? ADE.AVGAIN : ADE.BVGAIN);
      const i = l.iRms * pgaI * g(base);
      const s = v * i;
      m[0] = v;
      m[1] = i;
      m[2] = s * Math.cos(l.phiDeg * RAD) * g(base + 2);
      m[3] = s * Math.sin(l.phiDeg * RAD) * g(base + 3);
      m[4] = s * g(base + 4);
      m[5] = l.phiDeg;
      m[6] = vLoad.vRms > 0 ? vLoad.freqHz : 0;
    }
  }

  protected integrate(dtMs: number): void {
    this.#measure();
    const k = (dtMs / 1000) * ((154 * 154) / 3600);
    const offs = [ADE.AWATTOS, ADE.AVAROS, ADE.AVAOS, ADE.BWATTOS, ADE.BVAROS, ADE.BVAOS];
    const kinds = [0, 2, 4]; // energy register pairs A/B: active, reactive, apparent
    for (let kind = 0; kind < 3; kind++) {
      for (let ch = 0; ch < 2; ch++) {
        const m = this.#m[ch];
        const w = m[2 + kind] + s24(this.#r24[offs[3 * ch + kind] - 0x200]) / 154;
        const idx = kinds[kind] + ch;
        const f = this.#frac[idx] + w * k;
        const whole = Math.trunc(f);
        this.#frac[idx] = f - whole;
        if (whole === 0) continue;
        const reg = ADE.AENERGYA - 0x200 + idx;
        const before = s24(this.#r24[reg]);
        const after = before + whole;
        if (after > 0x7fffff || after < -0x800000) {
          this.#r24[(ch === 0 ? ADE.IRQSTATA : ADE.IRQSTATB) - 0x200] |= [ADE_IRQ.AEOF, ADE_IRQ.VAREOF, ADE_IRQ.VAEOF][kind];
        }
        this.#r24[reg] = wrap24(after);
      }
    }
    this.#flags();
  }

  /** Level-triggered conditions latched into IRQSTATA/B. */
  #flags(): void {
    const r = this.#r24;
    const a = this.#m[0];
    const b = this.#m[1];
    let sa = 0;
    let sb = 0;
    const vrms = a[0] * 26000;
    if (vrms > 0 && vrms < r[ADE.SAGLVL - 0x200]) sa |= ADE_IRQ.SAG;
    if (vrms * Math.SQRT2 > r[ADE.OVLVL - 0x200]) sa |= ADE_IRQ.OV;
    if (a[1] * 100000 * Math.SQRT2 > r[ADE.OILVL - 0x200]) sa |= ADE_IRQ.OI;
    if (b[1] * 100000 * Math.SQRT2 > r[ADE.OILVL - 0x200]) sb |= ADE_IRQ.OI;
    r[ADE.IRQSTATA - 0x200] |= sa;
    r[ADE.IRQSTATB - 0x200] |= sb;
  }

  #measurement16(a: number): number | undefined {
    const m = this.#m[a === ADE.PFB || a === ADE.ANGLE_B ? 1 : 0];
    switch (a) {
      case ADE.PFA:
      case ADE.PFB: {
        if (m[4] <= 0) return 0;
        // 2^-15 per LSB; the sign follows the reactive power (datasheet p.38).
        const pf = Math.min(0x7fff, Math.round((Math.abs(m[2]) / m[4]) * 0x7fff));
        return (m[3] < 0 ? -pf : pf) & 0xffff;
      }
      case ADE.ANGLE_A:
      case ADE.ANGLE_B: {
        if (m[6] <= 0) return 0;
        let phi = ((m[5] % 360) + 360) % 360;
        if (phi > 180) phi -= 360;
        return Math.round(phi / (360 * m[6] * 4.47e-6)) & 0xffff;
      }
      case ADE.PERIOD:
        return m[6] > 0 ? Math.round(223750 / m[6]) - 1 : 0xffff;
      default:
        return undefined;
    }
  }

  #measurement24(a: number): number | undefined {
    const r = this.#r24;
    const os = (reg: number) => s24(r[reg - 0x200]);
    const [A, B] = this.#m;
    switch (a) {
      case ADE.AWATT:
        return wrap24(Math.round(A[2] * 154) + os(ADE.AWATTOS));
      case ADE.AWATT + 1:
        return wrap24(Math.round(B[2] * 154) + os(ADE.BWATTOS));
      case ADE.AVAR:
        return wrap24(Math.round(A[3] * 154) + os(ADE.AVAROS));
      case ADE.AVAR + 1:
        return wrap24(Math.round(B[3] * 154) + os(ADE.BVAROS));
      case ADE.AVA:
        return wrap24(Math.round(A[4] * 154) + os(ADE.AVAOS));
      case ADE.AVA + 1:
        return wrap24(Math.round(B[4] * 154) + os(ADE.BVAOS));
      case ADE.IRMSA:
        return Math.min(0xffffff, Math.max(0, Math.round(A[1] * 100000) + os(ADE.AIRMSOS)));
      case ADE.IRMSB:
        return Math.min(0xffffff, Math.max(0, Math.round(B[1] * 100000) + os(ADE.BIRMSOS)));
      case ADE.VRMS:
        return Math.min(0xffffff, Math.max(0, Math.round(A[0] * 26000) + os(ADE.VRMSOS)));
      case ADE.ACCMODE: {
        let v = r[a - 0x200] & 0x3ff;
        if (A[2] < 0) v |= 1 << 10;
        if (B[2] < 0) v |= 1 << 11;
        if (A[3] < 0) v |= 1 << 12;
        if (B[3] < 0) v |= 1 << 13;
        return v;
      }
      default:
        return undefined;
    }
  }
}

const READ_ONLY_24 = new Set<number>([
  0x210, 0x211, 0x212, 0x213, 0x214, 0x215, 0x216, 0x217, 0x218, 0x21a, 0x21b, 0x21c, 0x21e, 0x21f, 0x220, 0x221,
  0x222, 0x223, 0x226, 0x227, 0x228, 0x229, 0x22a, 0x22b, 0x22d, 0x22e, 0x230, 0x231,
]);

/** Register width in bytes by address (datasheet p.60), 0 for an address the chip does not decode. */
function widthOf(address: number): number {
  if (address <= 0x0ff || address === 0x702 || address === 0x800) return 1;
  if (address <= 0x1ff) return 2;
  if (address <= 0x2ff) return 3;
  if (address <= 0x3ff) return 4;
  return 0;
}

