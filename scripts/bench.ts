/**
 * `npm run bench`: measures each operation of bench/registry.ts on the real
 * XS engine (deterministic computation count from xsnap's meter, per
 * operation, after warm-up) and on Node (median host time over repeated
 * runs), plus the firmware footprint, and writes a table to the terminal and
 * bench/results.json. `npm run bench -- <filter>` measures only operations
 * whose name contains the filter. See bench/README.md.
 */
import { build, transformSync } from "esbuild";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { figures, heapFigures, ops } from "../bench/registry.js";
import { flatten, Repo } from "./manifest-rules.js";
import { bundleForXs, engineIsDeviceWidth, root, runOnXs } from "./xs-run.js";

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
  /** Slots and chunk bytes one operation allocates on the 32-bit XS engine (a device's sizes); null on a 64-bit engine. */
  allocatedSlots: number | null;
  allocatedChunkBytes: number | null;
  notes: string;
}

const XS_ITERATIONS = 5;
const WARMUP = 3;
/** A device's XS slot: 16 bytes on a 32-bit build (ESP32, nRF52840), as on the 32-bit engine the bench runs on. */
const DEVICE_SLOT_BYTES = 16;
/**
 * Memory is measured, not estimated: on the 32-bit engine (scripts/build-xsnap.mjs
 * with gcc-multilib) slots, pointers and chunk headers have the device's sizes.
 * On a 64-bit engine every memory figure is left unmeasured, with this reason.
 */
const NOT_DEVICE_WIDTH = "not measured: the XS engine is 64-bit (built without gcc-multilib); install gcc-multilib and run `node scripts/build-xsnap.mjs`";
/** Computations between two samples of the live set while a peak is measured. */
const PEAK_INTERVAL = 4096;

interface XsResult {
  computations: number;
  bytes: number | null;
  slots: number;
  chunks: number;
}

/** Device bytes of a live set measured on the 32-bit engine: its slots (16 bytes each) and its chunk bytes (headers included). */
function deviceBytes(slots: number, chunks: number): number {
  return slots * DEVICE_SLOT_BYTES + chunks;
}

