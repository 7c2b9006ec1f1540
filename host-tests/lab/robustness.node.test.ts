/**
 * Issue 15 against the real simulator process (`npm start`'s program) with
 * the project's own clients:
 * - item 1: the management client sets the clock to 1801-12-05 12:00. Before
 *   the fix the meter answered exception-response D8 01 03 yet applied it,
 *   then died at the next profile capture (RangeError: varint) and at every
 *   restart. Now the write is refused (other-reason), the clock is
 *   untouched, captures go on, and the meter serves after kill -9 and after
 *   a clean stop.
 * - item 7: a standard serial client (7 data bits, even parity, bit 7 clear
 *   on the wire of a pty) signs on through the optical pseudo-terminal and
 *   then opens HDLC at the negotiated rate.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SerialPort as NodeSerial } from "serialport";
import { afterEach, describe, expect, it } from "vitest";
import { runLabAsManagement, startSimulator as start, type RunningSimulator } from "../support/simulator-process.node.js";
import { toHex } from "../../src/util/bytes.js";
import { DEFAULT_HDLC_CLIENT_CONFIG, HdlcClient } from "../../src/transport/client/hdlc-client.js";
import { NodeTimers } from "../../scripts/lab/node-ports.js";
import { parseOptions } from "../../scripts/simulator/options.js";
import { Simulator } from "../../scripts/simulator/run.js";

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});

/** The simulator process (host-tests/support/simulator-process.node.ts), stopped by this file's cleanup. */
function startSimulator(dir: string, extra: string[] = []): Promise<RunningSimulator> {
  return start(dir, extra, cleanup);
}

/** `npm run lab -- …` as management, reading the clock class (8); its invocation counters live in a private HOME. */
function lab(home: string, port: number, args: string[]): { code: number | null; out: string } {
  return runLabAsManagement(home, port, [...args, "--class", "8"]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("issue 15 against the simulator process", () => {
  it("HLS challenges come from the host's CSPRNG: two starts on the same state draw different bytes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "meter-i15-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const draws: string[] = [];
    for (let i = 0; i < 2; i++) {
      const sim = await Simulator.start(parseOptions(["--state", dir, "--tcp-port", "0", "--no-optical", "--quiet"]), { line() {}, status() {} }, () => Date.UTC(2026, 0, 14), false);
      // What the server draws for a StoC challenge (src/cosem/server/server.ts: crypto.randomBytes(16)).
      draws.push(toHex(sim.board.crypto.randomBytes(16)));
      sim.stop();
    }
    expect(draws[0]).not.toBe(draws[1]);
  });

  it("a clock write of 1801-12-05 12:00 is refused, nothing changes, and the meter keeps serving across captures, kill -9 and a clean stop", async () => {
    const dir = mkdtempSync(join(tmpdir(), "meter-i15-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    // 600x: a 15-minute capture every 1.5 s of host time.
    let sim = await startSimulator(dir, ["--no-optical", "--speed", "600"]);
    const set = lab(dir, sim.port, ["set", "0-0:1.0.0*255", "2", "dt:1801-12-05T12:00:00Z"]);
    expect(set.out).toMatch(/otherReason/);
    expect(set.code).toBe(1);
    const year = () => {
      const g = lab(dir, sim.port, ["get", "0-0:1.0.0*255", "2"]);
      expect(g.code).toBe(0);
      return Number(/(\d{4})-\d\d-\d\d/.exec(g.out)?.[1]);
    };
    expect(year()).toBeGreaterThanOrEqual(2026);
    await sleep(4000); // at least two captures at 600x
    expect(year()).toBeGreaterThanOrEqual(2026);
    expect(sim.out()).not.toMatch(/RangeError|firmware restarted/);

    await sim.kill(); // a power cut without warning: the simulator itself, not only its launcher
    sim = await startSimulator(dir, ["--no-optical", "--speed", "600"]);
    expect(sim.out()).toMatch(/state restored from/);
    await sleep(3000);
    expect(year()).toBeGreaterThanOrEqual(2026);

    expect(await sim.stop()).toBe(0);
    expect(sim.out()).not.toMatch(/RangeError/);
    sim = await startSimulator(dir, ["--no-optical"]);
    expect(year()).toBeGreaterThanOrEqual(2026);
    expect(await sim.stop()).toBe(0);
  }, 180000);

  const havePython = spawnSync("python3", ["-c", "import pty"], { stdio: "ignore" }).status === 0;
  it.skipIf(!havePython)("a standard 7E1 client (bit 7 clear on the pty) signs on, acknowledges 9600 Bd and opens HDLC", async () => {
    const dir = mkdtempSync(join(tmpdir(), "meter-i15-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const sim = await startSimulator(dir);
    expect(sim.pty).toBeDefined();

    // As pyserial or Gurux open a probe for mode E: 300 Bd, 7 data bits, even parity.
    const open = (dataBits: 7 | 8, parity: "even" | "none", baudRate: number) =>
      new Promise<NodeSerial>((resolve, reject) => {
        const p = new NodeSerial({ path: sim.pty!, baudRate, dataBits, parity, stopBits: 1, autoOpen: false });
        p.open((e) => (e ? reject(e) : resolve(p)));
      });
    const received: number[] = [];
    let port = await open(7, "even", 300);
    port.on("data", (b: Buffer) => received.push(...b));
    const request = Buffer.from("/?!\r\n", "latin1");
    expect(request.every((b) => b < 0x80)).toBe(true);
    port.write(request);
    const deadline = Date.now() + 10000;
    while (!received.includes(0x0a) && Date.now() < deadline) await sleep(50);
    const ident = Buffer.from(received).toString("latin1");
    // The identification as a 7E1 line delivers it: seven bits, parity consumed by the line.
    expect(received.every((b) => b < 0x80)).toBe(true);
    expect(ident).toMatch(/^\/MKT5\S+\r\n$/);

    // ACK 2 5 2: mode E, 9600 Bd. Then the client switches its port to 8N1 at 9600 for HDLC.
    await new Promise<void>((resolve) => port.write(Buffer.from("\x06" + "252\r\n", "latin1"), () => port.drain(() => resolve())));
    await new Promise<void>((resolve) => port.close(() => resolve()));
    await sleep(300);
    port = await open(8, "none", 9600);
    const timers = new NodeTimers();
    cleanup.push(() => timers.clearAll());
    const hdlc = new HdlcClient((b) => port.write(Buffer.from(b)), timers, { ...DEFAULT_HDLC_CLIENT_CONFIG, responseTimeoutMs: 5000 });
    port.on("data", (b: Buffer) => hdlc.receive(new Uint8Array(b)));
    const params = await hdlc.connect();
    expect(params.maxInfoRx).toBeGreaterThan(0);
    await hdlc.disconnect();
    await new Promise<void>((resolve) => port.close(() => resolve()));
    expect(await sim.stop()).toBe(0);
  }, 120000);
});
