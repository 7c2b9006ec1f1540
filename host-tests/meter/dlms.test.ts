import { describe, expect, it } from "vitest";
import { Tag } from "../../src/cosem/axdr.js";
import { DataAccessResult } from "../../src/cosem/interface-class.js";
import { Obis } from "../../src/cosem/obis.js";
import { DEVELOPMENT_KEYS } from "../../src/meter/config.js";
import { ClientSap } from "../../src/meter/dlms.js";
import * as ln from "../../src/meter/obis-codes.js";
import { SIM_TCP_PORT, SimBoard } from "../../scripts/simulator/board.js";
import { ClientSession, type SecurityOptions } from "../../scripts/lab/client-session.js";
import { opticalLink, wrapperLink, type LinkAddressing } from "../../scripts/lab/link.js";
import { fromHex } from "../../src/util/bytes.js";
import { settle } from "./drive.js";

const T0 = Date.UTC(2026, 0, 14, 9, 0);
const CLIENT_TITLE = fromHex("4D4B544C41423031");

function addressing(clientSap: number): LinkAddressing {
  return { clientSap, serverLogical: 1, serverPhysical: 0x10, responseTimeoutMs: 5000 };
}

function security(board: SimBoard, auth: SecurityOptions["auth"]): SecurityOptions {
  return auth === "hls-gmac"
    ? { auth, akey: DEVELOPMENT_KEYS.authenticationKey, ekey: DEVELOPMENT_KEYS.globalUnicastKey, systemTitle: CLIENT_TITLE, crypto: board.crypto }
    : auth === "lls"
      ? { auth, password: DEVELOPMENT_KEYS.firmwarePassword }
      : { auth };
}

async function overTcp(board: SimBoard, sap: number, auth: SecurityOptions["auth"]) {
  const end = board.network.connect(SIM_TCP_PORT);
  if (!end) throw new Error("nothing listens on the meter's port");
  const link = wrapperLink(end, board.worldTimers, addressing(sap), "sim tcp");
  return settle(board, ClientSession.open(link, security(board, auth)));
}

describe("meter DLMS front (in-process links)", () => {
  it("management over the TCP wrapper with HLS-GMAC reads identity, clock and energy", async () => {
    const board = new SimBoard({ startUtcMs: T0 });
    const meter = board.boot();
    board.clock.advance(60_000);
    const s = await overTcp(board, ClientSap.management, "hls-gmac");
    const ldn = await settle(board, s.get(1, ln.LOGICAL_DEVICE_NAME, 2));
    expect(ldn.ok && ldn.value.tag === Tag.OctetString && String.fromCharCode(...(ldn.value.value as Uint8Array))).toBe("MKT0000000000001");
    const clock = await settle(board, s.get(8, ln.CLOCK, 2));
    expect(clock.ok && clock.value.tag).toBe(Tag.OctetString);
    const energy = await settle(board, s.get(3, ln.ENERGY_IMPORT_TOTAL, 2));
    expect(energy.ok).toBe(true);
    if (energy.ok) expect(energy.value.value).toBe(Math.floor(meter.status().importWh));
    expect(meter.status().importWh).toBeGreaterThan(0);
    await settle(board, s.close());
  });

  it("public over the optical port (mode E, then HDLC) reads the clock but not the energy", async () => {
    const board = new SimBoard({ startUtcMs: T0 });
    board.boot();
    const link = await settle(board, opticalLink(board.line!.probe, board.worldTimers, addressing(ClientSap.public), "sim optical"));
    expect(link.description).toContain("mode E");
    const s = await settle(board, ClientSession.open(link, security(board, "none")));
    const clock = await settle(board, s.get(8, ln.CLOCK, 2));
    expect(clock.ok).toBe(true);
    const energy = await settle(board, s.get(3, ln.ENERGY_IMPORT_TOTAL, 2));
    expect(energy.ok).toBe(false);
    if (!energy.ok) expect(energy.code).toBe(DataAccessResult.objectUndefined);
    await settle(board, s.close());
  });

  it("the reader may not set the clock; management may, and the meter clock follows", async () => {
    const board = new SimBoard({ startUtcMs: T0 });
    const meter = board.boot();
    const reader = await overTcp(board, ClientSap.reader, "hls-gmac");
    const now = await settle(board, reader.get(8, ln.CLOCK, 2));
    expect(now.ok).toBe(true);
    if (!now.ok) return;
    expect(await settle(board, reader.set(8, ln.CLOCK, 2, now.value))).toBe(DataAccessResult.readWriteDenied);
    await settle(board, reader.close());
    const mgmt = await overTcp(board, ClientSap.management, "hls-gmac");
    // 2026-01-14 12:00:00 with deviation -60 (CET): 11:00 UTC.
    const noon = Uint8Array.of(0x07, 0xea, 1, 14, 3, 12, 0, 0, 0, 0xff, 0xc4, 0);
    expect(await settle(board, mgmt.set(8, ln.CLOCK, 2, { tag: Tag.OctetString, value: noon }))).toBe(DataAccessResult.success);
    expect(Math.abs(meter.clock.now() - Date.UTC(2026, 0, 14, 11, 0))).toBeLessThan(1000);
    await settle(board, mgmt.close());
  });

  it("a wrong authentication key is refused and the link stays usable for the right one", async () => {
    const board = new SimBoard({ startUtcMs: T0 });
    board.boot();
    const end = board.network.connect(SIM_TCP_PORT)!;
    const link = wrapperLink(end, board.worldTimers, addressing(ClientSap.management), "sim tcp");
    const bad = { ...security(board, "hls-gmac"), akey: new Uint8Array(16) };
    await expect(settle(board, ClientSession.open(link, bad))).rejects.toThrow(/association refused/);
    const good = await overTcp(board, ClientSap.management, "hls-gmac");
    expect((await settle(board, good.get(1, Obis.of(0, 0, 42, 0, 0, 255), 2))).ok).toBe(true);
    await settle(board, good.close());
  });

  it("invocation counters survive a restart: a replayed counter is refused by the rebooted meter", async () => {
    const board = new SimBoard({ startUtcMs: T0 });
    board.boot();
    const first = await overTcp(board, ClientSap.management, "hls-gmac");
    expect((await settle(board, first.get(8, ln.CLOCK, 2))).ok).toBe(true);
    const next = first.invocationCounter;
    await settle(board, first.close());
    board.restart("power-on", false);
    const replayLink = wrapperLink(board.network.connect(SIM_TCP_PORT)!, board.worldTimers, addressing(ClientSap.management), "sim tcp");
    await expect(settle(board, ClientSession.open(replayLink, { ...security(board, "hls-gmac"), invocationCounter: 1 }))).rejects.toThrow(/association refused/);
    const freshLink = wrapperLink(board.network.connect(SIM_TCP_PORT)!, board.worldTimers, addressing(ClientSap.management), "sim tcp");
    const again = await settle(board, ClientSession.open(freshLink, { ...security(board, "hls-gmac"), invocationCounter: next }));
    expect((await settle(board, again.get(8, ln.CLOCK, 2))).ok).toBe(true);
    await settle(board, again.close());
  });
});
