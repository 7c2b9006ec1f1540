import { describe, expect, it } from "vitest";
import { TokenResult } from "../../src/prepay/results.js";
import { MIN_TID_MEMORY, PrepayEvent } from "../../src/prepay/service.js";
import { ControlState } from "../../src/relay/disconnect.js";
import { toHex } from "../../src/util/bytes.js";
import { DK_C, Env, KEY_A, PAN_A, credit, management, mpl } from "./fixture.js";
import { sts } from "./vectors.js";
import { defaultPrepayConfig } from "../../src/prepay/service.js";

const S = (id: string) => sts.tokensSampleTables.find((t) => t.id === id)!;

describe("token rules", () => {
  it("a credit token is applied once; the same token again is Used", () => {
    const env = new Env();
    expect(env.service.enterToken(credit(12.5, 1000), "manual").result).toBe(TokenResult.accepted);
    expect(env.service.creditWh).toBe(12500);
    expect(env.service.enterToken(credit(12.5, 1000), "manual").result).toBe(TokenResult.used);
    expect(env.service.creditWh).toBe(12500);
    // Both results logged: 230 + result.
    expect(env.codes().filter((c) => c >= 230 && c < 243)).toEqual([230 + TokenResult.accepted, 230 + TokenResult.used]);
  });

  it(`keeps ${MIN_TID_MEMORY} TIDs; with the memory full an older TID is Old, a newer one accepted`, () => {
    const env = new Env();
    for (let i = 0; i < MIN_TID_MEMORY; i++) expect(env.service.enterToken(credit(0.1, 2000 + 2 * i), "remote").result).toBe(TokenResult.accepted);
    expect(env.service.record.tids.length).toBe(MIN_TID_MEMORY);
    // Out of order but inside the window and unused: accepted (2001 lies between remembered TIDs).
    expect(env.service.enterToken(credit(0.1, 2001), "remote").result).toBe(TokenResult.accepted);
    // 2000 was dropped as the oldest: it can no longer be proved unused, so it is Old, as is anything older.
    expect(env.service.enterToken(credit(0.1, 2000), "remote").result).toBe(TokenResult.old);
    expect(env.service.enterToken(credit(0.1, 5), "remote").result).toBe(TokenResult.old);
    expect(env.service.enterToken(credit(0.1, 2050), "remote").result).toBe(TokenResult.used);
    expect(env.service.enterToken(credit(0.1, 9000), "remote").result).toBe(TokenResult.accepted);
    expect(env.service.record.tids.length).toBe(MIN_TID_MEMORY);
    expect(env.service.creditWh).toBeCloseTo((MIN_TID_MEMORY + 2) * 100, 6);
  });

  it("the memory survives a restart", () => {
    const env = new Env();
    env.service.enterToken(credit(1, 3000), "manual");
    env.boot();
    expect(env.service.enterToken(credit(1, 3000), "manual").result).toBe(TokenResult.used);
    expect(env.service.creditWh).toBe(1000);
  });

  it("key expiry: TIDs beyond KEN are refused", () => {
    const env = new Env(undefined, defaultPrepayConfig({ ...KEY_A, ken: 0x50 }, PAN_A));
    expect(env.service.enterToken(credit(1, 0x50ffff), "manual").result).toBe(TokenResult.accepted);
    expect(env.service.enterToken(credit(1, 0x510000), "manual").result).toBe(TokenResult.keyExpired);
  });

  it("a meter on its default key (key type 0) refuses credit but takes management tokens", () => {
    const env = new Env(undefined, defaultPrepayConfig({ ...KEY_A, kt: 0 }, PAN_A));
    expect(env.service.enterToken(credit(1, 10), "manual").result).toBe(TokenResult.keyTypeNotAllowed);
    expect(env.service.enterToken(mpl(3000, 11), "manual").result).toBe(TokenResult.accepted);
  });

  it("overflow: credit beyond the register is refused and nothing changes", () => {
    const env = new Env();
    expect(env.service.enterToken(creditMax(100), "manual").result).toBe(TokenResult.accepted);
    // 1820162.4 kWh fits the double-long Wh register once, not twice.
    expect(env.service.creditWh).toBe(1820162400);
    expect(env.service.enterToken(creditMax(101), "manual").result).toBe(TokenResult.overflow);
    expect(env.service.creditWh).toBe(1820162400);
    // The refused token's TID stays unused: after consumption makes room it is accepted.
    expect(env.service.record.tids).not.toContain(101);
    env.importWh = 1500000000;
    env.service.tick();
    expect(env.service.enterToken(creditMax(101), "manual").result).toBe(TokenResult.accepted);
  });

  it("rejections: format, authentication (wrong key), reserved subclass (water), each logged", () => {
    const env = new Env();
    expect(env.service.enterToken("1234", "manual").result).toBe(TokenResult.formatError);
    expect(env.service.enterToken(credit(1, 5, DK_C), "manual").result).toBe(TokenResult.authenticationError);
    // S02 is a water token under DK-B: under DK-A it fails authentication; a water token under our key is refused by subclass.
    expect(env.service.enterToken(S("S02").token, "manual").result).toBe(TokenResult.authenticationError);
    expect(env.codes()).toEqual([230 + TokenResult.formatError, 230 + TokenResult.authenticationError, 230 + TokenResult.authenticationError]);
  });
});

