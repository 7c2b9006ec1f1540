/**
 * The XS half of `npm test`: every host-tests/**\/*.test.ts file that is not
 * Node-only (*.node.test.ts) is bundled with the vitest shim and run on the
 * real XS engine. A file that crashes, hangs or ends without its summary line
 * counts as a failure.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { bundleForXs, engineIsDeviceWidth, rel, root, runOnXs } from "./xs-run.js";

export interface FileResult {
  file: string;
  passed: number;
  failed: number;
  skipped: number;
  failures: string[];
  output: string[];
  crashed?: string;
}

export function xsTestFiles(filter?: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) {
        if (name !== "generated" && name !== "xs") walk(p);
      } else if (name.endsWith(".test.ts") && !name.endsWith(".node.test.ts")) {
        if (!filter || rel(p).includes(filter)) out.push(p);
      }
    }
  };
  walk(join(root, "host-tests"));
  return out;
}

/**
 * A test file whose first line is `// xs-heap: <chunk bytes> <slots>` runs
 * in a fixed heap of that size on XS, as a device's creation record gives
 * it: exhausting it aborts the run (the file fails) instead of growing.
 * The sizes are a 32-bit engine's (the device's slot and chunk sizes): on a
 * 64-bit engine (built without gcc-multilib) the file runs without the fixed
 * heap and says so.
 */
function fixedHeap(file: string): { chunkBytes: number; slots: number } | undefined {
  const m = /^\/\/ xs-heap: (\d+) (\d+)\s*$/m.exec(readFileSync(file, "utf8").split("\n", 1)[0]);
  return m ? { chunkBytes: Number(m[1]), slots: Number(m[2]) } : undefined;
}

async function runFile(file: string): Promise<FileResult> {
  const name = rel(file).replace(/[\\/]/g, "_").replace(/\.ts$/, "");
  const bundle = join(root, "build", "xs-tests", `${name}.mjs`);
  const result: FileResult = { file: rel(file), passed: 0, failed: 0, skipped: 0, failures: [], output: [] };
  const shim = join(root, "host-tests", "xs", "shim.ts");
  const hostGlobals = join(root, "scripts", "xs-host-globals.ts");
  try {
    // The dynamic import makes esbuild wrap the test module in a lazy
    // initialiser, so an exception while loading it is caught and printed
    // (XS itself would drop it silently).
    await bundleForXs(
      `import ${JSON.stringify(hostGlobals)};\n` +
        `import { runRegisteredTests, reportLoadError } from ${JSON.stringify(shim)};\n` +
        `import(${JSON.stringify(file)}).then(runRegisteredTests, reportLoadError);\n`,
      bundle,
    );
  } catch (e) {
    result.failed = 1;
    result.crashed = `could not bundle for XS: ${(e as Error).message}`;
    return result;
  }
  let creation = fixedHeap(file);
  if (creation && !engineIsDeviceWidth()) {
    result.output.push("fixed heap NOT applied: the XS engine is 64-bit (no gcc-multilib when it was built), the xs-heap sizes are a 32-bit device's");
    creation = undefined;
  }
  const run = await runOnXs(bundle, { timeoutMs: Number(process.env.XS_TEST_TIMEOUT_MS ?? 20 * 60_000), creation });
  let done = false;
  for (const line of run.stdout.split("\n")) {
    const m = /^XSTEST (ok|fail|skip|done|loaderror) ?(.*)$/.exec(line);
    if (!m) {
      if (line.trim()) result.output.push(line);
      continue;
    }
    if (m[1] === "ok") result.passed++;
    else if (m[1] === "skip") result.skipped++;
    else if (m[1] === "fail") {
      result.failed++;
      result.failures.push(m[2]);
    } else if (m[1] === "loaderror") result.output.push(`could not load the test module: ${m[2]}`);
    else done = true;
  }
  if (!done) {
    result.failed++;
    result.crashed = run.timedOut
      ? "timed out on XS"
      : `XS run ended without its summary (exit ${run.code}): an exception escaped or a module failed to load${run.stderr ? `\n${run.stderr.trim()}` : ""}`;
  }
  return result;
}

/** Runs the files with `parallel` XS processes at once. */
export async function runXsTests(files: string[], parallel: number, onResult: (r: FileResult) => void): Promise<FileResult[]> {
  const results: FileResult[] = new Array(files.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      results[i] = await runFile(files[i]);
      onResult(results[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));
  return results;
}
