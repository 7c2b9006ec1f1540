import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SimCrypto } from "../../hal/sim/crypto.js";
import { DEVELOPMENT_KEYS } from "../../src/meter/config.js";
import { ClientSap } from "../../src/meter/dlms.js";
import { fromHex } from "../../src/util/bytes.js";
import { ClientSession, type SecurityOptions } from "../../scripts/lab/client-session.js";
import { formatTable, runConformance, type CheckRow } from "../../scripts/lab/conformance.js";
import { opticalLink, wrapperLink, type LinkAddressing } from "../../scripts/lab/link.js";
import { NodeTimers, SocketTcpConnection } from "../../scripts/lab/node-ports.js";
import { SIM_TCP_PORT, SimBoard } from "../../scripts/simulator/board.js";
import { parseOptions } from "../../scripts/simulator/options.js";
import { Simulator } from "../../scripts/simulator/run.js";
import { settle } from "../meter/drive.js";

const T0 = Date.UTC(2026, 0, 14, 9, 0);
const TITLE = fromHex("4D4B544C41423032");
const at = (clientSap: number): LinkAddressing => ({ clientSap, serverLogical: 1, serverPhysical: 0x10, responseTimeoutMs: 5000 });

function sec(auth: SecurityOptions["auth"]): SecurityOptions {
  if (auth === "hls-gmac") return { auth, akey: DEVELOPMENT_KEYS.authenticationKey, ekey: DEVELOPMENT_KEYS.globalUnicastKey, systemTitle: TITLE, crypto: new SimCrypto() };
  if (auth === "lls") return { auth, password: DEVELOPMENT_KEYS.firmwarePassword };
  return { auth };
}

function expectAllGreen(rows: CheckRow[], minChecks: number): void {
  const failed = rows.filter((r) => r.verdict === "fail");
  expect(failed, formatTable(failed)).toEqual([]);
  expect(rows.filter((r) => r.verdict === "pass").length).toBeGreaterThan(minChecks);
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("lab conformance against the in-process simulator", () => {
  const cases: [string, number, SecurityOptions["auth"], number][] = [
    ["management (HLS-GMAC)", ClientSap.management, "hls-gmac", 600],
    ["reader (HLS-GMAC)", ClientSap.reader, "hls-gmac", 500],
    ["public (no security)", ClientSap.public, "none", 20],
    ["firmware (LLS)", ClientSap.firmware, "lls", 5],
  ];
  it.each(cases)("all green over the in-memory TCP wrapper: %s", async (_name, sap, auth, min) => {
    const board = new SimBoard({ startUtcMs: T0 });
    board.boot();
    board.clock.advance(120_000);
    const link = wrapperLink(board.network.connect(SIM_TCP_PORT)!, board.worldTimers, at(sap), "sim tcp");
    const s = await settle(board, ClientSession.open(link, sec(auth)));
    const rows = await settle(board, runConformance(s), 10_000_000);
    await settle(board, s.close());
    expectAllGreen(rows, min);
  });

  it("all green over the in-memory optical line (mode E + HDLC), management", async () => {
    const board = new SimBoard({ startUtcMs: T0 });
    board.boot();
    const link = await settle(board, opticalLink(board.line!.probe, board.worldTimers, at(ClientSap.management), "sim optical"));
    const s = await settle(board, ClientSession.open(link, sec("hls-gmac")));
    const rows = await settle(board, runConformance(s), 10_000_000);
    await settle(board, s.close());
    expectAllGreen(rows, 600);
  });

  it("all green over a real TCP socket to the simulator process core", async () => {
    const dir = mkdtempSync(join(tmpdir(), "meter-conf-"));
    dirs.push(dir);
    const options = parseOptions(["--state", dir, "--tcp-port", "0", "--no-optical", "--quiet"]);
    const sim = await Simulator.start(options, { line() {}, status() {} }, () => T0, false);
    const timers = new NodeTimers();
    try {
      const tcp = await SocketTcpConnection.open("127.0.0.1", sim.tcp!.port);
      const s = await ClientSession.open(wrapperLink(tcp, timers, at(ClientSap.management), `tcp 127.0.0.1:${sim.tcp!.port}`), sec("hls-gmac"));
      const rows = await runConformance(s);
      await s.close();
      expectAllGreen(rows, 600);
      expect(rows[0].item).toContain("127.0.0.1");
    } finally {
      timers.clearAll();
      sim.stop();
    }
  });

  it("reports a failure when the rights say more than the meter allows", async () => {
    const board = new SimBoard({ startUtcMs: T0 });
    const meter = board.boot();
    // Break one promise of the object list: management is told it may write the clock's time zone, but the object now refuses it.
    const entry = meter.catalog.entries.find((e) => e.object.classId === 8)!;
    const original = entry.object.set.bind(entry.object);
    entry.object.set = (attribute, value, ctx) => (attribute === 3 ? 3 : original(attribute, value, ctx));
    const link = wrapperLink(board.network.connect(SIM_TCP_PORT)!, board.worldTimers, at(ClientSap.management), "sim tcp");
    const s = await settle(board, ClientSession.open(link, sec("hls-gmac")));
    const rows = await settle(board, runConformance(s), 10_000_000);
    await settle(board, s.close());
    const failed = rows.filter((r) => r.verdict === "fail");
    expect(failed.map((r) => `${r.area} ${r.item}`)).toEqual(["0-0:1.0.0*255 (class 8) attr 3 write back"]);
  });
});
