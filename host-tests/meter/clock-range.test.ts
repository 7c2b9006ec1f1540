import { describe, expect, it } from "vitest";
import { DataAccessResult } from "../../src/cosem/interface-class.js";
import { dateTimeOs } from "../../src/cosem/axdr-helpers.js";
import { DEVELOPMENT_KEYS } from "../../src/meter/config.js";
import { ClientSap } from "../../src/meter/dlms.js";
import * as ln from "../../src/meter/obis-codes.js";
import { SIM_TCP_PORT, SimBoard } from "../../scripts/simulator/board.js";
import { ClientSession } from "../../scripts/lab/client-session.js";
import { wrapperLink } from "../../scripts/lab/link.js";
import { fromHex } from "../../src/util/bytes.js";
import { settle } from "./drive.js";

const T0 = Date.UTC(2026, 0, 14, 9, 0);

async function management(board: SimBoard, invocationCounter = 1) {
  const end = board.network.connect(SIM_TCP_PORT);
  if (!end) throw new Error("nothing listens on the meter's port");
  const link = wrapperLink(end, board.worldTimers, { clientSap: ClientSap.management, serverLogical: 1, serverPhysical: 0x10, responseTimeoutMs: 5000 }, "sim tcp");
  return settle(
    board,
    ClientSession.open(link, { auth: "hls-gmac", akey: DEVELOPMENT_KEYS.authenticationKey, ekey: DEVELOPMENT_KEYS.globalUnicastKey, systemTitle: fromHex("4D4B544C41423031"), crypto: board.crypto, invocationCounter }),
  );
}

describe("clock writes outside the meter's time range (issue 15, item 1)", () => {
  it("1801-12-05 12:00 is refused with other-reason, not applied, and the meter keeps capturing and serving", async () => {
    const board = new SimBoard({ startUtcMs: T0 });
    const meter = board.boot();
    const s = await management(board);
    const before = meter.clock.now();
    const r = await settle(board, s.set(8, ln.CLOCK, 2, dateTimeOs({ year: 1801, month: 12, day: 5, dayOfWeek: 0xff, hour: 12, minute: 0, second: 0, hundredths: 0, deviation: -60, status: 0 })));
    expect(r).toBe(DataAccessResult.otherReason);
    expect(Math.abs(meter.clock.now() - before)).toBeLessThan(60_000);
    const next = s.invocationCounter;
    await settle(board, s.close());
    board.clock.advance(2 * 3600_000);
    expect(meter.captures).toBeGreaterThanOrEqual(8);
    board.restart("power-on");
    const again = await management(board, next);
    const clock = await settle(board, again.get(8, ln.CLOCK, 2));
    expect(clock.ok).toBe(true);
    await settle(board, again.close());
  });
});
