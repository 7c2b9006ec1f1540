/**
 * Runs code on the real XS engine (the `xsnap` built by scripts/build-xsnap.mjs).
 * Each entry is bundled by esbuild into one ES module (TypeScript stripped,
 * "vitest" resolved to the XS shim, npm packages such as fast-check inlined)
 * and run with `xsnap -m`. Shared by the test driver and the benchmarks.
 */
import { build } from "esbuild";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import os from "node:os";

export const root = resolve(fileURLToPath(new URL("..", import.meta.url)));

// METERKIT_XSNAP_DIR: the engine scripts/build-xsnap.mjs built elsewhere (the same variable it takes).
const engineDir = () => resolve(root, process.env.METERKIT_XSNAP_DIR || ".xsnap");

function xsnapPath(): string {
  const platform = os.type() === "Darwin" ? "mac" : "lin";
  const p = join(engineDir(), "bin", platform, "release", "xsnap");
  if (!existsSync(p)) throw new Error(`XS engine not built at ${p}: run \`npm install\` (or node scripts/build-xsnap.mjs)`);
  return p;
}

/**
 * Whether the engine is the device's width: 32-bit (16-byte slots, 8-byte
 * chunk headers, as on the ESP32 and nRF52840), which scripts/build-xsnap.mjs
 * builds when the compiler can (gcc-multilib), or the host's 64-bit.
 */
export function engineIsDeviceWidth(): boolean {
  const f = join(engineDir(), "bits");
  return existsSync(f) && readFileSync(f, "utf8").trim() === "32";
}

/** Bundles `source` (module text importing project files by absolute path) into outFile for XS. */
export async function bundleForXs(source: string, outFile: string): Promise<void> {
  mkdirSync(resolve(outFile, ".."), { recursive: true });
  await build({
    stdin: { contents: source, resolveDir: root, loader: "ts", sourcefile: basename(outFile) },
    bundle: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    target: "es2022",
    // XS 13.3 (xsnap) fails a static field initializer that constructs an
    // instance of its own class when the class has #private fields (noble's
    // Point.BASE); lowering static fields to assignments after the class
    // avoids it. Firmware code avoids the pattern (ARCHITECTURE.md).
    supported: { "class-static-field": false },
    outfile: outFile,
    alias: { vitest: join(root, "host-tests", "xs", "shim.ts") },
    logLevel: "error",
    legalComments: "none",
  });
}

export interface XsRun {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * Runs one bundled module on XS. `-q` makes print() prefix the deterministic computation count.
 * `creation` gives the machine a fixed heap (chunk bytes, slots, as a device's creation record):
 * exhausting it aborts the run instead of growing (scripts/xsnap/meterkit-memory.c).
 */
export function runOnXs(file: string, opts: { metering?: boolean; timeoutMs?: number; creation?: { chunkBytes: number; slots: number } } = {}): Promise<XsRun> {
  const args = ["-m", ...(opts.metering ? ["-q"] : []), file];
  const env = opts.creation ? { ...process.env, METERKIT_XS_CREATION: `${opts.creation.chunkBytes},${opts.creation.slots}` } : process.env;
  return new Promise((resolvePromise) => {
    const child = spawn(xsnapPath(), args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], env });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, opts.timeoutMs ?? 20 * 60_000);
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr, timedOut });
    });
  });
}

export function rel(p: string): string {
  return relative(root, p);
}
