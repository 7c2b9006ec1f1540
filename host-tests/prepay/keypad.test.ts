import { describe, expect, it } from "vitest";
import { SimBoard } from "../../scripts/simulator/board.js";
import { simDecoderKey, simPrepaySetup } from "../../scripts/sts/sim-setup.js";
import { KEYPAD_TIMEOUT_MS, type KeypadOutcome } from "../../src/prepay/keypad-entry.js";
import { TokenResult } from "../../src/prepay/results.js";
import { SAMPLE_STA_TABLES } from "../../src/prepay/vending/sample-tables.js";
import { Sta } from "../../src/prepay/sta.js";
import { creditToken, tidAt } from "../../src/prepay/vending/vend.js";
import { groupDigits } from "../../src/prepay/vending/token-encode.js";

/** The keypad entry path on the simulator's board: SimKeypad -> KeypadEntry -> PrepayService, with the HAL timer's time-out. */

const T0 = Date.UTC(2026, 2, 3, 10, 0);
const sta = new Sta(SAMPLE_STA_TABLES);

function boot() {
  const board = new SimBoard({ startUtcMs: T0 });
  const meter = board.boot({ prepay: simPrepaySetup(), disconnectMode: 6 });
  const out: KeypadOutcome[] = [];
  meter.keypadEntry!.onOutcome = (o) => out.push(o);
  return { board, meter, out };
}

describe("keypad token entry", () => {
  it("20 digits and Enter apply a token once; dashes on the printed slip are not keys", () => {
    const { board, meter, out } = boot();
    const t = creditToken(125, tidAt(T0), 1, simDecoderKey(), sta);
    board.keypad.type(groupDigits(t));
    expect(out).toEqual([{ kind: "token", result: TokenResult.accepted }]);
    expect(meter.prepay!.creditWh).toBe(12500);
    board.keypad.type(t);
    expect(out[1]).toEqual({ kind: "token", result: TokenResult.used });
  });

  it("Back corrects a mistyped digit", () => {
    const { board, out } = boot();
    const t = creditToken(10, tidAt(T0), 2, simDecoderKey(), sta);
    board.keypad.type(t.slice(0, 7), false);
    board.keypad.press("9");
    board.keypad.press("back");
    board.keypad.type(t.slice(7));
    expect(out).toEqual([{ kind: "token", result: TokenResult.accepted }]);
  });

  it("a pause longer than the time-out clears a half-typed token", () => {
    const { board, meter, out } = boot();
    const t = creditToken(10, tidAt(T0), 3, simDecoderKey(), sta);
    board.keypad.type(t.slice(0, 10), false);
    board.clock.advance(KEYPAD_TIMEOUT_MS - 1000);
    expect(meter.keypadEntry!.buffer).toBe(t.slice(0, 10));
    board.clock.advance(2000);
    expect(meter.keypadEntry!.buffer).toBe("");
    expect(out).toEqual([{ kind: "timeout" }]);
    // The rest alone is a format error (logged), the whole token then works.
    board.keypad.type(t.slice(10));
    expect(out[1]).toEqual({ kind: "token", result: TokenResult.formatError });
    board.keypad.type(t);
    expect(out[2]).toEqual({ kind: "token", result: TokenResult.accepted });
  });

  it("000 + Enter invokes emergency credit only when credit is low", () => {
    const { board, meter, out } = boot();
    board.keypad.type(creditToken(100, tidAt(T0), 4, simDecoderKey(), sta));
    board.keypad.type("000");
    expect(out[1]).toEqual({ kind: "emergency", granted: false });
    meter.prepay!.tick();
    // 10 kWh is above the 5 kWh threshold; spend it down with a lower threshold instead of hours of load.
    meter.prepay!.config.lowCreditWh = 20000;
    board.keypad.type("000");
    expect(out[2]).toEqual({ kind: "emergency", granted: true });
    expect(meter.prepay!.emergencyActive).toBe(true);
  });
});
