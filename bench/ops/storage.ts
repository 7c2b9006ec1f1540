/**
 * Storage figures of issue 5 over one simulated year of the 15-minute load
 * profile (4 cumulative channels and status) in a 256 KiB ESP32 NOR
 * partition. The year is built once per process (about 25 s on XS) and
 * shared by the operations and figures; the fixture is the one the capacity
 * and wear tests check (bench/rigs/storage-year.ts).
 */
import type { BenchFigure, BenchOp } from "../op.js";
import { ESP32_NOR } from "../../hal/sim/flash.js";
import { appendOne, emptyYear, fillYear, readDay, yearFigures, type YearFixture } from "../rigs/storage-year.js";
import { retick, runDays, startYears, type YearsRun } from "../rigs/meter-years.js";

let year: YearFixture | undefined;
function fullYear(): YearFixture {
  if (!year) {
    year = emptyYear(ESP32_NOR);
    fillYear(year);
  }
  return year;
}

export const profileAppend: BenchOp<YearFixture> = {
  name: "profile.append",
  notes: "one 15-min capture into a full year (4 channels + status, 256 KiB): the mean over a day of appends, which hides the worst single append (a chunk compaction or sector erase)",
  setup: fullYear,
  run: (fx) => {
    appendOne(fx);
  },
  batch: 96,
};

export const profileReadDay: BenchOp<YearFixture> = {
  name: "profile.read.day-of-year",
  notes: "the 96 rows of one day out of a full year, by time range",
  setup: fullYear,
  run: (fx) => {
    readDay(fx);
  },
};

export const storageFigures: BenchFigure[] = [
  { name: "storage.bytes-per-entry", notes: "live flash bytes per 15-minute entry after a year", compute: () => ({ value: yearFigures(fullYear()).bytesPerEntry, unit: "B" }) },
  { name: "storage.erase-spread.year", notes: "erase count max/mean over the sectors after a year", compute: () => ({ value: yearFigures(fullYear()).eraseSpread, unit: "max/mean" }) },
  { name: "storage.flash-read.day", notes: "flash bytes read for a one-day range read", compute: () => ({ value: yearFigures(fullYear()).dayReadBytes, unit: "B" }) },
];

/**
 * The whole meter after a full year on the ESP32 board's 256 KiB storage
 * partition (load ring full: 366 days, main log rotating), built once per
 * bench process. Metering ticks of one day: the tariff engine still
 * captures every quarter hour inside a tick, so the stored streams are the
 * same as with 1 s ticks; only the IC is sampled less often.
 */
let meterYear: YearsRun | undefined;
function fullMeterYear(): YearsRun {
  if (!meterYear) {
    meterYear = startYears({ ...ESP32_NOR, sectorCount: 64 }, Date.UTC(2026, 0, 1), 86_400_000);
    runDays(meterYear, 366);
    if (meterYear.failure) throw new Error(meterYear.failure);
  }
  return meterYear;
}

export const meterBootFullYear: BenchOp<YearsRun> = {
  name: "meter.boot.full-year",
  notes: "firmware start after a full year on the ESP32 board's 256 KiB partition: mount of both areas (no row decoded), every domain restored",
  setup: fullMeterYear,
  run: (r) => {
    r.meter = r.board.restart("software");
  },
};

/**
 * Quarter-hour ticks after a full year (the year itself runs on day ticks,
 * then the meter is powered down and comes back with 15-minute ticks), so
 * one run is one capture tick: the capture, the persists and, at midnight,
 * the day compacted into the load ring (its oldest day dropped) and the
 * daily row. Main-log collections run ahead of need in other ticks
 * (LogStore.maintain).
 */
let quarterHours: YearsRun | undefined;
function quarterHourTicks(): YearsRun {
  if (!quarterHours) {
    const r = startYears({ ...ESP32_NOR, sectorCount: 64 }, Date.UTC(2026, 0, 1), 86_400_000);
    runDays(r, 366);
    if (r.failure) throw new Error(r.failure);
    retick(r, 900_000);
    quarterHours = r;
  }
  return quarterHours;
}

/** Capture ticks measured: 14 days, so that midnights with a load-ring collection and ticks with a main-log collection are among them. */
export const WORST_CAPTURE_TICKS = 14 * 96;

export const profileAppendWorst: BenchOp<YearsRun> = {
  name: "profile.append.worst",
  notes: `the worst single capture tick of ${WORST_CAPTURE_TICKS} consecutive ones (14 days) in year 2 on the ESP32 partition, each measured alone (capture, persists; at midnight the day compacted into the load ring with its oldest day dropped, the daily row; a main-log collection ahead of need in another tick); scripts/worst-capture.ts gives the worst over years 2–10`,
  setup: quarterHourTicks,
  // Each capture tick measured alone: the figure is the largest.
  prepare: () => undefined,
  run: (r) => {
    r.board.clock.advance(900_000);
  },
  iterations: WORST_CAPTURE_TICKS,
  worst: true,
};

/** Years of the whole meter (3 h ticks, quarter-hour captures) on the ESP32 partition before the first storage failure, over a 10-year horizon. */
function yearsWithoutFull(): number {
  const r = startYears({ ...ESP32_NOR, sectorCount: 64 }, Date.UTC(2026, 0, 1), 3 * 3_600_000);
  runDays(r, 3653);
  return Math.floor((r.failure ? r.days - 1 : r.days) / 365.25);
}

storageFigures.push({ name: "storage.years-without-full", notes: "years of the whole meter on the ESP32 256 KiB partition without a storage failure (10-year horizon)", compute: () => ({ value: yearsWithoutFull(), unit: "years" }) });
