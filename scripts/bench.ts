/**
 * `npm run bench`: measures each operation of bench/registry.ts on the real
 * XS engine (deterministic computation count from xsnap's meter, per
 * operation, after warm-up) and on Node (median host time over repeated
 * runs), plus the firmware footprint, and writes a table to the terminal and
 * bench/results.json. `npm run bench -- <filter>` measures only operations
 * whose name contains the filter. See bench/README.md.
 */
import { transformSync } from "esbuild";
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { figures, ops } from "../bench/registry.js";
import { bundleForXs, root, runOnXs } from "./xs-run.js";

const filter = process.argv[2];
const selected = ops.filter((o) => !filter || o.name.includes(filter));

/** Capabilities the issues ask to measure that have not landed yet: listed, never given a number. */
const pending: { name: string; notes: string }[] = [
  { name: "hdlc.get.register.plain", notes: "one HDLC-framed GET of a register, plain association (issue 3)" },
  { name: "hdlc.get.register.suite0", notes: "the same GET ciphered with suite 0 (issue 3)" },
  { name: "get.object_list.blocks", notes: "a block-transferred object_list (issue 3)" },
  { name: "association.hls-gmac", notes: "an HLS-GMAC association (issue 3)" },
  { name: "metrology.tick.atm90e32", notes: "one metrology tick, ATM90E32 (issue 4)" },
  { name: "metrology.tick.ade7953", notes: "one metrology tick, ADE7953 (issue 4)" },
  { name: "profile.append", notes: "one 15-minute profile append (issue 5)" },
  { name: "profile.read.day-of-year", notes: "reading one day out of a full year of profile (issue 5)" },
  { name: "storage.bytes-per-entry", notes: "stored bytes per 15-minute entry (issue 5)" },
  { name: "storage.erase-spread.year", notes: "erase-count spread max/mean after a simulated year (issue 5)" },
  { name: "storage.flash-read.day", notes: "flash bytes read for a one-day range read (issue 5)" },
  { name: "fota.verify.per-kib", notes: "image verification per KiB (issue 7)" },
].filter((p) => !ops.some((o) => o.name === p.name) && !figures.some((f) => f.name === p.name));

interface Row {
  operation: string;
  xsComputations: number | null;
  hostNs: number | null;
  bytes: number | null;
  notes: string;
}

const XS_ITERATIONS = 5;
const WARMUP = 3;

async function measureXs(): Promise<Map<string, { computations: number; bytes: number | null } | string>> {
  const entry = join(root, "build", "bench", "xs-bench.mjs");
  mkdirSync(join(root, "build", "bench"), { recursive: true });
  const names = JSON.stringify(selected.map((o) => o.name));
  await bundleForXs(
    `import { ops } from ${JSON.stringify(join(root, "bench", "registry.ts"))};
const wanted = ${names};
for (const op of ops) {
  if (!wanted.includes(op.name)) continue;
  try {
    const state = op.setup();
    const batch = op.batch ?? 1;
    for (let i = 0; i < ${WARMUP}; i++) op.run(state);
    resetMeter(0, 0);
    for (let i = 0; i < ${XS_ITERATIONS} * batch; i++) op.run(state);
    const used = resetMeter(0, 0);
    const bytes = op.bytes ? op.bytes(state) : -1;
    print("BENCH " + op.name + " " + Math.round(used / (${XS_ITERATIONS} * batch)) + " " + bytes);
  } catch (e) {
    print("BENCHERR " + op.name + " " + e);
  }
}
print("BENCHDONE");
`,
    entry,
  );
  const run = await runOnXs(entry, { timeoutMs: 4 * 60_000 });
  const out = new Map<string, { computations: number; bytes: number | null } | string>();
  for (const line of run.stdout.split("\n")) {
    let m = /^BENCH (\S+) (\d+) (-?\d+)$/.exec(line);
    if (m) out.set(m[1], { computations: Number(m[2]), bytes: Number(m[3]) < 0 ? null : Number(m[3]) });
    m = /^BENCHERR (\S+) (.*)$/.exec(line);
    if (m) out.set(m[1], m[2]);
  }
  if (!run.stdout.includes("BENCHDONE")) throw new Error(`XS bench run did not finish: ${run.stderr || run.stdout.slice(-500)}`);
  return out;
}

