/**
 * Figures about running on the real Moddable runtime, for the bench
 * (bench/ops/moddable.ts runs this as a child process and reads its JSON):
 *
 * - `stack`: the XS stack high-water, in slots, of each scenario of
 *   bench/rigs/stack-scenarios.ts (the rig host-tests/boards/stack-scenarios.test.ts checks), on the project's XS engine: the
 *   same xsnap sources and makefile as scripts/build-xsnap.mjs, built once
 *   more into build/xsnap-bounds/ with XS's stack bounds check on
 *   (mxBoundsCheck, as in Moddable's debug builds: the release xsnap checks
 *   nothing and overruns silently). The probe runs each step on top of a
 *   frame holding N local slots and finds, by bisection, the largest N that
 *   does not overflow the engine's fixed 4096-slot stack (an overflow aborts
 *   the process). The same search with an empty step gives the reference;
 *   the difference is the slots the step needs above a plain call. Exact to
 *   one slot, deterministic.
 * - `archive`: the bytes of XS bytecode (code and symbols, as xsc writes
 *   each module's .xsb) of the firmware modules a board's build contains
 *   (scripts/manifest-rules.ts lists them as mcconfig would), compiled with
 *   the Moddable SDK's xsc the way mcconfig does (`xsc -c -e`, TypeScript
 *   emitted by tsc first). Needs a built SDK (MODDABLE set, xsc in
 *   $MODDABLE/build/bin/<os>/release); without one the figure is reported as
 *   not measured, never estimated.
 *
 * `npx tsx scripts/moddable-figures.ts stack|archive` prints JSON.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { flatten, Repo } from "./manifest-rules.js";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { bundleForXs, root } from "./xs-run.js";

/** xsnap with XS's stack bounds check, built from the @agoric/xsnap sources on first use. */
function boundsCheckedXsnap(): string {
  const os = process.platform === "darwin" ? "mac" : "lin";
  const outDir = join(root, "build", "xsnap-bounds");
  const binary = join(outDir, "bin", os, "release", "xsnap");
  if (existsSync(binary)) return binary;
  const require = createRequire(import.meta.url);
  const pkgDir = dirname(require.resolve("@agoric/xsnap/package.json"));
  const version = (JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as { version: string }).version;
  mkdirSync(outDir, { recursive: true });
  const r = spawnSync(
    "make",
    ["-f", "xsnap.mk", `MODDABLE=${join(pkgDir, "moddable")}`, `BUILD_DIR=${outDir}`, "GOAL=release", `XSNAP_VERSION=${version}`, 'CC=cc "-D__has_builtin(x)=1" -DmxBoundsCheck=1'],
    { cwd: join(pkgDir, "xsnap-native", "xsnap", "makefiles", os), encoding: "utf8" },
  );
  if (r.status !== 0 || !existsSync(binary)) throw new Error(`building the bounds-checked xsnap failed: ${r.stderr.slice(-2000)}`);
  return binary;
}


async function probeBundle(): Promise<string> {
  const out = join(root, "build", "stack-probe", "probe.mjs");
  mkdirSync(join(root, "build", "stack-probe"), { recursive: true });
  await bundleForXs(
    `import { stackScenarios } from ${JSON.stringify(join(root, "bench", "rigs", "stack-scenarios.ts"))};
const NAME = globalThis.__probeName;
// globalThis.__padded (prepended per probe) holds a frame of N local slots under the step.
function onTop(f) { globalThis.__current = f; return globalThis.__padded(); }
const scenario = NAME === "reference" ? { steps: () => [{ prepare() {}, run() {} }] } : stackScenarios.find((s) => s.name === NAME);
for (const step of scenario.steps()) {
  step.prepare();
  onTop(() => step.run());
}
print("PROBE OK");
`,
    out,
  );
  return readFileSync(out, "utf8");
}

function fits(xsnap: string, bundle: string, dir: string, name: string, pad: number): boolean {
  const file = join(dir, `probe-${name}-${pad}.mjs`);
  const locals = Array.from({ length: pad }, (_, i) => `a${i}`);
  // Not `return current()`: XS makes that a proper tail call and drops the padding frame first.
  const fn = `globalThis.__padded = function () { ${pad ? `var ${locals.join(",")};` : ""} const result = globalThis.__current(); return result; };`;
  writeFileSync(file, `globalThis.__probeName = ${JSON.stringify(name)};\n${fn}\n${bundle}`);
  const r = spawnSync(xsnap, ["-m", file], { encoding: "utf8", timeout: 300_000 });
  rmSync(file, { force: true });
  return r.stdout.includes("PROBE OK");
}

/** Largest pad that still fits. */
function headroom(xsnap: string, bundle: string, dir: string, name: string): number {
  let lo = 0;
  let hi = 4096;
  if (!fits(xsnap, bundle, dir, name, lo)) throw new Error(`stack probe: ${name} does not run even without padding`);
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (fits(xsnap, bundle, dir, name, mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

async function stackFigures(): Promise<Record<string, number>> {
  const xsnap = boundsCheckedXsnap();
  const bundle = await probeBundle();
  const dir = mkdtempSync(join(tmpdir(), "stack-probe-"));
  try {
    const reference = headroom(xsnap, bundle, dir, "reference");
    const out: Record<string, number> = {};
    for (const name of ["boot", "dlms"]) out[name] = reference - headroom(xsnap, bundle, dir, name);
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The SDK's xsc, if a built Moddable SDK is configured. */
function sdkXsc(): string | undefined {
  const sdk = process.env.MODDABLE;
  if (!sdk) return undefined;
  const os = process.platform === "darwin" ? "mac" : "lin";
  const xsc = join(sdk, "build", "bin", os, "release", "xsc");
  return existsSync(xsc) ? xsc : undefined;
}

/** Firmware bytecode per board platform, or a reason it could not be measured. */
function archiveFigures(platforms: Record<string, string>): Record<string, number | string> {
  const xsc = sdkXsc();
  const out: Record<string, number | string> = {};
  if (!xsc) {
    for (const board of Object.keys(platforms)) out[board] = "not measured: needs the Moddable SDK's xsc (set MODDABLE to a built SDK)";
    return out;
  }
  const repo = new Repo();
  const dir = mkdtempSync(join(tmpdir(), "xsb-"));
  try {
    for (const [board, platform] of Object.entries(platforms)) {
      let bytes = 0;
      for (const m of flatten(repo, platform).modules.values()) {
        if (!m.source) continue;
        const text = readFileSync(join(root, m.source), "utf8");
        const js = m.kind === "ts" ? ts.transpileModule(text, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText : text;
        const base = m.name.replace(/[/:]/g, "_");
        const file = join(dir, `${base}.js`);
        writeFileSync(file, js);
        const r = spawnSync(xsc, [file, "-c", "-e", "-o", dir, "-r", base], { encoding: "utf8" });
        if (r.status !== 0) throw new Error(`xsc ${m.name}: ${r.stderr || r.stdout}`);
        bytes += statSync(join(dir, `${base}.xsb`)).size;
      }
      out[board] = bytes;
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && process.argv[1].endsWith("moddable-figures.ts")) {
  const what = process.argv[2];
  if (what === "stack") console.log(JSON.stringify(await stackFigures()));
  else if (what === "archive") console.log(JSON.stringify(archiveFigures({ esp32: "esp32", nrf52: "nrf52/dk" })));
  else {
    console.error("usage: tsx scripts/moddable-figures.ts stack|archive");
    process.exit(2);
  }
}