async function measureXs(): Promise<{ ops: Map<string, XsResult | string>; heap: Map<string, { slots: number; chunks: number } | string> }> {
  const entry = join(root, "build", "bench", "xs-bench.mjs");
  mkdirSync(join(root, "build", "bench"), { recursive: true });
  const names = JSON.stringify(selected.map((o) => o.name));
  const heapNames = JSON.stringify(selectedHeap.map((f) => f.name));
  // Heap figures first, while nothing of the operations is alive; then each
  // operation: computations over the measured runs, then the allocation of
  // one more run with collection off (xsAllocationBegin/End).
  await bundleForXs(
    `import { heapFigures, ops } from ${JSON.stringify(join(root, "bench", "registry.ts"))};
const wanted = ${names};
const wantedHeap = ${heapNames};
if (typeof xsMemoryLive !== "function") print("BENCHOLDENGINE");
else print("SLOTBYTES " + xsMachineSizes()[0]);
if (typeof xsMemoryLive === "function") for (const f of heapFigures) {
  if (!wantedHeap.includes(f.name)) continue;
  try {
    const hardware = f.hardware ? f.hardware() : undefined;
    const before = xsMemoryLive();
    const state = f.setup(hardware);
    const after = xsMemoryLive();
    if (!f.run) {
      print("HEAP " + f.name + " " + (after[0] - before[0]) + " " + (after[1] - before[1]));
      continue;
    }
    f.run(state); // warm-up: lazily built tables belong to the state, not the peak
    const base = xsMemoryLive();
    xsPeakBegin(${PEAK_INTERVAL});
    f.run(state);
    const peak = xsPeakEnd();
    print("HEAP " + f.name + " " + (peak[0] - base[0]) + " " + (peak[1] - base[1]));
  } catch (e) {
    print("BENCHERR " + f.name + " " + e);
  }
}
for (const op of ops) {
  if (!wanted.includes(op.name)) continue;
  try {
    const state = op.setup();
    const batch = op.batch ?? 1;
    const iterations = (op.iterations ?? ${XS_ITERATIONS}) * batch;
    let used = 0;
    let worst = 0;
    if (op.prepare) {
      for (let i = 0; i < ${WARMUP}; i++) { op.prepare(state); op.run(state); }
      for (let i = 0; i < iterations; i++) {
        op.prepare(state);
        resetMeter(0, 0);
        op.run(state);
        const c = resetMeter(0, 0);
        used += c;
        if (c > worst) worst = c;
      }
      op.prepare(state);
    } else {
      for (let i = 0; i < ${WARMUP}; i++) op.run(state);
      resetMeter(0, 0);
      for (let i = 0; i < iterations; i++) op.run(state);
      used = resetMeter(0, 0);
    }
    xsAllocationBegin();
    op.run(state);
    const allocated = xsAllocationEnd();
    const bytes = op.bytes ? op.bytes(state) : -1;
    print("BENCH " + op.name + " " + (op.worst && op.prepare ? worst : Math.round(used / iterations)) + " " + bytes + " " + allocated[0] + " " + allocated[1]);
  } catch (e) {
    print("BENCHERR " + op.name + " " + e);
  }
}
print("BENCHDONE");
`,
    entry,
  );
  const run = await runOnXs(entry, { timeoutMs: 40 * 60_000 });
  if (run.stdout.includes("BENCHOLDENGINE")) throw new Error("the XS engine has no memory host functions (scripts/xsnap/): rebuild it with `node scripts/build-xsnap.mjs`");
  const out = new Map<string, XsResult | string>();
  const heap = new Map<string, { slots: number; chunks: number } | string>();
  const slotBytes = Number(/^SLOTBYTES (\d+)$/m.exec(run.stdout)?.[1]);
  // The engine's own word on its width, checked against the build's: a figure in the wrong sizes is never written.
  if ((slotBytes === DEVICE_SLOT_BYTES) !== deviceWidth) throw new Error(`the XS engine's slots are ${slotBytes} bytes but its bits file says ${deviceWidth ? "32" : "64"}-bit: rebuild it`);
  for (const line of run.stdout.split("\n")) {
    let m = /^BENCH (\S+) (\d+) (-?\d+) (\d+) (\d+)$/.exec(line);
    if (m) out.set(m[1], { computations: Number(m[2]), bytes: Number(m[3]) < 0 ? null : Number(m[3]), slots: Number(m[4]), chunks: Number(m[5]) });
    m = /^HEAP (\S+) (-?\d+) (-?\d+)$/.exec(line);
    if (m) heap.set(m[1], { slots: Number(m[2]), chunks: Number(m[3]) });
    m = /^BENCHERR (\S+) (.*)$/.exec(line);
    if (m) (m[1].startsWith("heap.") ? heap : out).set(m[1], m[2]);
  }
  if (!run.stdout.includes("BENCHDONE")) throw new Error(`XS bench run did not finish: ${run.stderr || run.stdout.slice(-500)}`);
  return { ops: out, heap };
}

/**
 * The modules a device build contains: every module of the ESP32 build as
 * mcconfig makes it from the manifests (scripts/manifest-rules.ts: a
 * `folder/*` entry takes every file of the folder, imported or not), the
 * SDK's own modules left out (the SDK provides those natively). The DLMS
 * client (src/cosem/client/), the STS vending side (src/prepay/vending/),
 * the simulator and the tests are not in it because no manifest names their
 * folders. Every module the entry imports is in it (the manifest-rules test
 * checks that; checked here too, or the figure would miss code).
 */
async function deviceModules(): Promise<string[]> {
  const fromManifests = [...flatten(new Repo(), "esp32").modules.values()].flatMap((m) => (m.kind !== "sdk" && m.source && !m.source.includes(": missing") ? [m.source] : [])).sort();
  const result = await build({
    entryPoints: [join(root, "boards", "esp32-atm90e32", "main.js")],
    bundle: true,
    write: false,
    metafile: true,
    format: "esm",
    platform: "neutral",
    logLevel: "error",
    plugins: [{ name: "sdk-external", setup: (b) => b.onResolve({ filter: /^[^./]/ }, (a) => ({ path: a.path, external: true })) }],
  });
  const missing = Object.keys(result.metafile.inputs).filter((f) => !f.includes("node_modules") && !fromManifests.includes(f));
  if (missing.length) throw new Error(`the esp32 entry imports modules no manifest names: ${missing.join(", ")}`);
  return fromManifests;
}

