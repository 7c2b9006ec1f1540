/**
 * Figures of the firmware on the Moddable runtime (issue 21), computed by
 * scripts/moddable-figures.ts in a child process: the bench computes figures
 * on Node only, and this file is also bundled into the XS bench run, so it
 * reaches Node's child_process through process.getBuiltinModule instead of
 * importing it (compute() never runs on XS).
 *
 * - xs.stack.peak.boot / .dlms / xs.stack.peak: XS stack high-water in
 *   slots of the esp32 board's meter booting, and of the deepest DLMS
 *   exchange (HLS-GMAC association and the ciphered management object_list
 *   in blocks over the TCP wrapper); xs.stack.peak is the larger. Measured
 *   on the project's XS engine with its stack bounds check on.
 * - footprint.archive.esp32 / .nrf52: bytes of XS bytecode (code and
 *   symbols, as xsc writes them) of the firmware modules in each board's
 *   build. Needs the Moddable SDK's xsc (MODDABLE); otherwise not measured.
 */
import type { BenchFigure } from "../op.js";

interface ChildProcess {
  spawnSync(cmd: string, args: string[], o: { encoding: "utf8"; cwd?: string; env?: Record<string, string | undefined>; maxBuffer?: number }): { status: number | null; stdout: string; stderr: string };
}
interface NodeProcess {
  execPath: string;
  getBuiltinModule(name: string): unknown;
}

const cache = new Map<string, Record<string, number | string>>();

function figures(what: "stack" | "archive"): Record<string, number | string> {
  const hit = cache.get(what);
  if (hit) return hit;
  const proc = (globalThis as unknown as { process: NodeProcess }).process;
  const cp = proc.getBuiltinModule("node:child_process") as ChildProcess;
  const r = cp.spawnSync(proc.execPath, ["--import", "tsx", "scripts/moddable-figures.ts", what], { encoding: "utf8", maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`scripts/moddable-figures.ts ${what}: ${r.stderr.slice(-1000)}`);
  const out = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as Record<string, number | string>;
  cache.set(what, out);
  return out;
}

function value(what: "stack" | "archive", key: string, unit: string): { value: number; unit: string } {
  const v = figures(what)[key];
  // Not measurable here (no SDK): NaN is written as null, and the unit says why.
  return typeof v === "number" ? { value: v, unit } : { value: Number.NaN, unit: `${unit} (${v})` };
}

export const moddableFigures: BenchFigure[] = [
  {
    name: "xs.stack.peak",
    notes: "XS stack high-water in slots: the larger of boot and the deepest DLMS exchange (creation.stack must cover it)",
    compute: () => {
      const f = figures("stack");
      return { value: Math.max(Number(f.boot), Number(f.dlms)), unit: "slots" };
    },
  },
  { name: "xs.stack.peak.boot", notes: "XS stack high-water in slots: the esp32 board's meter boot (store format, catalog, links)", compute: () => value("stack", "boot", "slots") },
  { name: "xs.stack.peak.dlms", notes: "XS stack high-water in slots: HLS-GMAC association + ciphered object_list in blocks over the TCP wrapper", compute: () => value("stack", "dlms", "slots") },
  { name: "footprint.archive.esp32", notes: "XS bytecode (code + symbols per .xsb, SDK xsc -c -e) of the esp32 build's firmware modules", compute: () => value("archive", "esp32", "B") },
  { name: "footprint.archive.nrf52", notes: "XS bytecode (code + symbols per .xsb, SDK xsc -c -e) of the nrf52/dk build's firmware modules", compute: () => value("archive", "nrf52", "B") },
];
