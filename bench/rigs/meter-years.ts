/**
 * Whole-meter storage driver: the sim board's meter on a board's real
 * storage partition, run for simulated years with quarter-hour captures,
 * daily and monthly billing, event logs and the KV traffic of the meter
 * (energy every 100 Wh, rate registers, relay, counters).
 *
 * The metering tick is stretched to `tickMs` (default 60 s) so that a year
 * runs in seconds; storage sees the same stream of records as with a 1 s
 * tick (captures, persists every 100 Wh or 15 min). Runs on Node and XS (no
 * Node APIs): the ten-year test, the bench and scripts/storage-years.ts use it.
 */
import { SimFlash, type SimFlash as SimFlashT } from "../../hal/sim/flash.js";
import type { FlashGeometry } from "../../hal/flash.js";
import { SimBoard } from "../../scripts/simulator/board.js";
import type { Meter } from "../../src/meter/meter.js";
import { StorageError } from "../../src/storage/log-store.js";

export const DAY_MS = 86_400_000;

export interface YearsRun {
  board: SimBoard;
  flash: SimFlashT;
  meter: Meter;
  /** Days simulated so far. */
  days: number;
  /** Largest number of sector collections in one simulated day, and in one capture tick. */
  worstDayCollections: number;
  worstTickCollections: number;
  /** Most bytes copied by collections in one tick (main log and load ring). */
  worstTickCopied: number;
  /** Most flash bytes read by one boot (restart()). */
  worstBootRead: number;
  /** The first storage failure (e.g. log full), if any. */
  failure: string | undefined;
}

export function startYears(geometry: FlashGeometry, startUtcMs = Date.UTC(2026, 0, 1), tickMs = 60_000): YearsRun {
  const flash = new SimFlash(geometry);
  const board = new SimBoard({ startUtcMs, flash });
  const meter = board.boot({ tickMs });
  return { board, flash, meter, days: 0, worstDayCollections: 0, worstTickCollections: 0, worstTickCopied: 0, worstBootRead: 0, failure: undefined };
}

/** Runs `days` more days; stops at the first storage failure (recorded in run.failure). */
export function runDays(run: YearsRun, days: number, onDay?: (run: YearsRun) => void): YearsRun {
  const tick = run.meter.config.tickMs;
  for (let d = 0; d < days && run.failure === undefined; d++) {
    const log = run.meter.log;
    const ring = run.meter.loadRing;
    const c0 = log ? log.collections : 0;
    try {
      for (let t = 0; t < DAY_MS; t += tick) {
        const c1 = log ? log.collections : 0;
        const k1 = (log ? log.copiedBytes : 0) + (ring ? ring.copiedBytes : 0);
        run.board.clock.advance(tick);
        if (log && log.collections - c1 > run.worstTickCollections) run.worstTickCollections = log.collections - c1;
        const k = (log ? log.copiedBytes : 0) + (ring ? ring.copiedBytes : 0) - k1;
        if (k > run.worstTickCopied) run.worstTickCopied = k;
      }
    } catch (e) {
      run.failure = e instanceof StorageError ? `${e.name}: ${e.message}` : String(e);
      if (!(e instanceof StorageError)) throw e;
    }
    run.days++;
    if (log && log.collections - c0 > run.worstDayCollections) run.worstDayCollections = log.collections - c0;
    onDay?.(run);
  }
  return run;
}

/** Restarts the firmware (a software reset: RAM gone, flash kept) and records the flash bytes the boot read. */
export function restart(run: YearsRun): Meter {
  const before = run.flash.bytesRead;
  run.meter = run.board.restart("software");
  const read = run.flash.bytesRead - before;
  if (read > run.worstBootRead) run.worstBootRead = read;
  return run.meter;
}

/**
 * The same meter on a new metering tick: the firmware is powered down
 * cleanly (power-fail path) and comes back on a board with `tickMs` at the
 * same instant, on the same flash. Year-long runs use long ticks; a bench of
 * single captures then switches to quarter-hour ticks (one capture per tick).
 */
export function retick(run: YearsRun, tickMs: number): Meter {
  run.meter.stop();
  run.board = new SimBoard({ startUtcMs: run.board.clock.nowUtcMs(), flash: run.flash });
  run.meter = run.board.boot({ tickMs });
  return run.meter;
}
