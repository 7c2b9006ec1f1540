import { describe, expect, it } from "vitest";
import { NOT_SPECIFIED } from "../../src/cosem/datetime.js";
import { DEFAULT_FRIENDLY, isFriendly } from "../../src/prepay/friendly.js";
import { SimBoard } from "../../scripts/simulator/board.js";
import { simDecoderKey, simPrepaySetup } from "../../scripts/sts/sim-setup.js";
import { SAMPLE_STA_TABLES } from "../../src/prepay/vending/sample-tables.js";
import { Sta } from "../../src/prepay/sta.js";
import { creditToken, tidAt } from "../../src/prepay/vending/vend.js";
import { ControlState } from "../../src/relay/disconnect.js";

const local = (y: number, mo: number, d: number, h: number, mi = 0) => Date.UTC(y, mo - 1, d, h, mi);
const none = () => false;

describe("friendly periods", () => {
  it("default: 18:00-08:00 local, weekends, special days", () => {
    const f = DEFAULT_FRIENDLY;
    expect(isFriendly(f, local(2026, 3, 3, 12), none)).toBe(false); // Tuesday noon
    expect(isFriendly(f, local(2026, 3, 3, 7, 59), none)).toBe(true);
    expect(isFriendly(f, local(2026, 3, 3, 8, 0), none)).toBe(false);
    expect(isFriendly(f, local(2026, 3, 3, 17, 59), none)).toBe(false);
    expect(isFriendly(f, local(2026, 3, 3, 18, 0), none)).toBe(true);
    expect(isFriendly(f, local(2026, 3, 7, 12), none)).toBe(true); // Saturday
    expect(isFriendly(f, local(2026, 3, 8, 12), none)).toBe(true); // Sunday
    expect(isFriendly(f, local(2026, 3, 9, 12), none)).toBe(false); // Monday
    const tuesday = Math.floor(local(2026, 3, 3, 0) / 86400000);
    expect(isFriendly(f, local(2026, 3, 3, 12), (d) => d === tuesday)).toBe(true);
    expect(isFriendly({ ...f, specialDays: false }, local(2026, 3, 3, 12), (d) => d === tuesday)).toBe(false);
    expect(isFriendly({ startMinute: 600, endMinute: 660, weekends: false, specialDays: false }, local(2026, 3, 7, 10, 30), none)).toBe(true);
    expect(isFriendly({ startMinute: 600, endMinute: 600, weekends: false, specialDays: false }, local(2026, 3, 7, 10, 0), none)).toBe(false);
  });

  it("a holiday in the meter's special days table keeps the supply on at zero credit; the next working day it opens", () => {
    const T0 = Date.UTC(2026, 2, 3, 9, 0); // Tuesday 10:00 CET
    const board = new SimBoard({ startUtcMs: T0 });
    const meter = board.boot({ prepay: simPrepaySetup(), disconnectMode: 6, tickMs: 60000 });
    meter.specialDays.insert({ index: 1, date: { year: 2026, month: 3, day: 3, dayOfWeek: NOT_SPECIFIED }, dayId: 1 });
    meter.prepay!.enterToken(creditToken(5, tidAt(T0), 1, simDecoderKey(), sta()), "manual");
    board.clock.advance(7 * 3600000); // to 17:00, credit long gone
    expect(meter.prepay!.available()).toBeLessThan(0);
    expect(meter.disconnect.controlState).toBe(ControlState.connected);
    board.clock.advance(16 * 3600000); // Wednesday 09:00 CET: a working day outside the window
    expect(meter.disconnect.controlState).toBe(ControlState.readyForReconnection);
  });
});

function sta(): Sta {
  return new Sta(SAMPLE_STA_TABLES);
}
