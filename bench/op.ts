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
}

/** A figure that is computed once rather than timed (stored bytes per entry, wear spread). */
export interface BenchFigure {
  readonly name: string;
  readonly notes: string;
  compute(): { value: number; unit: string };
}
