import { NOT_SPECIFIED, type CosemDate, type CosemTime } from "../cosem/datetime.js";
import type { MeterClock } from "./clock.js";
import { MS_PER_DAY, dateMatches } from "./date-patterns.js";

/**
 * Single Action Schedule (the domain behind COSEM class 22): runs one script
 * at the local times its execution_time list names (end of billing period,
 * passive calendar activation, ...). Dates may use wildcards and special
 * values (0xFE last day, day of week); an unspecified hour means every hour,
 * an unspecified minute or second means 0. A local time that DST skips runs
 * just after the switch; a local time that DST repeats runs once (the first).
 */
export interface ExecutionTime {
  time: CosemTime;
  date: CosemDate;
}

/** The schedule's own copy of configured execution times (frozen data), which a client's write replaces. */
export function copyTimes(times: readonly ExecutionTime[]): ExecutionTime[] {
  return times.map((t) => ({ time: { ...t.time }, date: { ...t.date } }));
}

export class SingleActionSchedule {
  constructor(
    /** Logical name (6 bytes) of the script table and the script id. */
    public scriptLn: Uint8Array,
    public selector: number,
    /** Blue Book type 1..5 (kept for the COSEM attribute; all evaluate the same list). */
    public type: number,
    public times: ExecutionTime[],
  ) {}

  /** UTC instants in (fromUtc, toUtc] at which the script runs, ascending. */
  instantsBetween(clock: MeterClock, fromUtc: number, toUtc: number, out: number[] = []): number[] {
    if (toUtc <= fromUtc || this.times.length === 0) return out;
    const firstDay = Math.floor(clock.localMsAt(fromUtc) / MS_PER_DAY) - 1;
    const lastDay = Math.floor(clock.localMsAt(toUtc) / MS_PER_DAY) + 1;
    const start = out.length;
    for (let day = firstDay; day <= lastDay; day++) {
      for (let j = 0; j < this.times.length; j++) {
        const et = this.times[j];
        if (!dateMatches(et.date, day)) continue;
        const m = et.time.minute === NOT_SPECIFIED ? 0 : et.time.minute;
        const s = et.time.second === NOT_SPECIFIED ? 0 : et.time.second;
        const h0 = et.time.hour === NOT_SPECIFIED ? 0 : et.time.hour;
        const h1 = et.time.hour === NOT_SPECIFIED ? 23 : et.time.hour;
        for (let h = h0; h <= h1; h++) {
          const u = clock.utcOfLocal(day * MS_PER_DAY + ((h * 60 + m) * 60 + s) * 1000);
          if (u > fromUtc && u <= toUtc && out.indexOf(u, start) < 0) out.push(u);
        }
      }
    }
    const tail = out.slice(start).sort((a, b) => a - b);
    for (let i = 0; i < tail.length; i++) out[start + i] = tail[i];
    return out;
  }
}
