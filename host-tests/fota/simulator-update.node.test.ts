/**
 * Firmware updates from outside, as a user runs them: the real simulator
 * process (`npm start`'s program) and the lab client process (`npm run lab
 * -- upload … --activate`), with images made by MCUboot's own imgtool 2.4.0
 * (fixtures/imgtool-2.4.0, see commands.sh there) and signed with MCUboot's
 * development key, which the test puts in the state directory as the
 * simulated bootloader's key before the first start.
 *
 * One state directory goes through: factory image 1.0.0 → 1.1.0 (test
 * swap, self-test, confirmed) → 1.2.0 uploaded over the secondary slot that
 * now holds the 96 KB factory image → 1.3.0 with a failing self-test
 * (reverted to 1.2.0) → 1.3.0 again with the simulator killed (SIGKILL)
 * mid-upload, restarted, the upload resumed and finished; a confirmed
 * image is still the one running after each restart of the simulator.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sharedDir } from "../../scripts/gen-vectors.js";
import { parseLabArgs } from "../../scripts/lab/args.js";
import { getCommand } from "../../scripts/lab/commands.js";
import { openSession } from "../../scripts/lab/open.js";
import { trailerLayout } from "../../src/fota/trailer.js";
import { runProgram, startSimulator, waitUntil, type RunningSimulator } from "../support/simulator-process.node.js";

const FIX = join(process.cwd(), "host-tests", "fota", "fixtures", "imgtool-2.4.0");
const KEY = join(sharedDir, "vectors", "mcuboot-imgtool-2", "keys", "root-ec-p256.pem");
const SLOT = 0x40000;
const FIRMWARE = ["--client-sap", "48", "--auth", "lls", "--password", "12345678"];
const MANAGEMENT = ["--client-sap", "1", "--auth", "hls-gmac", "--akey", "d0d1d2d3d4d5d6d7d8d9dadbdcdddedf", "--ekey", "000102030405060708090a0b0c0d0e0f"];

const dir = mkdtempSync(join(tmpdir(), "meter-fota-"));
copyFileSync(KEY, join(dir, "fota-signing-key.pem"));
const cleanup: (() => void)[] = [];
let sim: RunningSimulator | undefined;

afterAll(() => {
  for (const f of cleanup.splice(0).reverse()) f();
  rmSync(dir, { recursive: true, force: true });
});

function startSim(extra: string[] = []): Promise<RunningSimulator> {
  return startSimulator(dir, ["--no-optical", ...extra], cleanup);
}

/** Runs the lab client against the simulator; `onStderr` may kill things while it runs. */
function lab(args: string[], onStderr?: (err: string) => void): Promise<{ code: number | null; out: string; err: string }> {
  return runProgram("lab", [...args, "--tcp", `127.0.0.1:${sim!.port}`], { onStderr });
}

/**
 * A read as `npm run lab -- get …` prints it, in this process (the same
 * parser, session and command as the lab program; only the uploads run as
 * processes), with the invocation counters in the state directory.
 */
async function read(args: string[]): Promise<string> {
  const o = parseLabArgs([...args, "--tcp", `127.0.0.1:${sim!.port}`]);
  const { session, close } = await openSession(o, join(dir, "lab-counters.json"));
  const lines: string[] = [];
  try {
    await getCommand(session, o, (l) => lines.push(l));
  } finally {
    await close();
  }
  return lines.join("\n");
}

function waitFor(what: () => boolean, ms = 20000): Promise<void> {
  return waitUntil(what, ms, () => `simulator said:\n${sim?.out()}`);
}

/** The active firmware identifier (1.0.0.2.0.255), read by the public client. */
async function runningVersion(): Promise<string> {
  return read(["get", "1-0:0.2.0*255"]);
}

async function transferStatus(): Promise<number> {
  return Number(await read(["get", "0-0:44.0.0*255", "6", ...FIRMWARE]));
}

/** image_ok of the primary slot's trailer, as the bootloader will read it at the next reset. */
function primaryConfirmed(): boolean {
  const slot = readFileSync(join(dir, "slot0.bin"));
  return slot[trailerLayout(SLOT, 8).imageOkOff] === 0x01;
}

async function firmwareEvents(): Promise<number[]> {
  const text = await read(["get", "0-0:99.98.7*255", "2", ...MANAGEMENT]);
  return [...text.matchAll(/, (\d+)\}/g)].map((m) => Number(m[1]));
}

/** Uploads and activates, then waits for the firmware restart the activation causes. */
async function update(image: string): Promise<{ out: string; err: string }> {
  const restarts = (sim!.out().match(/firmware restarted/g) ?? []).length;
  const r = await lab(["upload", join(FIX, image), "--activate", ...FIRMWARE]);
  expect(r.code, `${r.out}\n${r.err}`).toBe(0);
  await waitFor(() => (sim!.out().match(/firmware restarted/g) ?? []).length > restarts);
  return r;
}

