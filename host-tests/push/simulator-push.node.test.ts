/**
 * Acceptance (issue 19), from outside: `npm start -- --push-to` and
 * `npm run lab -- listen` as processes. The listener receives the meter's
 * power-up notification, then (after a management client moved the push
 * action schedule to every hour and opened the window to the whole day with
 * `lab set`) a scheduled interval push, both general-glo-ciphered and
 * deciphered with the simulator's keys.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DEVELOPMENT_KEYS } from "../../src/meter/config.js";
import { toHex } from "../../src/util/bytes.js";

const tsx = join(process.cwd(), "node_modules", ".bin", "tsx");
const keys = ["--akey", toHex(DEVELOPMENT_KEYS.authenticationKey), "--ekey", toHex(DEVELOPMENT_KEYS.globalUnicastKey)];
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGTERM");
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function run(args: string[]): { child: ChildProcess; out: () => string } {
  const child = spawn(tsx, args, { cwd: process.cwd(), stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (out += b.toString()));
  return { child, out: () => out };
}

async function until(what: () => boolean, ms: number): Promise<void> {
  for (let t = 0; t < ms && !what(); t += 100) await new Promise((r) => setTimeout(r, 100));
}

async function lab(args: string[]): Promise<string> {
  const p = run(["scripts/lab.ts", ...args]);
  await new Promise<void>((resolve) => p.child.once("exit", () => resolve()));
  return p.out();
}

describe("npm start --push-to with npm run lab -- listen", () => {
  it("receives the power-up notification and a scheduled push, ciphered", async () => {
    const listen = run(["scripts/lab.ts", "listen", "--port", "0", ...keys]);
    await until(() => /listening for pushes on tcp:\/\/127\.0\.0\.1:\d+/.test(listen.out()), 20_000);
    const pushPort = Number(/tcp:\/\/127\.0\.0\.1:(\d+)/.exec(listen.out())?.[1]);
    expect(pushPort).toBeGreaterThan(0);

    const dir = mkdtempSync(join(tmpdir(), "meter-push-"));
    dirs.push(dir);
    // 600x: a simulated hour is 6 s, the interval push's 30-minute randomisation at most 3 s.
    const sim = run(["scripts/simulator.ts", "--tcp-port", "0", "--state", dir, "--no-optical", "--quiet", "--speed", "600", "--push-to", `127.0.0.1:${pushPort}`]);
    await until(() => /listening on tcp:\/\/127\.0\.0\.1:\d+/.test(sim.out()), 30_000);
    const meterPort = /listening on tcp:\/\/127\.0\.0\.1:(\d+)/.exec(sim.out())?.[1];
    expect(sim.out()).toMatch(/pushing to tcp:\/\/127\.0\.0\.1:\d+/);

    // The power-up notification: the on-connectivity Push Setup 0-0:25.9.0*255, with the logical device name and the clock.
    await until(() => /push \d+ from [0-9a-f]{16} \([^)]*, ciphered\)[^\n]*\{0-0:25\.9\.0\*255, "MKT0000000000001", /.test(listen.out()), 20_000);
    expect(listen.out()).toMatch(/\{0-0:25\.9\.0\*255, "MKT0000000000001", /);

    // A head-end operator moves the interval-1 push to every hour, with no window.
    const mgmt = ["--tcp", `127.0.0.1:${meterPort}`, "--client-sap", "1", "--auth", "hls-gmac", ...keys];
    // execution_time: [{time FF:00:00.00 (every hour), date FFFF-FF-FF FF}]
    expect(await lab(["set", "0-1:15.0.4*255", "4", "hex:0101020209 04ff000000 0905ffffffffff".replace(/ /g, ""), ...mgmt])).toMatch(/success/);
    expect(await lab(["set", "0-1:25.9.0*255", "4", "hex:0100", ...mgmt])).toMatch(/success/);

    await until(() => /ciphered\)[^\n]*\{0-1:25\.9\.0\*255, "MKT0000000000001", /.test(listen.out()), 20_000);
    const line = listen.out().split("\n").find((l) => l.includes("{0-1:25.9.0*255"));
    expect(line).toMatch(/push \d+ from 4d4b540000000001 \(127\.0\.0\.1:\d+, ciphered\)/);
    // Nothing the listener could not open.
    expect(listen.out()).not.toMatch(/replayed|does not decipher|undecodable/);
  }, 90_000);
});
