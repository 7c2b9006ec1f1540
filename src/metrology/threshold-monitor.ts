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
  #thresholds: number[];
  #above: boolean[] | undefined;

  constructor(thresholds: readonly number[] = []) {
    this.#thresholds = thresholds.slice();
  }

  get thresholds(): readonly number[] {
    return this.#thresholds;
  }

  setThresholds(t: readonly number[]): void {
    this.#thresholds = t.slice();
    this.#above = undefined;
  }

  evaluate(value: number): Crossing[] {
    const out: Crossing[] = [];
    const above = this.#thresholds.map((t) => value >= t);
    if (this.#above) for (let i = 0; i < above.length; i++) if (above[i] !== this.#above[i]) out.push({ index: i, up: above[i] });
    this.#above = above;
    return out;
  }
}
