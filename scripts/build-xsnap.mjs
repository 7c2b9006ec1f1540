#!/usr/bin/env node
// Builds the `xsnap` command (Moddable XS with metering) from the sources that
// the @agoric/xsnap npm package ships, so `npm install` leaves a real XS engine
// at .xsnap/bin/xsnap with no manual step. Plain JS (not TS): it runs from
// `postinstall`, before anything else of the project can be trusted to work.
//
// The package's xsnap sources are copied into <outDir>/src and patched to
// compile in the project's own host functions (scripts/xsnap/meterkit-memory.c:
// live heap after a full collection, bytes allocated, peak live set, compiled
// bytecode size, and a fixed heap from METERKIT_XS_CREATION) that the
// benchmarks and the fixed-heap test use. The output directory is .xsnap, or
// METERKIT_XSNAP_DIR when set (to build a second engine beside the first).
//
// The engine is built for 32-bit x86 (-m32) when the C compiler can make and
// run a 32-bit program (Debian: gcc-multilib), so that its slots, pointers and
// chunk headers have the sizes they have on the ESP32 and nRF52840 (16-byte
// slots, 4-byte pointers, 8-byte chunk headers): the bench's memory figures and
// the fixed-heap test are then the device's own. Without that compiler it is
// built for the host (64-bit: 32-byte slots) and says so; the bench then leaves
// its memory figures unmeasured and the fixed-heap test runs without its fixed
// heap (bench/README.md). METERKIT_XSNAP_BITS=64 (or 32) forces the width.
// The width built is written to <outDir>/bits for the bench and the tests.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import os from "node:os";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const pkgDir = dirname(require.resolve("@agoric/xsnap/package.json"));
const pkgVersion = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")).version;

const platforms = { Linux: "lin", Darwin: "mac" };
const platform = platforms[os.type()];
if (!platform) {
  console.error(`build-xsnap: no xsnap makefile for ${os.type()}`);
  process.exit(1);
}

