/**
 * The ten-year run of issue 14, shared by the per-geometry test files: the
 * whole meter on a board's 256 KiB storage partition (budget from the
 * board data), restarted after every year. 3-hour metering ticks (the
 * tariff engine still captures every 15 minutes inside a tick, and the
 * daily and monthly captures run), so ten years take seconds on Node; XS
 * runs a scaled-down span.
 */
import { expect } from "vitest";
import type { FlashGeometry } from "../../hal/flash.js";
import type { ProfileStore } from "../../src/storage/profile-store.js";
import { report, runtime } from "../support/report.js";
import { DAY_MS, restart, runDays, startYears } from "../../bench/rigs/meter-years.js";

export function tenYears(name: string, geometry: FlashGeometry): void {
  const days = runtime === "xs" ? 45 : 3653;
  const start = Date.UTC(2026, 0, 1);
  const run = startYears(geometry, start, 3 * 3600_000);
  const partition = geometry.sectorCount * geometry.sectorSize;
  const store = () => (run.meter.loadProfile as unknown as { store: ProfileStore }).store;
  for (let done = 0; done < days; ) {
    const n = Math.min(365, days - done);
    runDays(run, n);
    done += n;
    expect(run.failure).toBeUndefined();
    const before = store().entriesInUse;
    restart(run);
    // No capture lost: one row per quarter hour since the start, the newest 366 days kept, none given up for space.
    const lp = store();
    expect(lp.lastEntry).toBe((done * DAY_MS) / 900_000);
    expect(lp.entriesInUse).toBe(Math.min(lp.lastEntry, lp.config.capacity));
    expect(lp.entriesInUse).toBe(before);
    expect(lp.droppedBySpace).toBe(0);
    // Years of collections, marks and restarts never look like damage.
    expect(run.meter.health.damage).toBe(0);
  }
  const lp = store();
  report(
    `${name}: ${days} days, ${lp.entriesInUse} load rows kept, worst tick ${run.worstTickCollections} collections / ${run.worstTickCopied} B copied, worst day ${run.worstDayCollections} collections, worst boot read ${run.worstBootRead} B of ${partition}`,
  );
  // The worst single capture tick: at most two collections of the main log, copying less than one sector.
  expect(run.worstTickCollections).toBeLessThanOrEqual(2);
  expect(run.worstTickCopied).toBeLessThan(geometry.sectorSize);
  // A boot reads each sector once (headers and records), never more.
  expect(run.worstBootRead).toBeLessThanOrEqual(partition + geometry.sectorCount * 64);
  // The rows read back are the newest ones, on the 15-minute grid.
  let prev = -1;
  let n = 0;
  for (const r of lp.rows(lp.lastEntry - 200, lp.lastEntry)) {
    if (prev >= 0) expect(r.utcMs - prev).toBe(900_000);
    prev = r.utcMs;
    n++;
  }
  expect(n).toBe(201);
}