interface Footprint {
  modules: { module: string; code: number; symbols: number; names: string[] }[];
  code: number;
  symbols: number;
  /** Live set that the firmware modules' bodies leave (module-level tables, classes, closures). */
  modulesHeap: { slots: number; chunks: number };
  /** Names the engine's own symbol table has (not the firmware's to count). */
  engineNames: Set<string>;
}

/**
 * Bytecode and symbols as xsc makes them for a release build (no debug
 * information), compiled module by module by the engine's own compiler
 * (xsCompiledSize). On the 32-bit engine a symbol reference in the bytecode
 * is 2 bytes as on a device (a 64-bit xsnap uses 4-byte IDs: its code bytes
 * are about 15 % larger). Symbols are counted once across modules, as xsl
 * links them, and names the engine's own table already has (xsEngineNames:
 * "length", "prototype", ...) are not counted: a device has them whatever
 * the firmware. In the same run, the live set the modules' bodies leave.
 */
async function footprint(modules: string[]): Promise<Footprint> {
  const dir = join(root, "build", "bench", "xsb");
  const files: { module: string; js: string }[] = [];
  for (const m of modules) {
    const js = join(dir, m.replace(/\.ts$/, ".js"));
    mkdirSync(dirname(js), { recursive: true });
    writeFileSync(js, transformSync(readFileSync(join(root, m), "utf8"), { loader: m.endsWith(".ts") ? "ts" : "js", format: "esm", target: "es2022" }).code);
    files.push({ module: m, js });
  }
  const mark = join(root, "bench", "heap-mark.ts");
  const entry = join(root, "build", "bench", "xs-footprint.mjs");
  await bundleForXs(
    `import ${JSON.stringify(mark)};
import * as meter from ${JSON.stringify(join(root, "src", "meter", "meter.ts"))};
import { heapMarks } from ${JSON.stringify(mark)};
const after = xsMemoryLive();
print("MODULES " + (after[0] - heapMarks[0][0]) + " " + (after[1] - heapMarks[0][1]) + " " + Object.keys(meter).length);
print("ENGINENAMES " + xsEngineNames().split("\\n").filter(Boolean).join(","));
for (const f of ${JSON.stringify(files)}) {
  const r = xsCompiledSize(f.js);
  print("XSB " + f.module + " " + r[0] + " " + r[1] + " " + r[2].split("\\n").filter(Boolean).join(","));
}
print("BENCHDONE");
`,
    entry,
  );
  const run = await runOnXs(entry, { timeoutMs: 5 * 60_000 });
  if (!run.stdout.includes("BENCHDONE")) throw new Error(`XS footprint run did not finish: ${run.stderr || run.stdout.slice(-500)}`);
  const out: Footprint = { modules: [], code: 0, symbols: 0, modulesHeap: { slots: 0, chunks: 0 }, engineNames: new Set() };
  const symbols = new Set<string>();
  const engineNames = (out.engineNames = new Set((/^ENGINENAMES (.*)$/m.exec(run.stdout)?.[1] ?? "").split(",")));
  if (engineNames.size < 100) throw new Error("the XS engine did not list its own names (xsEngineNames): rebuild it with `node scripts/build-xsnap.mjs`");
  for (const line of run.stdout.split("\n")) {
    let m = /^XSB (\S+) (\d+) (\d+) ?(.*)$/.exec(line);
    if (m) {
      out.modules.push({ module: m[1], code: Number(m[2]), symbols: Number(m[3]), names: m[4].split(",").filter(Boolean) });
      out.code += Number(m[2]);
      for (const s of m[4].split(",")) if (s && !engineNames.has(s)) symbols.add(s);
    }
    m = /^MODULES (-?\d+) (-?\d+)/.exec(line);
    if (m) out.modulesHeap = { slots: Number(m[1]), chunks: Number(m[2]) };
  }
  // The linked symbol table's part the firmware adds: each distinct name NUL-terminated (the 2-byte count is the engine's).
  out.symbols = [...symbols].reduce((a, s) => a + new TextEncoder().encode(s).length + 1, 0);
  return out;
}

/**
 * Features a board build could leave out, by module path: what the device
 * build would lose without them (their bytecode, and the symbols no other
 * module uses). See boards/README.md.
 */
