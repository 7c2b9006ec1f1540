/**
 * Demand (average power over a period) as COSEM Demand Register (class 5)
 * defines it: subperiods of `periodS` aligned to the clock, a sliding window
 * of `numberOfPeriods` of them (1 = block demand). current_average_value is
 * the window's energy so far (completed subperiods plus the running one)
 * over the window length; last_average_value is that average at the end of
 * the last completed subperiod. Maximum demand per tariff (1.0.1.6.t.255,
 * reset at billing) belongs to the tariff area (src/tariff/billing.ts
 * DemandTracker); this meter only gives the running and last averages.
 *
 * A tick's energy is spread evenly over the tick (constant power within the
 * tick, as the tariff engine assumes), so a tick crossing a period boundary
 * contributes to both sides.
 */
export class DemandMeter {
  private declare periodMs: number;
  private declare n: number;
  /** Energy (Wh) of the last n-1 completed subperiods, oldest first. */
  private declare window: number[];
  private declare current: number;
  /** UTC ms at which the running subperiod started. */
  private declare start: number;
  private declare lastAverage: number;
  private declare lastCapture: number;
  private declare lastTick: number;

  constructor(nowUtc: number, periodS = 900, numberOfPeriods = 1) {
    this.window = [];
    this.current = 0;
    this.lastAverage = 0;
    this.lastCapture = 0;
    this.periodMs = Math.max(1, periodS) * 1000;
    this.n = Math.max(1, numberOfPeriods);
    this.start = this.align(nowUtc);
    this.lastTick = nowUtc;
  }

  get periodS(): number {
    return this.periodMs / 1000;
  }
  get numberOfPeriods(): number {
    return this.n;
  }
  get startTimeCurrent(): number {
    return this.start;
  }
  get captureTime(): number {
    return this.lastCapture;
  }
  get lastAverageW(): number {
    return this.lastAverage;
  }
  get currentAverageW(): number {
    return this.sum(this.current) / ((this.n * this.periodMs) / 3600000);
  }

  /** Energy delivered over (last update, nowUtc]. */
  update(nowUtc: number, energyWh: number): void {
    const from = this.lastTick;
    this.lastTick = nowUtc;
    if (nowUtc <= from) {
      this.current += energyWh;
      return;
    }
    let t = from;
    while (this.start + this.periodMs <= nowUtc) {
      const end = this.start + this.periodMs;
      this.current += (energyWh * (end - Math.max(t, from))) / (nowUtc - from);
      t = end;
      this.close(end);
    }
    this.current += (energyWh * (nowUtc - Math.max(t, from))) / (nowUtc - from);
  }

  /** Method reset: clears the averages and restarts the period now. */
  reset(nowUtc: number): void {
    this.window = [];
    this.current = 0;
    this.lastAverage = 0;
    this.start = this.align(nowUtc);
    this.lastTick = nowUtc;
  }

  /** Method next_period: closes the running subperiod now. */
  nextPeriod(nowUtc: number): void {
    this.close(nowUtc);
  }

  configure(nowUtc: number, periodS: number, numberOfPeriods: number): void {
    this.periodMs = Math.max(1, periodS) * 1000;
    this.n = Math.max(1, numberOfPeriods);
    this.reset(nowUtc);
  }

  private close(at: number): void {
    const avg = this.sum(this.current) / ((this.n * this.periodMs) / 3600000);
    this.lastAverage = avg;
    this.lastCapture = at;
    this.window.push(this.current);
    if (this.window.length > this.n - 1) this.window.shift();
    this.current = 0;
    this.start = at;
  }

  private sum(current: number): number {
    let s = current;
    for (let i = 0; i < this.window.length; i++) {
      const e = this.window[i];
      s += e;
    }
    return s;
  }

  private align(utc: number): number {
    return utc - (((utc % this.periodMs) + this.periodMs) % this.periodMs);
  }
}
