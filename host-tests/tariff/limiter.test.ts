import { describe, expect, it } from "vitest";
import { Tag, type Data } from "../../src/cosem/axdr.js";
import { DataAccessResult, type AccessContext, type CosemObject } from "../../src/cosem/interface-class.js";
import { Obis } from "../../src/cosem/obis.js";
import { DisconnectControlObject } from "../../src/cosem/classes/disconnect-control.js";
import { LimiterObject } from "../../src/cosem/classes/limiter.js";
import { ControlState, DisconnectControl } from "../../src/relay/disconnect.js";
import { Limiter, type LimiterHost } from "../../src/relay/limiter.js";
import { ScriptRegistry, ScriptTable, internalContext } from "../../src/tariff/script-table.js";
import { FakeRelay, RecordingSink, pattern } from "./fixture.js";

const DISCONNECT_SCRIPTS = Obis.of(0, 0, 10, 0, 106, 255);
const DISCONNECTOR = Obis.of(0, 0, 96, 3, 10, 255);
const T0 = Date.UTC(2025, 5, 1, 10, 0);

function setup(mode: number) {
  const state = { utc: T0, mono: 0, value: 0 };
  const relay = new FakeRelay();
  const events = new RecordingSink();
  const dc = new DisconnectControl(relay, relay.feedback, events, () => state.utc, mode, ControlState.connected);
  const objects = new Map<number, CosemObject>([[DISCONNECTOR.key, new DisconnectControlObject(dc)]]);
  const scripts = new ScriptRegistry();
  const zero: Data = { tag: Tag.Integer, value: 0 };
  scripts.add(
    new ScriptTable(
      DISCONNECT_SCRIPTS,
      [
        { id: 1, actions: [{ service: 2, classId: 70, logicalName: DISCONNECTOR, index: 1, parameter: zero }] },
        { id: 2, actions: [{ service: 2, classId: 70, logicalName: DISCONNECTOR, index: 2, parameter: zero }] },
      ],
      (classId, ln) => {
        const o = objects.get(ln.key);
        return o && o.classId === classId ? o : undefined;
      },
    ),
  );
  const host: LimiterHost = {
    monitoredValue: () => state.value,
    nowUtc: () => state.utc,
    runScript: (ref, utc) => scripts.run(ref.scriptLn, ref.selector, internalContext(utc)),
  };
  const limiter = new Limiter({ classId: 3, logicalName: Obis.of(1, 0, 1, 7, 0, 255), attribute: 2 }, host, { nowMs: () => state.mono }, events);
  limiter.setThresholds(5000, 2000);
  limiter.minOverS = 60;
  limiter.minUnderS = 120;
  limiter.actionOver = { scriptLn: DISCONNECT_SCRIPTS.toBytes(), selector: 1 };
  limiter.actionUnder = { scriptLn: DISCONNECT_SCRIPTS.toBytes(), selector: 2 };
  events.events.length = 0;
  /** Holds a value for `seconds`, polling every 10 s of simulated time. */
  const hold = (value: number, seconds: number) => {
    state.value = value;
    for (let s = 0; s < seconds; s += 10) {
      limiter.poll();
      state.utc += 10000;
      state.mono += 10000;
    }
    limiter.poll();
  };
  return { state, relay, events, dc, limiter, host, hold };
}

