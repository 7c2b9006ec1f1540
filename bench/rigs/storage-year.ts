import { ESP32_NOR, SimFlash, SimRandom } from "../../hal/sim/flash.js";
import type { FlashGeometry } from "../../hal/flash.js";
import { LogStore } from "../../src/storage/log-store.js";
import { ProfileStore } from "../../src/storage/profile-store.js";

/**
 * A year of 15-minute load profile in a 256 KiB partition, shared by the
 * capacity test and the benchmarks (`npm run bench` can import this file:
 * the operations below are meant to be timed one call per operation).
 *
 * Workload: a household with rooftop solar, about 4,000 kWh a year imported:
 * import active energy follows a daily shape with noise, export active energy
 * only around midday, reactive energy small; Wh / varh integers. Occasional
 * power-down status and outages (gaps) make explicit timestamps appear.
 */

export const PERIOD_S = 900;
export const YEAR_ENTRIES = 366 * 96;
export const PARTITION_SECTORS = 64; // 64 × 4 KiB = 256 KiB

export interface YearFixture {
  flash: SimFlash;
  log: LogStore;
  profile: ProfileStore;
  /** UTC ms of the next capture. */
  nextUtcMs: number;
  registers: number[];
  rnd: SimRandom;
  rowsAppended: number;
}

export function loadProfileStore(log: LogStore, capacity = YEAR_ENTRIES): ProfileStore {
  return new ProfileStore(log, { stream: 0, columns: ["cumulative", "cumulative", "cumulative", "cumulative"], periodS: PERIOD_S, capacity, chunkRows: 96 });
}

export function emptyYear(geometry: FlashGeometry = ESP32_NOR): YearFixture {
  const flash = new SimFlash({ ...geometry, sectorCount: PARTITION_SECTORS });
  // One log rotating oldest-first (the figures' historical setup); the meter's own layout is measured by meter.boot.full-year and the ten-year test.
  const log = new LogStore(flash, "oldest");
  const profile = loadProfileStore(log);
  log.mount();
  return { flash, log, profile, nextUtcMs: Date.UTC(2025, 0, 1), registers: [12345678, 2345678, 345678, 45678], rnd: new SimRandom(2025), rowsAppended: 0 };
}

/** The next row of the workload (advances the fixture's clock and registers). */
export function nextRow(fx: YearFixture): { utcMs: number; status: number; values: number[] } {
  const r = fx.rnd;
  let status = 0;
  if (r.below(2000) === 0) {
    fx.nextUtcMs += PERIOD_S * 1000 * (1 + r.below(8)); // outage: entries missing, explicit time next
    status = 0x80;
  }
  const utcMs = fx.nextUtcMs;
  fx.nextUtcMs += PERIOD_S * 1000;
  const hour = Math.floor((utcMs % 86400000) / 3600000);
  const evening = hour >= 17 && hour <= 21;
  const sun = hour >= 8 && hour <= 16 ? Math.sin(((hour - 8) / 8) * Math.PI) : 0;
  const imp = sun > 0.5 ? r.below(30) : 40 + r.below(evening ? 320 : 120);
  const exp = Math.floor(sun * r.below(450));
  const rimp = r.below(45);
  const rexp = sun > 0 ? r.below(15) : 0;
  const v = fx.registers;
  v[0] += imp;
  v[1] += exp;
  v[2] += rimp;
  v[3] += rexp;
  return { utcMs, status, values: v.slice() };
}

/** One profile capture: the bench's "one append". */
export function appendOne(fx: YearFixture): number {
  const row = nextRow(fx);
  fx.rowsAppended++;
  return fx.profile.append(row.utcMs, row.status, row.values);
}

export function fillYear(fx: YearFixture, rows = YEAR_ENTRIES): void {
  for (let i = 0; i < rows; i++) appendOne(fx);
}

/** Reads the day that starts `daysAgo` days before the newest row: the bench's "read one day out of a full year". */
export function readDay(fx: YearFixture, daysAgo = 200): number {
  const endMs = Math.floor((fx.nextUtcMs - PERIOD_S * 1000) / 86400000) * 86400000 - daysAgo * 86400000;
  let n = 0;
  for (const _row of fx.profile.rowsInTime(endMs, endMs + 86400000 - 1)) n++;
  return n;
}

/** Bench figures: stored bytes per entry, erase spread, flash bytes read for one day. */
export function yearFigures(fx: YearFixture): { bytesPerEntry: number; logBytesPerEntry: number; eraseMax: number; eraseMean: number; eraseSpread: number; dayReadBytes: number; entries: number } {
  const st = fx.log.stats();
  let max = 0;
  let sum = 0;
  for (const c of fx.flash.eraseCounts) {
    max = Math.max(max, c);
    sum += c;
  }
  const mean = sum / fx.flash.eraseCounts.length;
  const before = fx.flash.bytesRead;
  readDay(fx);
  const dayReadBytes = fx.flash.bytesRead - before;
  // bytesPerEntry: live records (framing included) per kept row; logBytesPerEntry also counts garbage not yet collected.
  return { bytesPerEntry: fx.profile.storedBytes() / fx.profile.entriesInUse, logBytesPerEntry: st.usedBytes / fx.profile.entriesInUse, eraseMax: max, eraseMean: mean, eraseSpread: mean ? max / mean : 0, dayReadBytes, entries: fx.profile.entriesInUse };
}
