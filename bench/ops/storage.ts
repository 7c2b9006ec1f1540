/**
 * Storage figures of issue 5 over one simulated year of the 15-minute load
 * profile (4 cumulative channels and status) in a 256 KiB ESP32 NOR
 * partition. The year is built once per process (about 25 s on XS) and
 * shared by the operations and figures; the fixture is the one the capacity
 * and wear tests check (host-tests/storage/year-fixture.ts).
 */
import type { BenchFigure, BenchOp } from "../op.js";
import { ESP32_NOR } from "../../hal/sim/flash.js";
import { appendOne, emptyYear, fillYear, readDay, yearFigures, type YearFixture } from "../../host-tests/storage/year-fixture.js";

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
