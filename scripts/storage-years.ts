/**
 * `npx tsx scripts/storage-years.ts [--board esp32-atm90e32|nrf52840dk|sim] [--years N]`:
 * runs the whole simulated meter on a board's storage partition for N years
 * (60 s ticks, quarter-hour captures) and prints, every 30 days, the log's
 * state, the collections of the worst day and tick, and the first failure.
 */
import { ESP32_NOR, NRF52840_INTERNAL } from "../hal/sim/flash.js";
import { DAY_MS, runDays, startYears } from "../bench/rigs/meter-years.js";

const args = process.argv.slice(2);
const arg = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const boardName = arg("--board", "esp32-atm90e32");
const years = Number(arg("--years", "1"));
const geometry = boardName === "nrf52840dk" ? NRF52840_INTERNAL : ESP32_NOR;
const run = startYears({ ...geometry, sectorCount: (256 * 1024) / geometry.sectorSize }, undefined, Number(arg("--tick-ms", "60000")));
const t0 = Date.now();
runDays(run, Math.round(years * 365.25), (r) => {
  if (r.days % 30 === 0 || r.failure) {
    const st = r.meter.log?.stats();
    console.log(`day ${r.days} (${Date.now() - t0} ms): ${JSON.stringify(st)} worst day ${r.worstDayCollections} collections, worst tick ${r.worstTickCollections}${r.failure ? ` FAILED ${r.failure}` : ""}`);
  }
});
const lp = (run.meter.loadProfile as unknown as { store?: { storedBytes(): number; entriesInUse: number; droppedBySpace: number } }).store;
if (lp) console.log(`load profile: ${lp.entriesInUse} rows kept, ${(lp.storedBytes() / lp.entriesInUse).toFixed(2)} B per row stored, ${lp.droppedBySpace} rows dropped for space`);
console.log(`${run.failure ? "failed" : "ok"} after ${run.days} days (${(run.days * DAY_MS) / (365.25 * DAY_MS)} years): ${run.failure ?? "no storage failure"}`);
process.exitCode = run.failure ? 1 : 0;
