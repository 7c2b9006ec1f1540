/**
 * Where the idle meter's RAM goes: runs bench/census.ts on the project's XS
 * engine (it needs the xsCensus host function of scripts/xsnap/) and
 * prints the live set of the booted sim-board meter by part (domain,
 * catalog row grouped by class, DLMS front) and by kind (constructor or
 * function name), in device bytes (slots × 16 + chunk bytes, measured on
 * the 32-bit engine as the bench's figures are: bench/README.md; it refuses
 * a 64-bit engine, whose chunk bytes are not a device's). `--json` prints the raw census; a part name
 * (a substring of its label) limits the kind table to those parts.
 *
 *   npx tsx scripts/heap-census.ts [part] [--json]
 */
import { join } from "node:path";
import { bundleForXs, engineIsDeviceWidth, root, runOnXs } from "./xs-run.js";

interface Part {
  label: string;
  slots: number;
  chunks: number;
}
interface Kind extends Part {
  instances: number;
}
interface Census {
  idle: { slots: number; chunks: number };
  hardwareBeforeBoot: { slots: number; chunks: number };
  parts: Part[];
  kinds: Kind[];
  catalogRows: number;
}

const SLOT = 16;
const bytes = (p: { slots: number; chunks: number }) => p.slots * SLOT + p.chunks;
const fmt = (n: number) => n.toLocaleString("en-US");

if (!engineIsDeviceWidth()) throw new Error("the XS engine is 64-bit (built without gcc-multilib): its chunk bytes are not a device's; install gcc-multilib and run `node scripts/build-xsnap.mjs`");
const entry = join(root, "build", "bench", "census.mjs");
const only = process.argv.slice(2).find((a) => !a.startsWith("--")) ?? "";
await bundleForXs(
  `import { census } from ${JSON.stringify(join(root, "bench", "census.ts"))};\nif (typeof xsCensus !== "function") print("CENSUSOLDENGINE"); else census(${JSON.stringify(only)});\n`,
  entry,
);
const run = await runOnXs(entry, { timeoutMs: 10 * 60_000 });
if (run.stdout.includes("CENSUSOLDENGINE")) throw new Error("the XS engine has no xsCensus (scripts/xsnap/): rebuild it with `node scripts/build-xsnap.mjs`");
const line = run.stdout.split("\n").find((l) => l.startsWith("{"));
if (!line) throw new Error(`census failed: ${run.stderr || run.stdout.slice(-2000)}`);
const c = JSON.parse(line) as Census;
if (process.argv.includes("--json")) {
  console.log(JSON.stringify(c, null, 2));
  process.exit(0);
}

// Parts: hardware parts apart, catalog rows grouped by class.
const groups = new Map<string, Part & { n: number }>();
const order: string[] = [];
for (const p of c.parts) {
  const key = p.label;
  const g = groups.get(key);
  if (g) {
    g.slots += p.slots;
    g.chunks += p.chunks;
    g.n++;
  } else {
    groups.set(key, { ...p, n: 1 });
    order.push(key);
  }
}
const sum = (ps: Part[]) => ps.reduce((s, p) => ({ slots: s.slots + p.slots, chunks: s.chunks + p.chunks }), { slots: 0, chunks: 0 });
const boardParts = order.map((k) => groups.get(k)!).filter((p) => p.label.startsWith("board"));
const meterParts = order.map((k) => groups.get(k)!).filter((p) => !p.label.startsWith("hardware.") && !p.label.startsWith("board"));
const hardwareFirst = sum(c.parts.filter((p) => p.label.startsWith("hardware.")));
// What the meter hung on the board's objects (timer callbacks, listeners, the ports made at boot).
const boardRest = { label: "board: ports made at boot, callbacks on the hardware", n: 1, ...sum(boardParts) };
boardRest.slots -= c.hardwareBeforeBoot.slots - hardwareFirst.slots;
boardRest.chunks -= c.hardwareBeforeBoot.chunks - hardwareFirst.chunks;
meterParts.push(boardRest);
const counted = sum(meterParts);
console.log(`heap.meter.idle (bench method): ${fmt(bytes(c.idle))} B (${fmt(c.idle.slots)} slots, ${fmt(c.idle.chunks)} chunk B)`);
console.log(`census of the parts: ${fmt(bytes(counted))} B (reached from the meter and the board after boot, minus the board's objects before boot)`);
console.log(`\npart (first come, first counted)                          count    slots   chunk B   device B`);
for (const p of meterParts.sort((a, b) => bytes(b) - bytes(a))) {
  const b = bytes(p);
  console.log(`${p.label.padEnd(56)} ${String(p.n).padStart(6)} ${fmt(p.slots).padStart(8)} ${fmt(p.chunks).padStart(9)} ${fmt(b).padStart(10)}`);
}
console.log(`\nkind (instances of ${only ? `the parts "${only}"` : "the meter's parts"}, own slots and chunks)   instances    slots   chunk B   device B`);
for (const k of c.kinds.sort((a, b) => bytes(b) - bytes(a)).slice(0, Number(process.env.CENSUS_KINDS ?? 45))) {
  console.log(`${k.label.slice(0, 60).padEnd(60)} ${fmt(k.instances).padStart(9)} ${fmt(k.slots).padStart(8)} ${fmt(k.chunks).padStart(9)} ${fmt(bytes(k)).padStart(10)}`);
}
