import { describe, expect, it } from "vitest";
import { Tag } from "../../src/cosem/axdr.js";
import { DEVELOPMENT_KEYS } from "../../src/meter/config.js";
import { ClientSap } from "../../src/meter/dlms.js";
import { PrepayLn } from "../../src/meter/prepay.js";
import { SIM_TCP_PORT, SimBoard } from "../../scripts/simulator/board.js";
import { ClientSession } from "../../scripts/lab/client-session.js";
import { wrapperLink } from "../../scripts/lab/link.js";
import { simDecoderKey, simPrepaySetup } from "../../scripts/sts/sim-setup.js";
import { PrepayEvent } from "../../src/prepay/service.js";
import { TokenResult, GatewayStatus } from "../../src/prepay/results.js";
import { creditToken, tidAt } from "../../src/prepay/vending/vend.js";
import { Sta } from "../../src/prepay/sta.js";
import { SAMPLE_STA_TABLES } from "../../src/prepay/vending/sample-tables.js";
import { ControlState } from "../../src/relay/disconnect.js";
import { Qty } from "../../src/metrology/accumulators.js";
import { fromHex, utf8Encode } from "../../src/util/bytes.js";
import { settle } from "../meter/drive.js";
import { report, runtime } from "../support/report.js";
import type { Meter } from "../../src/meter/meter.js";

/**
 * Acceptance: a simulated month on the simulator's board (ATM90E32 at
 * register level, the daily household curve, flash), prepayment provisioned
 * as the simulator does it. Tokens go in over DLMS (management association,
 * Token Gateway enter) as the lab client sends them. The credit runs down
 * with the load, low-credit events come, the relay opens at zero outside
 * friendly periods only, and a credit token closes it again. Credit is
 * conserved: purchased - consumed = credit, consumed = the metrology's
 * import energy.
 */

const T0 = Date.UTC(2026, 2, 2, 0, 0); // Monday 2 March 2026, 01:00 CET
const DAY = 86400000;
const sta = new Sta(SAMPLE_STA_TABLES);

/** The client's invocation counter carries over between sessions, as the lab client persists it. */
let invocationCounter = 1;

async function enterOverDlms(board: SimBoard, token: string): Promise<{ status: number; result: number }> {
  const end = board.network.connect(SIM_TCP_PORT)!;
  const link = wrapperLink(end, board.worldTimers, { clientSap: ClientSap.management, serverLogical: 1, serverPhysical: 0x10, responseTimeoutMs: 5000 }, "sim tcp");
  const s = await settle(board, ClientSession.open(link, { auth: "hls-gmac", akey: DEVELOPMENT_KEYS.authenticationKey, ekey: DEVELOPMENT_KEYS.globalUnicastKey, systemTitle: fromHex("4D4B544C41423031"), crypto: board.crypto, invocationCounter }));
  const a = await settle(board, s.action(115, PrepayLn.tokenGateway, 1, { tag: Tag.OctetString, value: utf8Encode(token) }));
  expect(a.result).toBe(0);
  const st = await settle(board, s.get(115, PrepayLn.tokenGateway, 6));
  invocationCounter = s.invocationCounter;
  await settle(board, s.close());
  if (!st.ok || st.value.tag !== Tag.Structure) throw new Error("token_status unreadable");
  const [code, bits] = st.value.value;
  const b = bits.tag === Tag.BitString ? bits.value.bytes : new Uint8Array(2);
  return { status: code.value as number, result: (b[0] << 8) | b[1] };
}

function localHour(m: Meter, utc: number): { hour: number; dow: number } {
  const l = m.clock.localMsAt(utc);
  return { hour: Math.floor((l % DAY) / 3600000), dow: (Math.floor(l / DAY) + 4) % 7 };
}

describe("prepayment: a simulated month", () => {
  it("credit runs down with the load; low credit; disconnection at zero outside friendly hours; a DLMS token reconnects", async () => {
    const days = runtime === "node" ? 30 : 6;
    const board = new SimBoard({ startUtcMs: T0 });
    // One-minute metering tick: a month of 1 s ticks is 2.6 million ticks.
    const meter = board.boot({ prepay: simPrepaySetup(), disconnectMode: 6, tickMs: 60000 });
    const p = meter.prepay!;
    const key = simDecoderKey();
    const e0 = meter.metrology.energy(0, Qty.importActive);
    let purchasedWh = 0;
    let tid = tidAt(T0);
    const buy = async (kwh: number) => {
      const r = await enterOverDlms(board, creditToken(kwh * 10, ++tid, tid & 15, key, sta));
      expect(r).toEqual({ status: GatewayStatus.executionOk, result: TokenResult.accepted });
      purchasedWh += kwh * 1000;
    };
    await buy(20);
    // The same token again over DLMS is refused as Used and changes nothing.
    const again = await enterOverDlms(board, creditToken(200, tid, tid & 15, key, sta));
    expect(again).toEqual({ status: GatewayStatus.validationFailure, result: TokenResult.used });

    let disconnections = 0;
    let reconnections = 0;
    let offMinutes = 0;
    let lows = 0;
    let seenUtc = 0;
    const end = T0 + days * DAY;
    while (board.clock.nowUtcMs() < end) {
      const before = meter.disconnect.controlState;
      board.clock.advance(60000);
      const now = board.clock.nowUtcMs();
      // Events of this minute (the RAM ring holds 64, far more than a minute brings).
      for (const e of meter.events.recent()) if (e.utcMs > seenUtc && e.log === "prepayment" && e.code === PrepayEvent.lowCredit) lows++;
      seenUtc = now;
      if (before === ControlState.connected && meter.disconnect.controlState !== ControlState.connected) {
        disconnections++;
        // Only at zero credit, and only outside friendly periods (weekdays 08:00-18:00 local).
        expect(p.available()).toBeLessThanOrEqual(0);
        const { hour, dow } = localHour(meter, now);
        expect(hour >= 8 && hour < 18 && dow >= 1 && dow <= 5).toBe(true);
        expect(board.relay.feedback.read()).toBe(0);
      }
      if (meter.disconnect.controlState !== ControlState.connected) {
        offMinutes++;
        // Disconnected for two hours: the customer buys over DLMS and the supply returns at once.
        if (offMinutes % 120 === 0) {
          await buy(40);
          expect(meter.disconnect.controlState).toBe(ControlState.connected);
          reconnections++;
        }
      }
    }
    const consumed = meter.metrology.energy(0, Qty.importActive) - e0;
    report(`prepay month (${runtime}, ${days} days): ${(consumed / 1000).toFixed(1)} kWh used, ${(purchasedWh / 1000).toFixed(0)} kWh bought, ${disconnections} disconnections, ${reconnections} reconnections, ${offMinutes} min off, ${lows} low-credit events`);
    expect(disconnections).toBeGreaterThanOrEqual(1);
    expect(reconnections).toBeGreaterThanOrEqual(1);
    expect(lows).toBeGreaterThanOrEqual(1);
    // Credit conserved: what was bought minus what the metrology measured.
    p.tick();
    expect(p.creditWh + p.record.emergencyUsedWh).toBeCloseTo(purchasedWh - consumed, 3);
    expect(p.consumedWh).toBeCloseTo(consumed, 3);
  });
});
