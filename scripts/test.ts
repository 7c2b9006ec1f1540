/**
 * `npm test`: typecheck, the firmware rule check, every test on Node (vitest)
 * and every non-Node-only test on the real XS engine. Ends with one line
 * `N passed, N failed` covering both runtimes (a failing check counts as one
 * failure). `npm test -- <filter>` runs only test files whose path contains
 * the filter.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import os from "node:os";
import { checkFirmware } from "./check-firmware.js";
import { checkDeadExports } from "./check-exports.js";
import { generateVectors } from "./gen-vectors.js";
import { root } from "./xs-run.js";
import { runXsTests, xsTestFiles } from "./xs-test.js";

const filter = process.argv[2];
const bin = (name: string) => join(root, "node_modules", ".bin", name);
let checkFailures = 0;
const lines: string[] = [];

function step(title: string): void {
  console.log(`\n=== ${title}`);
}

function run(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  return r.status === 0;
}

step("third-party vectors");
generateVectors();
console.log("host-tests/generated/ written from ../shared/vectors");

// METER_TEST_QUICK=1 skips the typecheck and rule check while iterating on
// one area (several people share a tree); the summary then says so and the
// full command is what CI runs.
const quick = process.env.METER_TEST_QUICK === "1";
if (!quick) {
  step("typecheck");
  // Every tsconfig*.json at the top: firmware, host side, and the Moddable HAL
  // checked against Moddable's typings.
  const projects = readdirSync(root).filter((f) => /^tsconfig(\.[\w-]+)?\.json$/.test(f)).sort();
  for (const project of projects) {
    const ok = run(bin("tsc"), ["-p", project, "--noEmit"]);
    console.log(`tsc -p ${project}: ${ok ? "ok" : "FAILED"}`);
    if (!ok) checkFailures++;
  }

  step("firmware rules (no Node in src/ or hal/)");
  const violations = checkFirmware();
  for (const v of violations) console.error(`FAIL ${v.file}:${v.line}: ${v.message}`);
  console.log(violations.length === 0 ? "ok" : `${violations.length} violation(s)`);
  if (violations.length) checkFailures++;

  step("dead exports (an export nothing imports; firmware exports only tests import)");
  const dead = checkDeadExports();
  for (const d of dead) console.error(`FAIL ${d.message}`);
  console.log(dead.length === 0 ? "ok" : `${dead.length} dead export(s)`);
  if (dead.length) checkFailures++;
}

step("tests on Node (vitest)");
mkdirSync(join(root, "build"), { recursive: true });
// Per-process report file so that two filtered runs side by side do not
// read each other's results.
const vitestJson = join(root, "build", `vitest-${process.pid}.json`);
rmSync(vitestJson, { force: true });
run(bin("vitest"), ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${vitestJson}`, ...(filter ? [filter] : [])]);
let node = { passed: 0, failed: 0, skipped: 0, files: 0 };
if (existsSync(vitestJson)) {
  const j = JSON.parse(readFileSync(vitestJson, "utf8")) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
    numFailedTestSuites: number;
    testResults: { name: string; status: string; assertionResults: unknown[] }[];
  };
  // A file that fails to load has no test results: count it as one failure.
  const brokenFiles = j.testResults.filter((f) => f.status === "failed" && f.assertionResults.length === 0).length;
  node = { passed: j.numPassedTests, failed: j.numFailedTests + brokenFiles, skipped: j.numPendingTests + j.numTodoTests, files: j.testResults.length };
} else {
  console.error("vitest wrote no report");
  checkFailures++;
}

step("tests on XS (xsnap)");
const files = xsTestFiles(filter);
const parallel = Math.max(1, Math.min(os.cpus().length, Number(process.env.XS_PARALLEL ?? 2)));
const xsResults = await runXsTests(files, parallel, (r) => {
  const status = r.failed ? "FAIL" : "ok  ";
  console.log(`${status} ${r.file}  ${r.passed} passed${r.failed ? `, ${r.failed} failed` : ""}${r.skipped ? `, ${r.skipped} skipped` : ""}`);
  for (const o of r.output) console.log(`     | ${o}`);
  for (const f of r.failures) console.log(`     ✗ ${f}`);
  if (r.crashed) console.log(`     ✗ ${r.crashed}`);
});
const xs = xsResults.reduce((a, r) => ({ passed: a.passed + r.passed, failed: a.failed + r.failed, skipped: a.skipped + r.skipped }), { passed: 0, failed: 0, skipped: 0 });

step("summary");
lines.push(`node: ${node.passed} passed, ${node.failed} failed, ${node.skipped} skipped (${node.files} files)`);
lines.push(`xs:   ${xs.passed} passed, ${xs.failed} failed, ${xs.skipped} skipped (${files.length} files)`);
lines.push(`checks: ${quick ? "skipped (METER_TEST_QUICK=1)" : checkFailures === 0 ? "typecheck, firmware rules and exports ok" : `${checkFailures} failed`}`);
for (const l of lines) console.log(l);
const passed = node.passed + xs.passed;
const failed = node.failed + xs.failed + checkFailures;
if (files.length === 0 && !filter) console.log("no XS test files found");
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