describe("firmware update in the simulator process, with images from MCUboot's imgtool", () => {
  it("runs the factory image, then an uploaded image running and confirmed", async () => {
    sim = await startSim();
    expect(sim.out()).toMatch(/factory image 1\.0\.0\+0/);
    expect(await runningVersion()).toBe('"1.0.0+0"');
    await update("sim-1.1.0.bin");
    expect(sim.out()).toMatch(/bootloader: test swap, running 1\.1\.0\+0/);
    expect(await runningVersion()).toBe('"1.1.0+0"');
    expect(await transferStatus()).toBe(6);
    expect(primaryConfirmed()).toBe(true);
    // image_to_activate_info: the activated image, its identification printed as text.
    const info = await read(["get", "0-0:44.0.0*255", "7", ...FIRMWARE]);
    expect(info).toMatch(/^\[\{100675, "sim-1\.1\.0\.bin", [0-9a-f]{64}\}\]$/);
    // The active firmware signature is the running image's hash, the one image_to_activate_info named.
    expect(await read(["get", "1-0:0.2.8*255"])).toBe(/([0-9a-f]{64})\}\]/.exec(info)![1]);
  }, 60000);

  it("an image uploaded over a slot holding an earlier image ends running and confirmed, with one re-erase event", async () => {
    const before = (await firmwareEvents()).length;
    const r = await update("sim-1.2.0.bin");
    expect(r.out).toMatch(/image verified \(120674 bytes/);
    expect(await runningVersion()).toBe('"1.2.0+0"');
    expect(await transferStatus()).toBe(6);
    expect(primaryConfirmed()).toBe(true);
    const events = (await firmwareEvents()).slice(before);
    // The secondary slot held the 96 KB factory image: its sectors are erased as the transfer reaches them, reported once.
    expect(events.filter((c) => c === 232)).toHaveLength(1);
    expect(events).toEqual([230, 232, 234, 17, 235, 236, 238, 18]);
  }, 60000);

  it("a new image whose self-test fails is reverted by the bootloader", async () => {
    await sim!.stop();
    sim = await startSim(["--self-test", "fail"]);
    // A confirmed image survives a restart of the whole simulator: the bootloader keeps it.
    expect(sim.out()).not.toMatch(/bootloader: (reverted|test swap)/);
    expect(await runningVersion()).toBe('"1.2.0+0"');
    const before = (await firmwareEvents()).length;
    const restarts = (sim.out().match(/firmware restarted/g) ?? []).length;
    await update("sim-1.3.0.bin");
    // Test swap, self-test fails, reset, revert: two restarts.
    await waitFor(() => (sim!.out().match(/firmware restarted/g) ?? []).length >= restarts + 2);
    expect(sim.out()).toMatch(/bootloader: test swap, running 1\.3\.0\+0[\s\S]*bootloader: reverted to the previous image, running 1\.2\.0\+0/);
    expect(await runningVersion()).toBe('"1.2.0+0"');
    expect(await transferStatus()).toBe(7);
    // A reverted image is no image to activate.
    expect(await read(["get", "0-0:44.0.0*255", "7", ...FIRMWARE])).toBe("[]");
    expect(primaryConfirmed()).toBe(true);
    expect((await firmwareEvents()).slice(before)).toEqual([230, 232, 234, 17, 235, 237, 239]);
  }, 60000);

  it("a simulator killed mid-upload resumes the transfer after its restart and finishes it", async () => {
    await sim?.stop();
    sim = await startSim();
    const victim = sim;
    let killed = false;
    const first = await lab(["upload", join(FIX, "sim-1.3.0.bin"), ...FIRMWARE], (err) => {
      if (!killed && /upload [5-9]0%/.test(err)) {
        killed = true;
        // The simulator itself (tsx runs it in a child process of its own): a power cut, no clean stop.
        process.kill(victim.pid, "SIGKILL");
      }
    });
    expect(killed).toBe(true);
    expect(first.code, `${first.out}\n${first.err}`).not.toBe(0);
    await victim.stop();
    sim = await startSim();
    const r = await update("sim-1.3.0.bin");
    const m = /resuming: the meter has (\d+) of (\d+) blocks/.exec(r.out);
    expect(m, r.out).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(Number(m![1])).toBeLessThan(Number(m![2]));
    expect(await runningVersion()).toBe('"1.3.0+0"');
    expect(await transferStatus()).toBe(6);
    expect(primaryConfirmed()).toBe(true);
    // And after one more restart, as `npm start` again: still 1.3.0, no swap, no revert.
    await sim.stop();
    sim = await startSim();
    expect(sim.out()).not.toMatch(/bootloader: (reverted|test swap)/);
    expect(await runningVersion()).toBe('"1.3.0+0"');
    await sim.stop();
  }, 120000);
});
