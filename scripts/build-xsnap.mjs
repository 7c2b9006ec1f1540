#!/usr/bin/env node
// Builds the `xsnap` command (Moddable XS with metering) from the sources that
// the @agoric/xsnap npm package ships, so `npm install` leaves a real XS engine
// at .xsnap/bin/xsnap with no manual step. Plain JS (not TS): it runs from
// `postinstall`, before anything else of the project can be trusted to work.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
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

const outDir = join(root, ".xsnap");
const binary = join(outDir, "bin", platform, "release", "xsnap");
const stampFile = join(outDir, "stamp");
const stamp = `${pkgVersion} ${platform}`;

if (existsSync(binary) && existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp) {
  console.log(`build-xsnap: ${binary} is up to date (xsnap ${pkgVersion})`);
  process.exit(0);
}

mkdirSync(outDir, { recursive: true });
const makeDir = join(pkgDir, "xsnap-native", "xsnap", "makefiles", platform);
console.log(`build-xsnap: building XS (xsnap ${pkgVersion}) into ${outDir} ...`);
const jobs = String(Math.max(1, os.cpus().length));
const result = spawnSync(
  "make",
  [
    `-j${jobs}`,
    "-f", "xsnap.mk",
    `MODDABLE=${join(pkgDir, "moddable")}`,
    `BUILD_DIR=${outDir}`,
    "GOAL=release",
    `XSNAP_VERSION=${pkgVersion}`,
    // The same define the package's own build passes: older compilers lack it.
    'CC=cc "-D__has_builtin(x)=1"',
  ],
  { cwd: makeDir, stdio: "inherit" },
);
if (result.status !== 0 || !existsSync(binary)) {
  console.error("build-xsnap: make failed; a C compiler and make are needed (Debian: build-essential)");
  process.exit(1);
}
writeFileSync(stampFile, stamp);
console.log(`build-xsnap: built ${binary}`);