function creditMax(tid: number): string {
  return credit(1820162.4, tid);
}

describe("management tokens", () => {
  it("set maximum power limit sets the limiter threshold and survives a restart", () => {
    const env = new Env();
    expect(env.service.enterToken(mpl(4600, 20), "remote").result).toBe(TokenResult.accepted);
    expect(env.powerLimit).toBe(4600);
    env.powerLimit = undefined;
    env.boot();
    expect(env.powerLimit).toBe(4600);
    expect(env.codes()).toContain(PrepayEvent.maxPowerLimitSet);
    // 0 W is a limit as well (vector T26 carries it), and it too survives a restart.
    expect(env.service.enterToken(mpl(0, 21), "remote").result).toBe(TokenResult.accepted);
    env.powerLimit = undefined;
    env.boot();
    expect(env.powerLimit).toBe(0);
  });

  it("no power limit token received: the limiter keeps its configuration after a restart", () => {
    const env = new Env();
    env.boot();
    expect(env.powerLimit).toBeUndefined();
  });

  it("clear credit, set tariff rate, clear tamper", () => {
    const env = new Env();
    env.service.enterToken(credit(50, 30), "remote");
    expect(env.service.enterToken(management(1, 31, 0), "remote").result).toBe(TokenResult.accepted);
    expect(env.service.creditWh).toBe(0);
    expect(env.service.enterToken(management(1, 32, 7), "remote").result).toBe(TokenResult.invalidSubclass);
    expect(env.service.enterToken(management(2, 33, 1234), "remote").result).toBe(TokenResult.accepted);
    expect(env.service.record.tariffRate).toBe(1234);
    expect(env.service.enterToken(management(5, 34, 0), "remote").result).toBe(TokenResult.accepted);
    expect(env.tamperCleared).toBe(1);
  });

  it("key change tokens 1 and 2 (vectors S07, S08: DK-A -> DK-C) replace key, KRN, TI, KT and KEN together", () => {
    const env = new Env();
    expect(env.service.enterToken(S("S07").token, "manual").result).toBe(TokenResult.keyChangeFirstHalf);
    expect(toHex(env.service.keyData.key)).toBe("e653341f9d5bf36f");
    expect(env.service.enterToken(S("S08").token, "manual").result).toBe(TokenResult.accepted);
    const k = env.service.keyData;
    expect([toHex(k.key), k.krn, k.ti, k.kt, k.ken]).toEqual(["bcb1b757926bd181", 2, 2, 2, 255]);
    expect(toHex(k.key)).toBe(sts.decoderKeys.find((d) => d.id === "DK-C")!.decoderKeyHex);
    // Old key now fails, new key works, and the change survived a restart.
    env.boot();
    expect(env.service.enterToken(credit(1, 40), "manual").result).toBe(TokenResult.authenticationError);
    expect(env.service.enterToken(credit(1, 41, DK_C), "manual").result).toBe(TokenResult.accepted);
  });

  it("key change halves in the other order work too; a lone half changes nothing", () => {
    const env = new Env();
    expect(env.service.enterToken(S("S08").token, "manual").result).toBe(TokenResult.keyChangeFirstHalf);
    env.boot(); // the pending half is RAM only
    expect(env.service.enterToken(S("S07").token, "manual").result).toBe(TokenResult.keyChangeFirstHalf);
    expect(toHex(env.service.keyData.key)).toBe("e653341f9d5bf36f");
    expect(env.service.enterToken(S("S08").token, "manual").result).toBe(TokenResult.accepted);
    expect(toHex(env.service.keyData.key)).toBe("bcb1b757926bd181");
  });
});