function measureNode(): Map<string, number> {
  const out = new Map<string, number>();
  for (const op of selected) {
    const state = op.setup();
    const batch = op.batch ?? 1;
    for (let i = 0; i < WARMUP * 10; i++) op.run(state);
    // Repeat until ~200 ms or 31 samples; report the median per operation.
    const samples: number[] = [];
    const deadline = process.hrtime.bigint() + 200_000_000n;
    while (samples.length < 31 && (samples.length < 5 || process.hrtime.bigint() < deadline)) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < batch; i++) op.run(state);
      samples.push(Number(process.hrtime.bigint() - t0) / batch);
    }
    samples.sort((a, b) => a - b);
    out.set(op.name, Math.round(samples[samples.length >> 1]));
  }
  return out;
}

/** JS bytes of each firmware module as mcconfig would hand it to xsc (TypeScript stripped, not minified). */
function footprint(): { module: string; bytes: number }[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) {
        if (name !== "sim") walk(p); // simulated peripherals never go into a device build
      } else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) files.push(p);
    }
  };
  walk(join(root, "src"));
  walk(join(root, "hal"));
  return files.map((f) => {
    const js = transformSync(readFileSync(f, "utf8"), { loader: "ts", format: "esm", target: "es2022" }).code;
    return { module: relative(root, f), bytes: Buffer.byteLength(js) };
  });
}

function fmt(n: number | null): string {
  return n === null ? "—" : n.toLocaleString("en-US");
}

const started = Date.now();
const xs = await measureXs();
const node = measureNode();
const rows: Row[] = [];
for (const op of selected) {
  const x = xs.get(op.name);
  if (typeof x === "string" || x === undefined) {
    rows.push({ operation: op.name, xsComputations: null, hostNs: node.get(op.name) ?? null, bytes: null, notes: `${op.notes} — XS failed: ${x ?? "no result"}` });
  } else {
    rows.push({ operation: op.name, xsComputations: x.computations, hostNs: node.get(op.name) ?? null, bytes: x.bytes, notes: op.notes });
  }
}
const figureRows = figures
  .filter((f) => !filter || f.name.includes(filter))
  .map((f) => {
    const { value, unit } = f.compute();
    return { figure: f.name, value, unit, notes: f.notes };
  });
const modules = footprint();
const total = modules.reduce((a, m) => a + m.bytes, 0);

console.log("\noperation                          XS computations      host ns      bytes  notes");
for (const r of rows) {
  console.log(`${r.operation.padEnd(34)} ${fmt(r.xsComputations).padStart(15)} ${fmt(r.hostNs).padStart(12)} ${fmt(r.bytes).padStart(10)}  ${r.notes}`);
}
for (const f of figureRows) console.log(`${f.figure.padEnd(34)} ${`${fmt(f.value)} ${f.unit}`.padStart(39)}  ${f.notes}`);
for (const p of filter ? [] : pending) console.log(`${p.name.padEnd(34)} ${"not measured".padStart(39)}  ${p.notes}: not built yet`);
console.log(`\nfirmware footprint (JS handed to xsc, TypeScript stripped): ${modules.length} modules, ${fmt(total)} bytes`);
for (const m of modules) console.log(`  ${m.module.padEnd(50)} ${fmt(m.bytes).padStart(9)}`);

mkdirSync(join(root, "bench"), { recursive: true });
writeFileSync(
  join(root, "bench", "results.json"),
  JSON.stringify(
    {
      generated: new Date().toISOString(),
      xsIterations: XS_ITERATIONS,
      operations: rows,
      figures: figureRows,
      notMeasured: filter ? [] : pending,
      footprint: { totalBytes: total, modules },
    },
    null,
    2,
  ) + "\n",
);
console.log(`\nwrote bench/results.json in ${((Date.now() - started) / 1000).toFixed(1)} s`);