const outDir = resolve(root, process.env.METERKIT_XSNAP_DIR || ".xsnap");
const binary = join(outDir, "bin", platform, "release", "xsnap");
const stampFile = join(outDir, "stamp");
const hostDir = join(root, "scripts", "xsnap");
const hostFiles = ["meterkit-memory.c", "meterkit-memory.h"];
/** "32" when the compiler makes and runs a -m32 program here, with the reason when it cannot. */
function probe32() {
  const dir = join(os.tmpdir(), `meterkit-m32-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const c = join(dir, "probe.c");
  const exe = join(dir, "probe");
  writeFileSync(c, "#include <stdio.h>\n#include <math.h>\nint main(void) { return sizeof(void*) == 4 && floor(0.5) == 0 ? 0 : 1; }\n");
  const cc = spawnSync("cc", ["-m32", c, "-o", exe, "-lm"], { encoding: "utf8" });
  const ok = cc.status === 0 && spawnSync(exe).status === 0;
  rmSync(dir, { recursive: true, force: true });
  return ok ? { bits: "32" } : { bits: "64", why: cc.status === 0 ? "a -m32 program does not run here" : "cc -m32 cannot build a program (Debian: apt-get install gcc-multilib)" };
}
const forced = process.env.METERKIT_XSNAP_BITS;
if (forced && forced !== "32" && forced !== "64") {
  console.error(`build-xsnap: METERKIT_XSNAP_BITS must be 32 or 64, not ${forced}`);
  process.exit(1);
}
const width = forced ? { bits: forced } : probe32();
const hostHash = createHash("sha256");
for (const f of hostFiles) hostHash.update(readFileSync(join(hostDir, f)));
hostHash.update(readFileSync(fileURLToPath(import.meta.url)));
const stamp = `${pkgVersion} ${platform} ${width.bits}-bit meterkit-${hostHash.digest("hex").slice(0, 16)}`;
const bitsFile = join(outDir, "bits");

/** Replaces `from` once in `text`, or stops the build: a new xsnap release must be looked at, not half-patched. */
function patch(text, from, to, file) {
  if (!text.includes(from)) {
    console.error(`build-xsnap: cannot patch ${file} (xsnap ${pkgVersion}): "${from.trim()}" not found`);
    process.exit(1);
  }
  return text.replace(from, to);
}

/** Writes only what changed, so that make rebuilds only what the patch touches (every object depends on xsnap.h). */
function writeIfChanged(file, text) {
  if (!existsSync(file) || readFileSync(file, "utf8") !== text) writeFileSync(file, text);
}

/** The package's xsnap sources with the project's host functions compiled in. */
function stageSources(srcDir) {
  const pkgSources = join(pkgDir, "xsnap-native", "xsnap", "sources");
  mkdirSync(srcDir, { recursive: true });
  for (const f of readdirSync(pkgSources)) writeIfChanged(join(srcDir, f), readFileSync(join(pkgSources, f), "utf8"));
  for (const f of hostFiles) writeIfChanged(join(srcDir, f), readFileSync(join(hostDir, f), "utf8"));
  let xsnap = readFileSync(join(pkgSources, "xsnap.c"), "utf8");
  xsnap = patch(xsnap, '#include "xsnap.h"\n', '#include "xsnap.h"\n#include "meterkit-memory.h"\n', "xsnap.c");
  xsnap = patch(xsnap, "#define mxSnapshotCallbackCount 18", "#define mxSnapshotCallbackCount (18 + mxMeterkitCallbackCount)", "xsnap.c");
  xsnap = patch(xsnap, "\tfx_harden, // 17\n", "\tfx_harden, // 17\n\tmxMeterkitCallbacks\n", "xsnap.c");
  xsnap = patch(xsnap, "\tmodInstallTextDecoder(the);\n", "\tmeterkit_build(the);\n\tmodInstallTextDecoder(the);\n", "xsnap.c");
  xsnap = patch(xsnap, "\t\tmachine = xsCreateMachine(creation,", "\t\tmeterkit_creation(creation);\n\t\tmachine = xsCreateMachine(creation,", "xsnap.c");
  writeIfChanged(join(srcDir, "xsnap.c"), xsnap);
  const platformSource = readFileSync(join(pkgSources, "xsnapPlatform.c"), "utf8");
  writeIfChanged(join(srcDir, "xsnapPlatform.c"), platformSource + '\n#include "meterkit-memory.c"\n');
}

if (width.why) {
  console.warn(`build-xsnap: WARNING: building a 64-bit XS engine: ${width.why}.`);
  console.warn("build-xsnap: the bench will not measure memory in device sizes and the fixed-heap test will run without its fixed heap.");
}
if (existsSync(binary) && existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp && existsSync(bitsFile)) {
  console.log(`build-xsnap: ${binary} is up to date (xsnap ${pkgVersion}, ${width.bits}-bit)`);
  process.exit(0);
}

mkdirSync(outDir, { recursive: true });
const srcDir = join(outDir, "src");
stageSources(srcDir);
const makeDir = join(pkgDir, "xsnap-native", "xsnap", "makefiles", platform);
console.log(`build-xsnap: building XS (xsnap ${pkgVersion}, ${width.bits}-bit) into ${outDir} ...`);
// The objects of the other width must not be linked in: a width change rebuilds all.
const tmpDir = join(outDir, "tmp", platform, "release", "xsnap");
if (existsSync(stampFile) && !readFileSync(stampFile, "utf8").includes(` ${width.bits}-bit `)) rmSync(tmpDir, { recursive: true, force: true });
const jobs = String(Math.max(1, os.cpus().length));
const result = spawnSync(
  "make",
  [
    `-j${jobs}`,
    "-f", "xsnap.mk",
    `MODDABLE=${join(pkgDir, "moddable")}`,
    `BUILD_DIR=${outDir}`,
    `TLS_DIR=${srcDir}`,
    "GOAL=release",
    `XSNAP_VERSION=${pkgVersion}`,
    // The same define the package's own build passes: older compilers lack it.
    // CC is used to compile and to link, so -m32 here makes the whole program 32-bit.
    `CC=cc${width.bits === "32" ? " -m32" : ""} "-D__has_builtin(x)=1"`,
  ],
  { cwd: makeDir, stdio: "inherit" },
);
if (result.status !== 0 || !existsSync(binary)) {
  console.error(`build-xsnap: make failed; a C compiler and make are needed (Debian: build-essential${width.bits === "32" ? ", and gcc-multilib for -m32" : ""})`);
  process.exit(1);
}
writeFileSync(bitsFile, `${width.bits}\n`);
writeFileSync(stampFile, stamp);
console.log(`build-xsnap: built ${binary} (${width.bits}-bit)`);
