/**
 * Issue 15 item 3 against `npm start`: a password guesser using the lab
 * client as fast as it can gets a bounded number of guesses evaluated, the
 * security log gets one entry per burst instead of one per guess, and a
 * kill -9 (power cut) does not reopen the window.
 */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Obis } from "../../src/cosem/obis.js";
import { DEFAULT_AUTH_GUARD } from "../../src/cosem/server/auth-guard.js";
import { DEVELOPMENT_KEYS } from "../../src/meter/config.js";
import { toHex } from "../../src/util/bytes.js";
import { parseLabArgs } from "../../scripts/lab/args.js";
import { openSession } from "../../scripts/lab/open.js";
import { report } from "../support/report.js";
import { startSimulator, stateDir, type SimProcess } from "./sim-process.js";

const SECURITY_LOG = Obis.of(0, 0, 99, 98, 6, 255);
const MANAGEMENT = ["--auth", "hls-gmac", "--client-sap", "1", "--akey", toHex(DEVELOPMENT_KEYS.authenticationKey), "--ekey", toHex(DEVELOPMENT_KEYS.globalUnicastKey)];
const GUESS_FOR_MS = 5000;

const state = stateDir();
let sim: SimProcess | undefined;
afterAll(async () => {
  await sim?.stop();
  state.remove();
});

function options(port: number, auth: string[]) {
  return parseLabArgs(["get", "0-0:1.0.0*255", "--tcp", `127.0.0.1:${port}`, ...auth]);
}

/** One LLS attempt through the lab client: "accepted", or the AARE's "result r, diagnostic d". */
async function attempt(port: number, password: string): Promise<string> {
  try {
    const s = await openSession(options(port, ["--auth", "lls", "--password", password, "--client-sap", "48"]), join(state.dir, "lab-counters.json"));
    await s.close();
    return "accepted";
  } catch (e) {
    const m = /result (\d+), diagnostic (\d+)/.exec((e as Error).message);
    if (!m) throw e;
    return `result ${m[1]}, diagnostic ${m[2]}`;
  }
}

async function securityLogEntries(port: number): Promise<number> {
  const s = await openSession(options(port, MANAGEMENT), join(state.dir, "lab-counters.json"));
  const r = await s.session.get(7, SECURITY_LOG, 7);
  await s.close();
  if (!r.ok) throw new Error(r.error);
  return Number(r.value.value);
}

describe("npm start: guessing the firmware client's LLS password", () => {
  it(`as fast as the lab client can for ${GUESS_FOR_MS / 1000} s: ${DEFAULT_AUTH_GUARD.maxFailures} guesses evaluated, 2 security log entries, still locked after kill -9`, async () => {
    sim = await startSimulator(state.dir);
    const before = await securityLogEntries(sim.port);
    const outcomes = new Map<string, number>();
    const end = Date.now() + GUESS_FOR_MS;
    let n = 0;
    while (Date.now() < end) {
      const o = await attempt(sim.port, `guess${n++}`);
      outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
    }
    report(`brute force: ${n} attempts in ${GUESS_FOR_MS} ms: ${[...outcomes].map(([k, v]) => `${v}x ${k}`).join("; ")}`);
    // result 1 / diagnostic 13 (authentication-failure): the password was looked at; result 2 (rejected-transient): locked out.
    expect(outcomes.get("result 1, diagnostic 13")).toBe(DEFAULT_AUTH_GUARD.maxFailures);
    expect(outcomes.get("result 2, diagnostic 1")).toBe(n - DEFAULT_AUTH_GUARD.maxFailures);
    expect(n).toBeGreaterThan(20);
    // Locked out means the right password too.
    expect(await attempt(sim.port, "12345678")).toBe("result 2, diagnostic 1");
    const after = await securityLogEntries(sim.port);
    expect(after - before).toBe(2);

    // Power cut: the lockout is in flash, not in RAM.
    await sim.kill();
    sim = await startSimulator(state.dir);
    expect(await attempt(sim.port, "12345678")).toBe("result 2, diagnostic 1");
    expect(await securityLogEntries(sim.port)).toBe(after);
  }, 60000);
});
