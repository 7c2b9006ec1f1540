/**
 * Issue 14 against the real simulator process (`npm start`'s program) and
 * the lab client: a kill -9 (a power cut without warning) is found at the
 * next start and logged as a power failure; a zeroed sector of the state
 * file is reported at start-up and in the storage diagnostic object
 * (0-0:96.128.1.255) read by the lab client; a state file of the wrong size
 * (truncated or extended) is refused with the reason and left
 * untouched, never started over.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runLabAsManagement, runProgramSync, startSimulator as start, type RunningSimulator } from "../support/simulator-process.node.js";

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});

/** The simulator process (host-tests/support/simulator-process.node.ts), stopped by this file's cleanup. */
function startSimulator(dir: string, extra: string[] = []): Promise<RunningSimulator> {
  return start(dir, ["--no-optical", ...extra], cleanup);
}

/** The simulator run to its exit (for a start that must be refused). */
function runToExit(dir: string, extra: string[] = []): { code: number | null; out: string } {
  const r = runProgramSync("simulator", ["--state", dir, "--tcp-port", "0", "--quiet", "--no-optical", ...extra]);
  return { code: r.code, out: `${r.stdout}${r.stderr}` };
}

/** `npm run lab -- get` of attribute 2 as management (HLS-GMAC); its counters live in a private HOME. */
function labGet(home: string, port: number, obis: string, classId: number): { code: number | null; out: string } {
  return runLabAsManagement(home, port, ["get", obis, "2", "--class", String(classId)]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("storage of the simulator process", () => {
  it("kill -9 is logged as a power failure; a zeroed sector is reported at start and in 0-0:96.128.1.255; a wrong-size state file is refused and kept", async () => {
    const dir = mkdtempSync(join(tmpdir(), "meter-i14-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    // 600x: a capture every 1.5 s of host time.
    let sim = await startSimulator(dir, ["--speed", "600"]);
    expect(sim.out()).toMatch(/fresh state in/);
    await sleep(4000);
    process.kill(sim.pid, "SIGKILL"); // a power cut without the power-fail warning
    await sim.exited;

    sim = await startSimulator(dir);
    expect(sim.out()).toMatch(/state restored from/);
    expect(sim.out()).toMatch(/power failure without warning detected: logged from/);
    expect(sim.out()).not.toMatch(/storage damage/);
    const clean = labGet(dir, sim.port, "0-0:96.128.1*255", 1);
    expect(clean.code, clean.out).toBe(0);
    sim.child.kill("SIGTERM");
    expect(await sim.exited).toBe(0);

    // Zero the first sector of the partition (the main log's oldest area) while the meter is off.
    const file = join(dir, "flash.bin");
    const image = new Uint8Array(readFileSync(file));
    image.fill(0, 0, 4096);
    writeFileSync(file, image);
    sim = await startSimulator(dir);
    expect(sim.out()).toMatch(/storage damage: \d+ damaged/);
    const damaged = labGet(dir, sim.port, "0-0:96.128.1*255", 1);
    expect(damaged.code, damaged.out).toBe(0);
    expect(damaged.out).not.toBe(clean.out);
    console.log(`storage diagnostic, clean: ${clean.out.trim()}\nafter a zeroed sector: ${damaged.out.trim()}`);
    sim.child.kill("SIGTERM");
    expect(await sim.exited).toBe(0);

    // Truncated or extended: refused, nothing changed.
    const size = statSync(file).size;
    truncateSync(file, size - 4096);
    const short = runToExit(dir);
    expect(short.code).toBe(1);
    expect(short.out).toMatch(/flash\.bin is \d+ bytes but this partition is \d+ bytes/);
    expect(statSync(file).size).toBe(size - 4096);
    truncateSync(file, size + 4096);
    const long = runToExit(dir);
    expect(long.code).toBe(1);
    expect(statSync(file).size).toBe(size + 4096);
    truncateSync(file, size);
  }, 240000);
});