describe("credit", () => {
  it("runs down with consumption, warns when low, disconnects at zero, reconnects after a token", () => {
    const env = new Env();
    env.service.enterToken(credit(10, 100), "manual");
    env.importWh = 4000;
    env.service.tick();
    expect(env.service.creditWh).toBe(6000);
    expect(env.codes()).not.toContain(PrepayEvent.lowCredit);
    env.importWh = 5500;
    env.service.tick();
    expect(env.codes()).toContain(PrepayEvent.lowCredit);
    env.importWh = 10000;
    env.service.tick();
    expect(env.disconnect.controlState).toBe(ControlState.readyForReconnection);
    expect(env.coil).toBe(0);
    expect(env.codes()).toContain(PrepayEvent.creditExhausted);
    env.service.enterToken(credit(20, 101), "manual");
    expect(env.disconnect.controlState).toBe(ControlState.connected);
    expect(env.coil).toBe(1);
    expect(env.service.creditWh).toBe(20000);
  });

  it("friendly period: exhaustion does not disconnect, the use is debt repaid by the next token", () => {
    const env = new Env();
    env.service.enterToken(credit(1, 100), "manual");
    env.friendly = true;
    env.importWh = 1500;
    env.service.tick();
    expect(env.disconnect.controlState).toBe(ControlState.connected);
    expect(env.service.creditWh).toBe(-500);
    expect(env.codes()).toContain(PrepayEvent.exhaustionInFriendlyPeriod);
    env.friendly = false;
    env.service.tick();
    expect(env.disconnect.controlState).toBe(ControlState.readyForReconnection);
    env.service.enterToken(credit(2, 101), "manual");
    expect(env.service.creditWh).toBe(1500);
    expect(env.disconnect.controlState).toBe(ControlState.connected);
  });

  it("emergency credit: invoked only when low, used after token credit, repaid first from the next token", () => {
    const env = new Env();
    env.service.enterToken(credit(10, 100), "manual");
    expect(env.service.activateEmergency()).toBe(false); // 10 kWh is above the 5 kWh threshold
    env.importWh = 9000;
    env.service.tick();
    expect(env.service.activateEmergency()).toBe(true);
    expect(env.service.available()).toBe(1000 + 3000);
    env.importWh = 12000; // 1 kWh of token credit, then 2 kWh of emergency
    env.service.tick();
    expect(env.disconnect.controlState).toBe(ControlState.connected);
    expect(env.service.record.emergencyUsedWh).toBe(2000);
    env.importWh = 13500; // the last 1 kWh of emergency and 0.5 kWh beyond
    env.service.tick();
    expect(env.disconnect.controlState).toBe(ControlState.readyForReconnection);
    env.service.enterToken(credit(5, 101), "manual");
    expect(env.service.record.emergencyUsedWh).toBe(0);
    expect(env.service.record.emergencyActive).toBe(false);
    expect(env.service.creditWh).toBe(5000 - 3000 - 500);
  });

  it("in a mode without local reconnection the relay waits for the customer's button after a token", () => {
    const env = new Env(undefined, undefined, 1);
    env.service.enterToken(credit(1, 100), "manual");
    env.importWh = 1000;
    env.service.tick();
    expect(env.disconnect.controlState).toBe(ControlState.readyForReconnection);
    env.service.enterToken(credit(1, 101), "manual");
    expect(env.disconnect.controlState).toBe(ControlState.readyForReconnection);
    env.disconnect.manualButton();
    env.service.tick();
    expect(env.disconnect.controlState).toBe(ControlState.connected);
    expect(env.service.record.disconnectedForCredit).toBe(false);
  });

  it("an energy reading below the reference (metrology lost energy in a cut) never adds credit", () => {
    const env = new Env();
    env.service.enterToken(credit(5, 100), "manual");
    env.importWh = 2000;
    env.service.tick();
    env.importWh = 1500;
    env.service.tick();
    expect(env.service.creditWh).toBe(3000);
    env.importWh = 2500;
    env.service.tick();
    expect(env.service.creditWh).toBe(2000);
  });
});
