import { describe, expect, it } from "vitest";
import { AlarmBit } from "../../src/alarm/alarm-map.js";
import { Alarms, KEY_ALARMS, type AlarmRegisterNo } from "../../src/alarm/alarms.js";
import type { MeterEvent } from "../../src/events.js";
import { MetrologyEvent as M } from "../../src/metrology/event-codes.js";
import { SecurityEvent } from "../../src/cosem/security/events.js";
import { MemoryKeyValueStore } from "../../src/persistence.js";

const COVER = 1 << AlarmBit.fraudAttempt;
const POWER_UP = 1 << AlarmBit.powerUp;
const SAG_L2 = 1 << (AlarmBit.voltageSagL2 - 32);
const ev = (log: MeterEvent["log"], code: number): MeterEvent => ({ log, code, utcMs: 0 });

function rig(filters?: readonly [number, number], store = new MemoryKeyValueStore()) {
  const alarms = new Alarms(store, filters);
  const heard: [AlarmRegisterNo, number][] = [];
  alarms.onAlarm((r, bits) => heard.push([r, bits]));
  return { alarms, heard, store };
}

describe("alarm registers: rising bits, filters, clearing by mask", () => {
  it("a mapped event sets its bit and reports it once; the same alarm again reports nothing and writes nothing", () => {
    const { alarms, heard } = rig();
    alarms.record(ev("fraud", M.meterCoverRemoved));
    expect(heard).toEqual([[1, COVER]]);
    expect(alarms.register(1)).toBe(COVER);
    const writes = alarms.writes;
    alarms.record(ev("fraud", M.terminalCoverRemoved)); // same bit (fraud attempt)
    alarms.record(ev("fraud", M.meterCoverRemoved));
    alarms.record(ev("fraud", M.meterCoverClosed)); // no alarm
    expect(heard).toEqual([[1, COVER]]);
    expect(alarms.writes).toBe(writes);
    alarms.record(ev("power-quality", M.underVoltage(1)));
    expect(heard).toEqual([[1, COVER], [2, SAG_L2]]);
    expect(alarms.register(2)).toBe(SAG_L2);
  });

  it("after a clear the bit rises again and is reported again", () => {
    const { alarms, heard } = rig();
    alarms.record(ev("power-failure", M.powerUp));
    alarms.clear(1, POWER_UP);
    expect(alarms.register(1)).toBe(0);
    alarms.record(ev("power-failure", M.powerUp));
    expect(heard).toEqual([[1, POWER_UP], [1, POWER_UP]]);
  });

  it("the filter decides what is reported, never what the register records", () => {
    const { alarms, heard } = rig([COVER, 0]);
    alarms.record(ev("power-failure", M.powerUp));
    alarms.record(ev("power-quality", M.underVoltage(1)));
    expect(heard).toEqual([]);
    expect([alarms.register(1), alarms.register(2)]).toEqual([POWER_UP, SAG_L2]);
    expect([alarms.descriptor(1), alarms.descriptor(2)]).toEqual([0, 0]);
    alarms.record(ev("fraud", M.meterCoverRemoved));
    expect(heard).toEqual([[1, COVER]]);
    expect(alarms.descriptor(1)).toBe(COVER);
    // A filter opened later does not report a bit that is already set; the next rise is reported.
    alarms.setFilter(1, POWER_UP | COVER);
    alarms.record(ev("power-failure", M.powerUp));
    expect(heard).toEqual([[1, COVER]]);
    alarms.clear(1, POWER_UP);
    alarms.record(ev("power-failure", M.powerUp));
    expect(heard).toEqual([[1, COVER], [1, POWER_UP]]);
  });

  it("SET clears the bits written as 1 and keeps the others (writing 0 clears nothing)", () => {
    const { alarms } = rig();
    alarms.record(ev("fraud", M.meterCoverRemoved));
    alarms.record(ev("power-failure", M.powerUp));
    alarms.clear(1, 0);
    expect(alarms.register(1)).toBe(COVER | POWER_UP);
    alarms.clear(1, COVER | (1 << 31));
    expect(alarms.register(1)).toBe(POWER_UP);
    alarms.clearDescriptor(1, 0xffffffff);
    expect(alarms.descriptor(1)).toBe(0);
    expect(alarms.register(1)).toBe(POWER_UP);
  });

  it("bit 31 and a full register stay unsigned", () => {
    const { alarms, heard } = rig([0xffffffff, 0xffffffff]);
    alarms.raise(1, 0xffffffff);
    expect(alarms.register(1)).toBe(0xffffffff);
    expect(heard).toEqual([[1, 0xffffffff]]);
  });

  it("a subscriber that throws is counted and does not keep the bits from the next one", () => {
    const { alarms, heard } = rig();
    const store = new MemoryKeyValueStore();
    const a = new Alarms(store);
    const got: number[] = [];
    a.onAlarm(() => {
      throw new Error("push engine broke");
    });
    a.onAlarm((_r, bits) => got.push(bits));
    a.record(ev("security", SecurityEvent.replay));
    expect(got).toEqual([1 << (AlarmBit.replayAttack - 32)]);
    expect(a.listenerFaults).toBe(1);
    expect(heard).toEqual([]);
    expect(alarms.listenerFaults).toBe(0);
  });
});

describe("alarm persistence", () => {
  it("registers, descriptors and bits nobody received yet survive a restart; the waiting bits come at the first tick", () => {
    const store = new MemoryKeyValueStore();
    const before = new Alarms(store);
    // No subscriber yet (the push engine is built later): the bits wait.
    before.record(ev("fraud", M.meterCoverRemoved));
    before.record(ev("power-quality", M.underVoltage(1)));
    expect([before.pending(1), before.pending(2)]).toEqual([COVER, SAG_L2]);
    // Restart: a new instance over the same store.
    const after = new Alarms(store);
    expect([after.register(1), after.register(2), after.descriptor(1), after.pending(2)]).toEqual([COVER, SAG_L2, COVER, SAG_L2]);
    const heard: [number, number][] = [];
    after.onAlarm((r, b) => heard.push([r, b]));
    expect(heard).toEqual([]);
    after.tick();
    expect(heard).toEqual([[1, COVER], [2, SAG_L2]]);
    after.tick();
    expect(heard.length).toBe(2);
    // Handed over: a further restart does not report them again, and the register still holds them.
    const third = new Alarms(store);
    const again: number[] = [];
    third.onAlarm((_r, b) => again.push(b));
    third.tick();
    expect(again).toEqual([]);
    expect(third.register(1)).toBe(COVER);
  });

  it("a clear survives a restart; bad stored bytes read as no alarms", () => {
    const store = new MemoryKeyValueStore();
    const a = new Alarms(store);
    a.record(ev("fraud", M.meterCoverRemoved));
    a.record(ev("power-failure", M.powerUp));
    a.clear(1, COVER);
    expect(new Alarms(store).register(1)).toBe(POWER_UP);
    store.put(KEY_ALARMS, Uint8Array.of(9, 1, 2, 3));
    const b = new Alarms(store);
    expect([b.register(1), b.register(2), b.pending(1)]).toEqual([0, 0, 0]);
  });
});
