import { describe, expect, it } from "vitest";
import { SimBoard } from "../../scripts/simulator/board.js";
import { simDecoderKey, simPrepaySetup } from "../../scripts/sts/sim-setup.js";
import { Qty } from "../../src/metrology/accumulators.js";
import { TokenResult } from "../../src/prepay/results.js";
import { SAMPLE_STA_TABLES } from "../../src/prepay/vending/sample-tables.js";
import { Sta } from "../../src/prepay/sta.js";
import { creditToken, tidAt } from "../../src/prepay/vending/vend.js";
import { ControlState } from "../../src/relay/disconnect.js";
import type { Meter } from "../../src/meter/meter.js";
import { formatStatus } from "../../src/meter/status.js";

/**
 * The whole meter on the simulator's board and flash, restarted as the
 * hardware does: with the power-fail warning, and without (kill -9). Credit
 * follows the metrology's energy across both; a used token stays used; a
 * meter disconnected for credit stays disconnected.
 */

const T0 = Date.UTC(2026, 2, 3, 9, 0); // Tuesday 10:00 CET: outside the friendly window
const sta = new Sta(SAMPLE_STA_TABLES);
const HOUR = 3600000;

function conserved(m: Meter, e0: number, purchasedWh: number): void {
  const p = m.prepay!;
  p.tick();
  const used = m.metrology.energy(0, Qty.importActive) - e0;
  expect(p.consumedWh).toBeCloseTo(used, 3);
  expect(p.creditWh + p.record.emergencyUsedWh).toBeCloseTo(purchasedWh - used, 3);
}

describe("prepayment across restarts of the whole meter", () => {
  it("warned and unwarned power cuts: credit follows metrology's energy, tokens stay used", () => {
    const board = new SimBoard({ startUtcMs: T0 });
    const config = { prepay: simPrepaySetup(), disconnectMode: 6, tickMs: 60000 };
    let m = board.boot(config);
    const e0 = m.metrology.energy(0, Qty.importActive);
    const token = creditToken(300, tidAt(T0), 1, simDecoderKey(), sta);
    expect(m.prepay!.enterToken(token, "manual").result).toBe(TokenResult.accepted);
    board.clock.advance(3 * HOUR);
    m = board.restart("power-on", true, 60000);
    conserved(m, e0, 30000);
    expect(m.prepay!.enterToken(token, "manual").result).toBe(TokenResult.used);
    board.clock.advance(2 * HOUR + 17 * 60000);
    // kill -9: no power-fail path; whatever was last committed comes back.
    m = board.restart("power-on", false, 60000);
    conserved(m, e0, 30000);
    expect(m.prepay!.enterToken(token, "manual").result).toBe(TokenResult.used);
  });

  it("a meter disconnected for credit stays disconnected across a cut and reconnects on a token", () => {
    const board = new SimBoard({ startUtcMs: T0 });
    const config = { prepay: simPrepaySetup(), disconnectMode: 6, tickMs: 60000 };
    let m = board.boot(config);
    expect(m.prepay!.enterToken(creditToken(5, tidAt(T0), 2, simDecoderKey(), sta), "manual").result).toBe(TokenResult.accepted);
    board.clock.advance(2 * HOUR);
    expect(m.disconnect.controlState).toBe(ControlState.readyForReconnection);
    expect(board.relay.feedback.read()).toBe(0);
    m = board.restart("power-on", false, 60000);
    board.clock.advance(10 * 60000);
    expect(m.disconnect.controlState).toBe(ControlState.readyForReconnection);
    expect(board.relay.feedback.read()).toBe(0);
    expect(m.prepay!.enterToken(creditToken(50, tidAt(T0 + 3 * HOUR), 3, simDecoderKey(), sta), "manual").result).toBe(TokenResult.accepted);
    expect(m.disconnect.controlState).toBe(ControlState.connected);
    expect(board.relay.feedback.read()).toBe(1);
    // The status line (simulator, display) shows the credit.
    expect(formatStatus(m.status())).toMatch(/relay on {2}credit \d+\.\d kWh$/);
  });
});