describe("limiter", () => {
  it("disconnects locally after min_over_threshold_duration and reconnects after min_under (mode 5)", () => {
    const { relay, events, dc, limiter, hold } = setup(5);
    hold(4000, 300);
    hold(6000, 50); // not long enough
    hold(4000, 10); // the over-threshold timer restarts
    expect(relay.level).toBe(1);
    expect(events.events).toEqual([]);
    hold(6000, 60);
    expect(limiter.isOver).toBe(true);
    expect(dc.controlState).toBe(ControlState.readyForReconnection);
    expect(relay.level).toBe(0);
    expect(events.codes("disconnector")).toEqual([65, 64]);
    hold(1000, 110);
    expect(relay.level).toBe(0);
    hold(1000, 10);
    expect(relay.level).toBe(1);
    expect(events.codes("disconnector")).toEqual([65, 64, 66, 69]);
  });

  it("in mode 1 the under-threshold action is refused: only the customer reconnects", () => {
    const { relay, events, dc, hold } = setup(1);
    hold(9000, 60);
    hold(100, 120);
    expect(events.codes("disconnector")).toEqual([65, 64, 66]);
    expect(relay.level).toBe(0);
    dc.manualButton();
    expect(relay.level).toBe(1);
  });

  it("an emergency profile of a listed group lowers the threshold for its duration, with threshold-change events", () => {
    const { state, relay, events, limiter, hold } = setup(5);
    limiter.emergency = { id: 7, activation: { ...pattern(2025, 6, 1, 10, 5), deviation: 0 }, durationS: 600 };
    limiter.groupIds = [3];
    hold(3000, 300); // 10:00..10:05: normal threshold
    expect(limiter.emergencyActive()).toBe(false);
    limiter.groupIds = [3, 7];
    expect(limiter.emergencyActive()).toBe(true);
    expect(limiter.thresholdActive()).toBe(2000);
    hold(3000, 60);
    expect(relay.level).toBe(0);
    expect(events.codes("disconnector")).toEqual([67, 65, 64]);
    state.utc = Date.UTC(2025, 5, 1, 10, 15);
    hold(3000, 120); // the emergency is over: 3000 W is under the normal threshold again
    expect(limiter.emergencyActive()).toBe(false);
    expect(relay.level).toBe(1);
    expect(events.codes("disconnector")).toEqual([67, 65, 64, 67, 66, 69]);
  });

  it("an emergency activation time without deviation is local time when a clock converter is given", () => {
    const { limiter, host } = setup(5);
    limiter.groupIds = [7];
    limiter.emergency = { id: 7, activation: pattern(2025, 6, 1, 12, 0), durationS: 600 }; // 12:00 local
    expect(limiter.emergencyActive(Date.UTC(2025, 5, 1, 12, 1))).toBe(true); // read as UTC without a converter
    host.localToUtc = (local) => local - 2 * 3600000; // CEST
    expect(limiter.emergencyActive(Date.UTC(2025, 5, 1, 12, 1))).toBe(false);
    expect(limiter.emergencyActive(Date.UTC(2025, 5, 1, 10, 1))).toBe(true);
  });
});

describe("limiter class 71", () => {
  const ctx: AccessContext = { role: "management", clientSap: 1, nowUtcMs: T0 };
  it("reads and writes its attributes with type checks", () => {
    const { limiter, events } = setup(5);
    const o = new LimiterObject(limiter);
    expect(o.get(4, ctx)).toEqual({ ok: true, value: { tag: Tag.DoubleLongUnsigned, value: 5000 } });
    expect(o.set(4, { tag: Tag.DoubleLongUnsigned, value: 4000 }, ctx)).toBe(DataAccessResult.success);
    expect(events.codes("disconnector")).toEqual([67]);
    expect(o.get(3, ctx)).toEqual({ ok: true, value: { tag: Tag.DoubleLongUnsigned, value: 4000 } });
    expect(o.set(3, { tag: Tag.DoubleLongUnsigned, value: 1 }, ctx)).toBe(DataAccessResult.readWriteDenied);
    expect(o.set(6, { tag: Tag.LongUnsigned, value: 1 }, ctx)).toBe(DataAccessResult.typeUnmatched);
    expect(o.set(9, { tag: Tag.Array, value: [{ tag: Tag.LongUnsigned, value: 7 }] }, ctx)).toBe(DataAccessResult.success);
    expect(limiter.groupIds).toEqual([7]);
    const actions = o.get(11, ctx);
    expect(actions.ok).toBe(true);
    if (actions.ok) expect(o.set(11, actions.value as Data, ctx)).toBe(DataAccessResult.success);
    const profile: Data = {
      tag: Tag.Structure,
      value: [
        { tag: Tag.LongUnsigned, value: 7 },
        { tag: Tag.OctetString, value: Uint8Array.of(0x07, 0xe9, 6, 1, 0xff, 10, 5, 0, 0, 0, 0, 0) },
        { tag: Tag.DoubleLongUnsigned, value: 600 },
      ],
    };
    expect(o.set(8, profile, ctx)).toBe(DataAccessResult.success);
    expect(o.get(10, { ...ctx, nowUtcMs: Date.UTC(2025, 5, 1, 10, 6) })).toEqual({ ok: true, value: { tag: Tag.Boolean, value: true } });
    expect(o.get(10, { ...ctx, nowUtcMs: Date.UTC(2025, 5, 1, 10, 16) })).toEqual({ ok: true, value: { tag: Tag.Boolean, value: false } });
  });
});