const FEATURES: { name: string; match: RegExp }[] = [
  { name: "fota", match: /^src\/fota\/|^src\/cosem\/classes\/image-transfer\.ts$|^boards\/fota-config\.ts$/ },
  { name: "prepayment", match: /^src\/prepay\/|^src\/meter\/prepay\.ts$|^src\/cosem\/classes\/(account|credit|charge|token-gateway|prepay-common)\.ts$/ },
  { name: "alarms-and-push", match: /^src\/alarm\/|^src\/push\/|^src\/meter\/alarm-objects\.ts$|^src\/cosem\/classes\/push-setup\.ts$/ },
];
// (The other energy IC's driver is no longer one of them: a board's data names its own driver, so no build carries the other.)

function featureSizes(fp: Footprint): { feature: string; modules: number; code: number; symbols: number }[] {
  return FEATURES.map((f) => {
    const inside = fp.modules.filter((m) => f.match.test(m.module));
    const outsideNames = new Set(fp.modules.filter((m) => !f.match.test(m.module)).flatMap((m) => m.names));
    const own = new Set(inside.flatMap((m) => m.names).filter((n) => !outsideNames.has(n) && !fp.engineNames.has(n)));
    return {
      feature: f.name,
      modules: inside.length,
      code: inside.reduce((a, m) => a + m.code, 0),
      symbols: [...own].reduce((a, n) => a + new TextEncoder().encode(n).length + 1, 0),
    };
  });
}

function measureNode(): Map<string, number> {
  const out = new Map<string, number>();
  for (const op of selected) {
    const state = op.setup();
    const batch = op.batch ?? 1;
    const warmup = op.prepare ? WARMUP : WARMUP * 10;
    for (let i = 0; i < warmup; i++) {
      op.prepare?.(state);
      op.run(state);
    }
    // Repeat until ~200 ms or 31 samples; report the median per operation.
    const samples: number[] = [];
    const deadline = process.hrtime.bigint() + 200_000_000n;
    while (samples.length < (op.prepare ? 5 : 31) && (samples.length < 5 || process.hrtime.bigint() < deadline)) {
      op.prepare?.(state);
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < batch; i++) op.run(state);
      samples.push(Number(process.hrtime.bigint() - t0) / batch);
    }
    samples.sort((a, b) => a - b);
    out.set(op.name, Math.round(samples[samples.length >> 1]));
  }
  return out;
}

function fmt(n: number | null): string {
  // Not measured is null (NaN from a figure that could not compute, as results.json writes it).
  return n === null || !Number.isFinite(n) ? "—" : n.toLocaleString("en-US");
}

const started = Date.now();
const deviceWidth = engineIsDeviceWidth();
if (!deviceWidth) console.warn(`WARNING: memory figures and allocations ${NOT_DEVICE_WIDTH}`);
const selectedHeap = heapFigures.filter((f) => !filter || f.name.includes(filter));
const xs = await measureXs();
// Figures first: their fixtures are shared with operations, and the Node
// timing loop runs an operation a host-dependent number of times.
const figureRows: { figure: string; value: number | null; unit: string; notes: string }[] = figures
  .filter((f) => !filter || f.name.includes(filter))
  .map((f) => {
    const { value, unit } = f.compute();
    return { figure: f.name, value, unit, notes: f.notes };
  });
