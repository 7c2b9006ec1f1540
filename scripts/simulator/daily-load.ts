/**
 * The simulator's load: a household daily curve, hourly steps of active
 * power in local time, balanced over three phases at 230 V with a fixed
 * power factor. It is a LoadScenario (hal/sim/load-scenario.ts) that the
 * simulated energy IC integrates like any other, computed from the curve
 * instead of an event list, so that it runs for years at any clock
 * acceleration at constant cost. The relay gates it: with the supply
 * disconnected the meter still sees voltage but no current.
 *
 * Plain TypeScript without Node APIs: the dual-runtime meter tests use it.
 */
import type { MonotonicClock, Rtc } from "../../hal/clock.js";
import { LoadScenario, type PhaseLoad } from "../../hal/sim/load-scenario.js";

export interface LoadCurve {
  /** 24 hourly active power values (W, import positive, export negative) in local time. */
  hourlyW: number[];
  /** Reactive power as a fraction of active power (tan phi). */
  tanPhi: number;
  /** Local time offset from UTC in minutes (positive east), for placing the curve. */
  utcOffsetMin: number;
}

/** Default: a household with a morning and an evening peak, ~11 kWh a day, PF 0.95. */
export const DEFAULT_CURVE: LoadCurve = {
  hourlyW: [180, 150, 140, 140, 150, 220, 650, 900, 600, 350, 300, 380, 520, 400, 320, 330, 450, 800, 1200, 1100, 850, 600, 380, 240],
  tanPhi: 0.33,
  utcOffsetMin: 60,
};

const HOUR = 3600000;
const VOLTS = 230;
const DEG = 180 / Math.PI;

export function validCurve(c: unknown): c is LoadCurve {
  const x = c as LoadCurve;
  return (
    typeof x === "object" &&
    x !== null &&
    Array.isArray(x.hourlyW) &&
    x.hourlyW.length === 24 &&
    x.hourlyW.every((w) => typeof w === "number" && Number.isFinite(w) && Math.abs(w) <= 100000) &&
    typeof x.tanPhi === "number" &&
    Number.isFinite(x.tanPhi) &&
    Math.abs(x.tanPhi) <= 10 &&
    typeof x.utcOffsetMin === "number" &&
    Number.isFinite(x.utcOffsetMin)
  );
}

/** Active power (W) of the curve at a UTC instant. */
function curvePowerW(curve: LoadCurve, utcMs: number): number {
  const local = utcMs + curve.utcOffsetMin * 60000;
  const h = Math.floor((((local % (24 * HOUR)) + 24 * HOUR) % (24 * HOUR)) / HOUR);
  return curve.hourlyW[h];
}

export class DailyCurveScenario extends LoadScenario {
  readonly #curve: LoadCurve;
  readonly #rtc: Rtc;
  readonly #mono: MonotonicClock;
  readonly #supplied: () => boolean;
  readonly #phiDeg: number;

  /**
   * The chips ask for the load at monotonic instants; the curve is in local
   * time: UTC = monotonic + (rtc now - mono now), read at each call so that
   * a clock setting moves the curve as it would move the household's day.
   */
  constructor(curve: LoadCurve, rtc: Rtc, mono: MonotonicClock, supplied: () => boolean) {
    super({ vRms: VOLTS, iRms: 0, phiDeg: 0, freqHz: 50 }, [], 3);
    this.#curve = curve;
    this.#rtc = rtc;
    this.#mono = mono;
    this.#supplied = supplied;
    this.#phiDeg = Math.atan(curve.tanPhi) * DEG;
  }

  #utc(tMs: number): number {
    return tMs + (this.#rtc.nowUtcMs() - this.#mono.nowMs());
  }

  override at(tMs: number, _phase: number, out: PhaseLoad = { vRms: 0, iRms: 0, phiDeg: 0, freqHz: 50 }): PhaseLoad {
    const p = this.#supplied() ? curvePowerW(this.#curve, this.#utc(tMs)) : 0;
    const pf = Math.cos(this.#phiDeg / DEG);
    out.vRms = VOLTS;
    out.freqHz = 50;
    out.iRms = Math.abs(p) / (3 * VOLTS * pf);
    out.phiDeg = p >= 0 ? this.#phiDeg : 180 + this.#phiDeg;
    return out;
  }

  override nextChange(tMs: number): number {
    const local = this.#utc(tMs) + this.#curve.utcOffsetMin * 60000;
    return tMs + (HOUR - (((local % HOUR) + HOUR) % HOUR));
  }
}
