/**
 * Issue 15 items 2 and 3 against `npm start` (the simulator as a child
 * process on a free TCP port, stopped by SIGTERM or killed with SIGKILL, a
 * power cut), with the project's own lab client code over real sockets:
 * - sockets that squat the meter's two TCP slots (idle, slow-loris, HLS
 *   left pending after pass 2) no longer keep a legitimate client out, and
 *   a message dribbling in is cut off;
 * - a password guesser gets a bounded number of guesses evaluated, the
 *   security log gets one entry per burst instead of one per guess, and a
 *   kill -9 does not reopen the window.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { connect as netConnect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimCrypto } from "../../hal/sim/crypto.js";
import { Mechanism } from "../../src/cosem/apdu/acse.js";
import { DlmsClient } from "../../src/cosem/client/client.js";
import { Obis } from "../../src/cosem/obis.js";
import { DEFAULT_AUTH_GUARD } from "../../src/cosem/server/auth-guard.js";
import { DEVELOPMENT_KEYS } from "../../src/meter/config.js";
import { ClientSap } from "../../src/meter/dlms.js";
import { DEFAULT_WRAPPER_CONFIG } from "../../src/transport/wrapper/server.js";
import { fromHex, toHex } from "../../src/util/bytes.js";
import { parseLabArgs } from "../../scripts/lab/args.js";
import { wrapperLink } from "../../scripts/lab/link.js";
import { NodeTimers, SocketTcpConnection } from "../../scripts/lab/node-ports.js";
import { openSession } from "../../scripts/lab/open.js";
import { report } from "../support/report.js";
import { startSimulator as start, type RunningSimulator } from "../support/simulator-process.node.js";

const cleanup: (() => void)[] = [];
afterAll(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});

function stateDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "meter-hard-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function startSimulator(dir: string): Promise<RunningSimulator> {
  return start(dir, ["--no-optical"], cleanup);
}

const CLOCK = Obis.of(0, 0, 1, 0, 0, 255);
/** What this test promises a legitimate client: associated and served within this time, whatever holds the slots. */
const LEGIT_WITHIN_MS = 3000;

let sim: RunningSimulator;
let state: ReturnType<typeof stateDir>;
const timers = new NodeTimers();
const sockets: Socket[] = [];

beforeAll(async () => {
  state = stateDir();
  sim = await startSimulator(state.dir);
}, 60000);

afterAll(async () => {
  for (const s of sockets) s.destroy();
  timers.clearAll();
  await sim?.stop();
  state?.remove();
});

function rawSocket(): Promise<{ socket: Socket; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: "127.0.0.1", port: sim.port });
    sockets.push(socket);
    const closed = new Promise<number>((r) => socket.on("close", () => r(Date.now())));
    socket.on("error", () => undefined);
    socket.once("connect", () => resolve({ socket, closed }));
    socket.once("error", reject);
  });
}

function labOptions(auth: string[]) {
  return parseLabArgs(["get", "0-0:1.0.0*255", "--tcp", `127.0.0.1:${sim.port}`, ...auth]);
}

const MANAGEMENT = ["--auth", "hls-gmac", "--client-sap", "1", "--akey", toHex(DEVELOPMENT_KEYS.authenticationKey), "--ekey", toHex(DEVELOPMENT_KEYS.globalUnicastKey)];

/** A legitimate management client: HLS-GMAC association and one GET of the clock; resolves with the time it took. */
async function legitimate(counterFile: string): Promise<number> {
  const t0 = Date.now();
  const s = await openSession(labOptions(MANAGEMENT), counterFile);
  const r = await s.session.get(8, CLOCK, 2);
  await s.close();
  expect(r.ok).toBe(true);
  return Date.now() - t0;
}

/** The lab's DLMS client that stops after HLS pass 2: the association stays pending on its connection. */
async function pendingHls(ic: number): Promise<SocketTcpConnection> {
  const tcp = await SocketTcpConnection.open("127.0.0.1", sim.port);
  sockets.push(tcp.socket);
  const link = wrapperLink(tcp, timers, { clientSap: ClientSap.reader, serverLogical: 1, serverPhysical: 16, responseTimeoutMs: 5000 }, "squatter");
  let n = 0;
  let aare: (() => void) | undefined;
  const gotAare = new Promise<void>((r) => (aare = r));
  const client = new DlmsClient({
    exchange: async (req) => {
      if (n++ === 0) {
        const r = await link.request(req);
        aare!();
        return r;
      }
      return new Promise<Uint8Array>(() => undefined); // never sends pass 3's answer on: stalls the client
    },
    mechanism: Mechanism.hlsGmac,
    ciphering: { crypto: new SimCrypto(), systemTitle: fromHex("5351554154544552"), keys: { encryptionKey: DEVELOPMENT_KEYS.globalUnicastKey, authenticationKey: DEVELOPMENT_KEYS.authenticationKey }, invocationCounter: ic },
  });
  void client.associate().catch(() => undefined);
  await gotAare;
  return tcp;
}

