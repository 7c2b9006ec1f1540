/**
 * One benchmark operation. The same module runs on XS (computation count from
 * xsnap's meter) and on Node (host time): `setup` builds the state outside
 * the measurement, `run` is one operation. Runs on XS, so no Node APIs.
 */
export interface BenchOp<S = unknown> {
  /** Stable name: the key in bench/results.json. */
  readonly name: string;
  /** What one operation is, shown in the table. */
  readonly notes: string;
  setup(): S;
  run(state: S): void;
  /** Bytes the operation handles or stores (e.g. encoded size), if meaningful. */
  bytes?(state: S): number;
  /** Operations per measurement: several when one is too small to time on the host. */
  readonly batch?: number;
  /**
   * Brings the state to where the next `run` is the operation named (e.g. one
   * second before a capture instant), outside the measurement. With it, each
   * run is measured alone.
   */
  prepare?(state: S): void;
  /** Measured runs on XS when the default (5 after 3 warm-up runs) is too slow. */
  readonly iterations?: number;
  /** With `prepare`: the XS figure is the largest single run of the measured ones, not their mean (a worst case). */
  readonly worst?: boolean;
}

/**
 * A memory figure measured on XS with the project's host functions
 * (scripts/xsnap/meterkit-memory.c), in device bytes: live slots × 16 + live
 * chunk bytes after a full collection. `setup` builds the state; without
 * `run` the figure is the live set `setup` added (measured against the live
 * set just before it, all modules loaded); with `run`, it is the largest
 * live set during `run` above the live set after `setup` (sampled with a
 * full collection every PEAK_INTERVAL computations).
 */
export interface HeapFigure<S = unknown, H = unknown> {
  readonly name: string;
  readonly notes: string;
  /** The simulated hardware (flash arrays, energy IC models) the figure leaves out: built before the "before" sample. */
  hardware?(): H;
  setup(hardware: H): S;
  run?(state: S): void;
}

/** A figure that is computed once rather than timed (stored bytes per entry, wear spread). */
export interface BenchFigure {
  readonly name: string;
  readonly notes: string;
  compute(): { value: number; unit: string };
}
