import { describe, expect, it } from "vitest";
import { ALARM_MAP, ALARM_MASKS, AlarmBit, NO_ALARM, alarmBitOf } from "../../src/alarm/alarm-map.js";
import type { EventLogId } from "../../src/events.js";
import { MetrologyEvent } from "../../src/metrology/event-codes.js";
import { SecurityEvent } from "../../src/cosem/security/events.js";
import { LOG_TABLES, codesOf } from "../../scripts/lab/console/event-names.js";

const LOGS = Object.keys(LOG_TABLES) as EventLogId[];

describe("event → alarm bit table", () => {
  it("every code every log can carry has a bit or an explicit NO_ALARM (a new code without a decision fails here)", () => {
    const missing: string[] = [];
    let codes = 0;
    for (const log of LOGS) {
      for (const [code, names] of codesOf(log)) {
        codes++;
        if (alarmBitOf(log, code) === undefined) missing.push(`${log} ${code} (${names.join(" / ")})`);
      }
    }
    expect(missing).toEqual([]);
    // The walk saw the logs' real tables (the lab test proves they cover every event-code table of src/).
    expect(codes).toBeGreaterThan(90);
  });

  it("no entry for a code no log carries (a renumbered or removed code leaves no stale row)", () => {
    const stale: string[] = [];
    for (const log of Object.keys(ALARM_MAP) as EventLogId[]) {
      const known = codesOf(log);
      for (const code of Object.keys(ALARM_MAP[log])) if (!known.has(Number(code))) stale.push(`${log} ${code}`);
    }
    expect(stale).toEqual([]);
    expect(Object.keys(ALARM_MAP).sort()).toEqual([...LOGS].sort());
  });

  it("every bit is a named bit of register 1 or 2, and every named bit is raised by some event", () => {
    const named = new Set<number>(Object.values(AlarmBit));
    const used = new Set<number>();
    for (const log of LOGS) {
      for (const bit of Object.values(ALARM_MAP[log])) {
        if (bit === NO_ALARM) continue;
        expect(named.has(bit)).toBe(true);
        expect(bit >= 0 && bit < 64).toBe(true);
        used.add(bit);
      }
    }
    // Replace battery has no event in this meter (no battery supervision yet): the only named bit nothing raises.
    expect([...named].filter((b) => !used.has(b))).toEqual([AlarmBit.replaceBattery]);
  });

  it("the IDIS/DSMR bits sit where head-ends decode them, and the default filters are exactly the raised bits", () => {
    expect(alarmBitOf("fraud", MetrologyEvent.meterCoverRemoved)).toBe(13);
    expect(alarmBitOf("fraud", MetrologyEvent.meterCoverClosed)).toBe(NO_ALARM);
    expect(alarmBitOf("power-failure", MetrologyEvent.powerUp)).toBe(2);
    expect(alarmBitOf("standard", 6)).toBe(0);
    expect(alarmBitOf("power-quality", MetrologyEvent.missingVoltage(2))).toBe(30);
    expect(alarmBitOf("power-quality", MetrologyEvent.underVoltage(1))).toBe(32 + 1);
    expect(alarmBitOf("security", SecurityEvent.replay)).toBe(AlarmBit.replayAttack);
    expect(alarmBitOf("security", 999)).toBeUndefined();
    let r1 = 0;
    let r2 = 0;
    for (const b of Object.values(AlarmBit)) {
      if (b === AlarmBit.replaceBattery) continue;
      if (b < 32) r1 = (r1 | (1 << b)) >>> 0;
      else r2 = (r2 | (1 << (b - 32))) >>> 0;
    }
    expect([...ALARM_MASKS]).toEqual([r1, r2]);
    expect(Object.isFrozen(ALARM_MAP) && Object.isFrozen(ALARM_MAP.fraud)).toBe(true);
  });
});
