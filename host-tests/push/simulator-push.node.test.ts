/**
 * Acceptance (issue 19), from outside: `npm start -- --push-to` and
 * `npm run lab -- listen` as processes. The listener receives the meter's
 * power-up notification, then (after a management client moved the push
 * action schedule to every hour and opened the window to the whole day with
 * `lab set`) a scheduled interval push, both general-glo-ciphered and
 * deciphered with the simulator's keys.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DEVELOPMENT_KEYS } from "../../src/meter/config.js";
import { toHex } from "../../src/util/bytes.js";
import { runProgram, startProgram, startSimulator } from "../support/simulator-process.node.js";

const keys = ["--akey", toHex(DEVELOPMENT_KEYS.authenticationKey), "--ekey", toHex(DEVELOPMENT_KEYS.globalUnicastKey)];
const cleanup: (() => void)[] = [];

afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});

async function lab(args: string[]): Promise<string> {
  return (await runProgram("lab", args)).out;
}

describe("npm start --push-to with npm run lab -- listen", () => {
  it("receives the power-up notification and a scheduled push, ciphered", async () => {
    const listen = startProgram("lab", ["listen", "--port", "0", ...keys], cleanup);
    const pushPort = Number((await listen.waitFor(/listening for pushes on tcp:\/\/127\.0\.0\.1:(\d+)/, 20_000))[1]);
    expect(pushPort).toBeGreaterThan(0);

    const dir = mkdtempSync(join(tmpdir(), "meter-push-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    // 600x: a simulated hour is 6 s, the interval push's 30-minute randomisation at most 3 s.
    const sim = await startSimulator(dir, ["--no-optical", "--speed", "600", "--push-to", `127.0.0.1:${pushPort}`], cleanup);
    const meterPort = sim.port;
    expect(sim.out()).toMatch(/pushing to tcp:\/\/127\.0\.0\.1:\d+/);

    // The power-up notification: the on-connectivity Push Setup 0-0:25.9.0*255, with the logical device name and the clock.
    await listen.waitFor(/push \d+ from [0-9a-f]{16} \([^)]*, ciphered\)[^\n]*\{0-0:25\.9\.0\*255, "MKT0000000000001", /, 20_000);
    expect(listen.out()).toMatch(/\{0-0:25\.9\.0\*255, "MKT0000000000001", /);

    // A head-end operator moves the interval-1 push to every hour, with no window.
    const mgmt = ["--tcp", `127.0.0.1:${meterPort}`, "--client-sap", "1", "--auth", "hls-gmac", ...keys];
    // execution_time: [{time FF:00:00.00 (every hour), date FFFF-FF-FF FF}]
    expect(await lab(["set", "0-1:15.0.4*255", "4", "hex:0101020209 04ff000000 0905ffffffffff".replace(/ /g, ""), ...mgmt])).toMatch(/success/);
    expect(await lab(["set", "0-1:25.9.0*255", "4", "hex:0100", ...mgmt])).toMatch(/success/);

    await listen.waitFor(/ciphered\)[^\n]*\{0-1:25\.9\.0\*255, "MKT0000000000001", /, 20_000);
    const line = listen.out().split("\n").find((l) => l.includes("{0-1:25.9.0*255"));
    expect(line).toMatch(/push \d+ from 4d4b540000000001 \(127\.0\.0\.1:\d+, ciphered\)/);
    // Nothing the listener could not open.
    expect(listen.out()).not.toMatch(/replayed|does not decipher|undecodable/);
  }, 90_000);
});
