/**
 * Threshold crossing as Register Monitor (class 21) defines it: for each
 * threshold, a rise of the monitored value from below to at-or-above it fires
 * that threshold's "up" action, a fall back below it fires its "down" action.
 * The first evaluation only establishes the side of each threshold (a meter
 * that starts above a threshold has not crossed it).
 */
export interface Crossing {
  index: number;
  up: boolean;
}

export class ThresholdMonitor {
  private declare levels: number[];
  private declare above: boolean[] | undefined;

  constructor(thresholds: readonly number[] = []) {
    this.levels = thresholds.slice();
  }

  get thresholds(): readonly number[] {
    return this.levels;
  }

  setThresholds(t: readonly number[]): void {
    this.levels = t.slice();
    this.above = undefined;
  }

  evaluate(value: number): Crossing[] {
    const out: Crossing[] = [];
    const above = this.levels.map((t) => value >= t);
    if (this.above) for (let i = 0; i < above.length; i++) if (above[i] !== this.above[i]) out.push({ index: i, up: above[i] });
    this.above = above;
    return out;
  }
}
