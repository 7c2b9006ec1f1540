/**
 * `npx tsx scripts/worst-capture.ts [--years 10] [--days 14]`: the worst
 * single capture tick over years 2..N of the whole meter on the ESP32
 * board's 256 KiB partition, measured on XS (computations, per tick, each
 * alone). Each year runs on day ticks up to its first day, then `--days`
 * days on quarter-hour ticks (one capture per tick) are measured tick by
 * tick; the bench operation `profile.append.worst` measures the same window
 * of year 2. Takes a few minutes.
 */
import { join } from "node:path";
import { bundleForXs, root, runOnXs } from "./xs-run.js";

const args = process.argv.slice(2);
const arg = (name: string, dflt: string): number => {
  const i = args.indexOf(name);
  return Number(i >= 0 && args[i + 1] ? args[i + 1] : dflt);
};
const years = arg("--years", "10");
const days = arg("--days", "14");
const entry = join(root, "build", "bench", "worst-capture.mjs");
await bundleForXs(
  `import { ESP32_NOR } from ${JSON.stringify(join(root, "hal/sim/flash.ts"))};
import { retick, runDays, startYears } from ${JSON.stringify(join(root, "bench/rigs/meter-years.ts"))};
const r = startYears({ ...ESP32_NOR, sectorCount: 64 }, Date.UTC(2026, 0, 1), 86400000);
let overall = 0;
let overallAt = "";
for (let y = 2; y <= ${years}; y++) {
  runDays(r, Math.round((y - 1) * 365.25) - r.days);
  if (r.failure) throw new Error(r.failure);
  retick(r, 900000);
  let worst = 0, at = "", sum = 0, n = 0;
  for (let t = 0; t < ${days} * 96; t++) {
    const lc = r.meter.log.collections, ra = r.meter.loadRing.appends, rc = r.meter.loadRing.collections;
    resetMeter(0, 0);
    r.board.clock.advance(900000);
    const c = resetMeter(0, 0);
    sum += c;
    n++;
    if (c > worst) {
      worst = c;
      at = "day " + (r.days + Math.floor(t / 96)) + " tick " + (t % 96) + " (main-log collections " + (r.meter.log.collections - lc) + ", day compacted " + (r.meter.loadRing.appends - ra) + ", ring collections " + (r.meter.loadRing.collections - rc) + ")";
    }
  }
  r.days += ${days};
  print("year " + y + ": worst capture tick " + worst + " computations at " + at + ", mean " + Math.round(sum / n));
  if (worst > overall) { overall = worst; overallAt = "year " + y + " " + at; }
  retick(r, 86400000);
}
print("WORST " + overall + " " + overallAt);
`,
  entry,
);
const run = await runOnXs(entry, { timeoutMs: 60 * 60_000 });
process.stdout.write(run.stdout);
if (run.stderr) process.stderr.write(run.stderr.slice(-2000));
process.exitCode = run.stdout.includes("WORST ") ? 0 : 1;