describe("npm start: nobody can hold the TCP port", () => {
  it(`slow-loris: a message sent one byte every 500 ms is cut off ${DEFAULT_WRAPPER_CONFIG.frameTimeoutMs / 1000} s after its first byte (each byte no longer restarts the 180 s wait)`, async () => {
    const { socket, closed } = await rawSocket();
    const message = Uint8Array.of(0, 1, 0, 16, 0, 1, 0, 64, ...new Uint8Array(64));
    const first = Date.now();
    let i = 0;
    const drip = setInterval(() => {
      if (i < message.length && !socket.destroyed) socket.write(message.subarray(i, ++i));
    }, 500);
    const at = await closed;
    clearInterval(drip);
    const after = at - first;
    expect(after).toBeGreaterThanOrEqual(DEFAULT_WRAPPER_CONFIG.frameTimeoutMs - 200);
    expect(after).toBeLessThan(DEFAULT_WRAPPER_CONFIG.frameTimeoutMs + 3000);
    expect(i).toBeLessThan(message.length);
  }, 30000);

  it(`two idle sockets, two slow-loris and two HLS associations left pending after pass 2: a legitimate client is served within ${LEGIT_WITHIN_MS} ms`, async () => {
    const counterFile = join(state.dir, "lab-counters.json");
    for (let i = 0; i < 2; i++) await rawSocket();
    for (let i = 0; i < 2; i++) {
      const { socket } = await rawSocket();
      let k = 0;
      const drip = setInterval(() => (socket.destroyed ? clearInterval(drip) : socket.write(Uint8Array.of(k++ === 0 ? 0 : 1))), 1000);
    }
    const pending = [await pendingHls(100), await pendingHls(200)];
    const took = await legitimate(counterFile);
    expect(took).toBeLessThan(LEGIT_WITHIN_MS);
    // It displaced the oldest squatter; the squatters that came first had already been displaced by later ones.
    expect(pending.filter((p) => !p.socket.destroyed && !p.socket.readableEnded).length).toBeLessThanOrEqual(1);
    // And again: a second legitimate client right after.
    expect(await legitimate(counterFile)).toBeLessThan(LEGIT_WITHIN_MS);
  }, 30000);

  it("authenticated sessions in use are kept: a flood of 50 connections is turned away while they keep working", async () => {
    const counterFile = join(state.dir, "lab-counters.json");
    const management = await openSession(labOptions(MANAGEMENT), counterFile);
    const firmware = await openSession(labOptions(["--auth", "lls", "--password", "12345678", "--client-sap", "48"]), counterFile);
    const flood = await Promise.all(Array.from({ length: 50 }, () => rawSocket()));
    const closedAll = await Promise.race([Promise.all(flood.map((f) => f.closed)).then(() => true), new Promise((r) => setTimeout(() => r(false), 3000))]);
    expect(closedAll).toBe(true);
    expect((await management.session.get(8, CLOCK, 2)).ok).toBe(true);
    expect((await firmware.session.get(8, CLOCK, 2)).ok).toBe(true);
    await management.close();
    await firmware.close();
  }, 30000);
});


const SECURITY_LOG = Obis.of(0, 0, 99, 98, 6, 255);
const GUESS_FOR_MS = 5000;

const bfState = stateDir();
let bfSim: RunningSimulator | undefined;
afterAll(async () => {
  await bfSim?.stop();
  bfState.remove();
});

function optionsAt(port: number, auth: string[]) {
  return parseLabArgs(["get", "0-0:1.0.0*255", "--tcp", `127.0.0.1:${port}`, ...auth]);
}

/** One LLS attempt through the lab client: "accepted", or the AARE's "result r, diagnostic d". */
async function attempt(port: number, password: string): Promise<string> {
  try {
    const s = await openSession(optionsAt(port, ["--auth", "lls", "--password", password, "--client-sap", "48"]), join(bfState.dir, "lab-counters.json"));
    await s.close();
    return "accepted";
  } catch (e) {
    const m = /result (\d+), diagnostic (\d+)/.exec((e as Error).message);
    if (!m) throw e;
    return `result ${m[1]}, diagnostic ${m[2]}`;
  }
}

async function securityLogEntries(port: number): Promise<number> {
  const s = await openSession(optionsAt(port, MANAGEMENT), join(bfState.dir, "lab-counters.json"));
  const r = await s.session.get(7, SECURITY_LOG, 7);
  await s.close();
  if (!r.ok) throw new Error(r.error);
  return Number(r.value.value);
}

describe("npm start: guessing the firmware client's LLS password", () => {
  it(`as fast as the lab client can for ${GUESS_FOR_MS / 1000} s: ${DEFAULT_AUTH_GUARD.maxFailures} guesses evaluated, 2 security log entries, still locked after kill -9`, async () => {
    bfSim = await startSimulator(bfState.dir);
    const before = await securityLogEntries(bfSim.port);
    const outcomes = new Map<string, number>();
    const end = Date.now() + GUESS_FOR_MS;
    let n = 0;
    while (Date.now() < end) {
      const o = await attempt(bfSim.port, `guess${n++}`);
      outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
    }
    report(`brute force: ${n} attempts in ${GUESS_FOR_MS} ms: ${[...outcomes].map(([k, v]) => `${v}x ${k}`).join("; ")}`);
    // result 1 / diagnostic 13 (authentication-failure): the password was looked at; result 2 (rejected-transient): locked out.
    expect(outcomes.get("result 1, diagnostic 13")).toBe(DEFAULT_AUTH_GUARD.maxFailures);
    expect(outcomes.get("result 2, diagnostic 1")).toBe(n - DEFAULT_AUTH_GUARD.maxFailures);
    expect(n).toBeGreaterThan(20);
    // Locked out means the right password too.
    expect(await attempt(bfSim.port, "12345678")).toBe("result 2, diagnostic 1");
    const after = await securityLogEntries(bfSim.port);
    expect(after - before).toBe(2);

    // Power cut: the lockout is in flash, not in RAM.
    await bfSim.kill();
    bfSim = await startSimulator(bfState.dir);
    expect(await attempt(bfSim.port, "12345678")).toBe("result 2, diagnostic 1");
    expect(await securityLogEntries(bfSim.port)).toBe(after);
  }, 60000);
});
