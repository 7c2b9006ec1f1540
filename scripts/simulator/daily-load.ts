/**
 * A household daily load curve as the simulator's metering feed, used until
 * the metrology chain (simulated energy IC -> SPI -> driver -> metrology)
 * lands: active power is linear between hourly points of local time, so
 * the energy of any interval is integrated exactly (trapezoids), whatever
 * the tick length or the clock acceleration.
 *
 * Plain TypeScript without Node APIs: the dual-runtime meter tests use it.
 */
import type { MonotonicClock, Rtc } from "../../hal/clock.js";
import type { EnergyDeltas } from "../../src/tariff/registers.js";
import type { MeteringFeed } from "../../src/meter/ports.js";

export interface LoadCurve {
  /** 24 hourly active power points (W, import positive, export negative) in local time. */
  hourlyW: number[];
  /** Reactive power as a fraction of active power (tan phi), import and export alike. */
  tanPhi: number;
  /** Local time offset from UTC in minutes (positive east), for placing the curve. */
  utcOffsetMin: number;
}

/** Default: a household with a morning and an evening peak, ~9 kWh a day, PF 0.95. */
export const DEFAULT_CURVE: LoadCurve = {
  hourlyW: [180, 150, 140, 140, 150, 220, 650, 900, 600, 350, 300, 380, 520, 400, 320, 330, 450, 800, 1200, 1100, 850, 600, 380, 240],
  tanPhi: 0.33,
  utcOffsetMin: 60,
};

const HOUR = 3600000;
const DAY = 24 * HOUR;

export function validCurve(c: unknown): c is LoadCurve {
  const x = c as LoadCurve;
  return (
    typeof x === "object" &&
    x !== null &&
    Array.isArray(x.hourlyW) &&
    x.hourlyW.length === 24 &&
    x.hourlyW.every((w) => typeof w === "number" && Number.isFinite(w) && Math.abs(w) <= 1e6) &&
    typeof x.tanPhi === "number" &&
    Number.isFinite(x.tanPhi) &&
    typeof x.utcOffsetMin === "number" &&
    Number.isFinite(x.utcOffsetMin)
  );
}

export class DailyLoadFeed implements MeteringFeed {
  #last: number;
  /** Multiplies the curve (0 = everything off, e.g. relay open). */
  scale = 1;

  constructor(
    private readonly rtc: Rtc,
    private readonly mono: MonotonicClock,
    private readonly curve: LoadCurve = DEFAULT_CURVE,
    /** Whether the load is supplied (the relay's feedback): no supply, no energy. */
    private readonly supplied: () => boolean = () => true,
  ) {
    this.#last = mono.nowMs();
  }

  /** Power (W) at a UTC instant. */
  powerAt(utcMs: number): number {
    const local = utcMs + this.curve.utcOffsetMin * 60000;
    const inDay = ((local % DAY) + DAY) % DAY;
    const h = Math.floor(inDay / HOUR);
    const f = (inDay - h * HOUR) / HOUR;
    const a = this.curve.hourlyW[h];
    const b = this.curve.hourlyW[(h + 1) % 24];
    return (a + (b - a) * f) * this.scale;
  }

  /** Energy (Wh, signed) between two UTC instants: exact for the piecewise-linear curve. */
  energyWh(from: number, to: number): number {
    let e = 0;
    let t = from;
    while (t < to) {
      const local = t + this.curve.utcOffsetMin * 60000;
      const nextHour = t + (HOUR - (((local % HOUR) + HOUR) % HOUR));
      const u = Math.min(to, nextHour);
      e += ((this.powerAt(t) + this.powerAt(u)) / 2) * ((u - t) / HOUR);
      t = u;
    }
    return e;
  }

  activePowerW(): number {
    return this.supplied() ? this.powerAt(this.rtc.nowUtcMs()) : 0;
  }

  take(): EnergyDeltas {
    // Durations come from the monotonic clock, so a time setting never creates or destroys energy;
    // the RTC only places the interval on the daily curve.
    const mono = this.mono.nowMs();
    const elapsed = mono - this.#last;
    this.#last = mono;
    if (elapsed <= 0 || !this.supplied()) return { importActive: 0, exportActive: 0, importReactive: 0, exportReactive: 0 };
    const now = this.rtc.nowUtcMs();
    const e = this.energyWh(now - elapsed, now);
    const imp = e > 0 ? e : 0;
    const exp = e < 0 ? -e : 0;
    return { importActive: imp, exportActive: exp, importReactive: imp * this.curve.tanPhi, exportReactive: exp * this.curve.tanPhi };
  }
}