const node = measureNode();
const rows: Row[] = [];
for (const op of selected) {
  const x = xs.ops.get(op.name);
  const hostNs = node.get(op.name) ?? null;
  if (typeof x === "string" || x === undefined) {
    rows.push({ operation: op.name, xsComputations: null, hostNs, bytes: null, allocatedSlots: null, allocatedChunkBytes: null, notes: `${op.notes} — XS failed: ${x ?? "no result"}` });
  } else {
    rows.push({
      operation: op.name,
      xsComputations: x.computations,
      hostNs,
      bytes: x.bytes,
      allocatedSlots: deviceWidth ? x.slots : null,
      allocatedChunkBytes: deviceWidth ? x.chunks : null,
      notes: op.notes,
    });
  }
}
for (const f of selectedHeap) {
  const h = xs.heap.get(f.name);
  if (typeof h === "string" || h === undefined) figureRows.push({ figure: f.name, value: null, unit: "B", notes: `${f.notes} — XS failed: ${h ?? "no result"}` });
  else if (!deviceWidth) figureRows.push({ figure: f.name, value: null, unit: "B", notes: `${f.notes} — ${NOT_DEVICE_WIDTH}` });
  else figureRows.push({ figure: f.name, value: deviceBytes(h.slots, h.chunks), unit: "B", notes: `${f.notes} (${h.slots} slots, ${h.chunks} chunk bytes)` });
}
const fp = !filter || "footprint.bytecode".includes(filter) || "heap.modules.firmware".includes(filter) ? await footprint(await deviceModules()) : undefined;
const features = fp ? featureSizes(fp) : undefined;
if (fp) {
  figureRows.push({
    figure: "footprint.bytecode",
    value: deviceWidth ? fp.code + fp.symbols : null,
    unit: "B",
    notes: deviceWidth
      ? `XS bytecode (${fp.code} B, release, no debug information, 2-byte symbol IDs) and linked symbols (${fp.symbols} B, names the engine lacks) of the ${fp.modules.length} modules of the ESP32 device build`
      : `XS bytecode and symbols of the ESP32 device build — ${NOT_DEVICE_WIDTH} (a 64-bit xsnap's bytecode has 4-byte symbol IDs)`,
  });
  figureRows.push({
    figure: "heap.modules.firmware",
    value: deviceWidth ? deviceBytes(fp.modulesHeap.slots, fp.modulesHeap.chunks) : null,
    unit: "B",
    notes: deviceWidth
      ? `live set the firmware modules' bodies leave (tables, classes, closures; ${fp.modulesHeap.slots} slots, ${fp.modulesHeap.chunks} chunk bytes): in flash on a device only where preloaded and frozen`
      : `live set the firmware modules' bodies leave — ${NOT_DEVICE_WIDTH}`,
  });
}

console.log("\noperation                          XS computations      host ns      bytes  alloc slots  alloc chunk B  notes");
for (const r of rows) {
  console.log(
    `${r.operation.padEnd(34)} ${fmt(r.xsComputations).padStart(15)} ${fmt(r.hostNs).padStart(12)} ${fmt(r.bytes).padStart(10)} ${fmt(r.allocatedSlots).padStart(12)} ${fmt(r.allocatedChunkBytes).padStart(14)}  ${r.notes}`,
  );
}
console.log("");
for (const f of figureRows) console.log(`${f.figure.padEnd(34)} ${`${fmt(f.value)} ${f.unit}`.padStart(39)}  ${f.notes}`);
for (const p of filter ? [] : pending) console.log(`${p.name.padEnd(34)} ${"not measured".padStart(39)}  ${p.notes}: not built yet`);
if (fp) {
  console.log(`\ndevice build (boards/esp32-atm90e32/main.js): ${fp.modules.length} modules, ${fmt(fp.code)} B bytecode + ${fmt(fp.symbols)} B symbols`);
  for (const m of fp.modules) console.log(`  ${m.module.padEnd(50)} ${fmt(m.code).padStart(9)} ${fmt(m.symbols).padStart(7)}`);
  console.log("features a board build could leave out (bytecode + symbols only they use):");
  let left = fp.code + fp.symbols;
  for (const f of features ?? []) {
    left -= f.code + f.symbols;
    console.log(`  ${f.feature.padEnd(20)} ${String(f.modules).padStart(3)} modules ${fmt(f.code + f.symbols).padStart(9)} B`);
  }
  console.log(`  without all of them: ${fmt(left)} B`);
}

mkdirSync(join(root, "bench"), { recursive: true });
writeFileSync(
  join(root, "bench", "results.json"),
  JSON.stringify(
    {
      generated: new Date().toISOString(),
      xsIterations: XS_ITERATIONS,
      // The engine the memory figures come from: "32-bit" gives the device's slot and chunk sizes; "64-bit" leaves them null.
      engine: deviceWidth ? "32-bit" : "64-bit",
      deviceSlotBytes: DEVICE_SLOT_BYTES,
      peakSampleInterval: PEAK_INTERVAL,
      operations: rows,
      figures: figureRows,
      notMeasured: filter ? [] : pending,
      footprint: fp ? { codeBytes: fp.code, symbolBytes: fp.symbols, modules: fp.modules.map(({ names: _n, ...m }) => m), features } : undefined,
    },
    null,
    2,
  ) + "\n",
);
console.log(`\nwrote bench/results.json in ${((Date.now() - started) / 1000).toFixed(1)} s`);
