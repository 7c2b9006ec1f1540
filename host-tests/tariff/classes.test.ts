import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Tag, decodeData, encodeData, type Data } from "../../src/cosem/axdr.js";
import { ActionResult, DataAccessResult, type AccessContext, type CosemObject } from "../../src/cosem/interface-class.js";
import { Obis } from "../../src/cosem/obis.js";
import { ActivityCalendarObject } from "../../src/cosem/classes/activity-calendar.js";
import { ClockObject } from "../../src/cosem/classes/clock.js";
import { DisconnectControlObject } from "../../src/cosem/classes/disconnect-control.js";
import { LimiterObject } from "../../src/cosem/classes/limiter.js";
import { RegisterActivationObject } from "../../src/cosem/classes/register-activation.js";
import { ScriptTableObject } from "../../src/cosem/classes/script-table.js";
import { SingleActionScheduleObject } from "../../src/cosem/classes/single-action-schedule.js";
import { SpecialDaysTableObject } from "../../src/cosem/classes/special-days-table.js";
import { DisconnectControl } from "../../src/relay/disconnect.js";
import { Limiter } from "../../src/relay/limiter.js";
import { SingleActionSchedule } from "../../src/tariff/schedule.js";
import { runtime } from "../support/report.js";
import { FakeRelay, REGISTER_ACTIVATION, TARIFF_TABLE, ascii, buildMeter, passiveCalendar, time } from "./fixture.js";

const client: AccessContext = { role: "management", clientSap: 1, nowUtcMs: Date.UTC(2025, 0, 6, 9) };
const START = Date.UTC(2025, 0, 5, 23); // Monday 6 January 2025 00:00 CET

function objects() {
  const m = buildMeter(START);
  const relay = new FakeRelay();
  const dc = new DisconnectControl(relay, relay.feedback, m.events, () => m.rtc.t, 1);
  const limiter = new Limiter({ classId: 3, logicalName: Obis.of(1, 0, 1, 7, 0, 255), attribute: 2 }, { monitoredValue: () => 0, nowUtc: () => m.rtc.t, runScript: () => true }, { nowMs: () => 0 }, m.events);
  const cal = new ActivityCalendarObject(m.calendar);
  const sdt = new SpecialDaysTableObject(m.specialDays);
  const st = new ScriptTableObject(m.scripts.get(TARIFF_TABLE)!);
  const ra = m.objects.get(REGISTER_ACTIVATION.key) as RegisterActivationObject;
  const sas = new SingleActionScheduleObject(new SingleActionSchedule(new Uint8Array(6), 0, 1, []));
  const all: CosemObject[] = [new ClockObject(m.clock), cal, sdt, st, ra, sas, new DisconnectControlObject(dc), new LimiterObject(limiter)];
  return { m, cal, sdt, st, ra, sas, all };
}

/** Through the wire format and back: what a client would send. */
const wire = (d: Data): Data => decodeData(encodeData(d));

describe("tariff interface classes", () => {
  it("class 20: a passive calendar written attribute by attribute, activated by method 1, drives the tariff", () => {
    const { m, cal } = objects();
    // Encode the fixture's passive calendar as a client would write it, into a fresh meter.
    const source = buildMeter(START);
    source.calendar.active = passiveCalendar();
    const srcObj = new ActivityCalendarObject(source.calendar);
    for (const [from, to] of [
      [2, 6],
      [3, 7],
      [4, 8],
      [5, 9],
    ]) {
      const v = srcObj.get(from, client);
      expect(v.ok).toBe(true);
      if (v.ok) expect(cal.set(to, wire(v.value as Data), client)).toBe(DataAccessResult.success);
    }
    expect(cal.set(3, { tag: Tag.Array, value: [] }, client)).toBe(DataAccessResult.readWriteDenied);
    // Monday 10:00 local: the active calendar's day 1 has T2 from 06:00 to 11:00.
    m.rtc.t = Date.UTC(2025, 0, 6, 9, 0);
    m.engine.tick(m.rtc.t, { importActive: 1, exportActive: 0, importReactive: 0, exportReactive: 0 });
    expect(m.engine.currentAction?.selector).toBe(2);
    expect(cal.action(1, { tag: Tag.Integer, value: 0 }, client).result).toBe(ActionResult.success);
    expect(m.events.codes("standard")).toContain(9);
    m.rtc.t = Date.UTC(2025, 0, 6, 9, 1);
    m.engine.tick(m.rtc.t, { importActive: 1, exportActive: 0, importReactive: 0, exportReactive: 0 });
    expect(m.engine.currentAction?.selector).toBe(1); // passive day 5: 00:00 T1 .. 12:10 T2
    for (const a of [2, 3, 4, 5]) {
      const x = cal.get(a, client);
      const y = srcObj.get(a, client);
      expect(x.ok && y.ok && encodeData(x.value as Data)).toEqual(y.ok && encodeData(y.value as Data));
    }
    expect(cal.set(9, { tag: Tag.Array, value: [{ tag: Tag.Structure, value: [{ tag: Tag.Unsigned, value: 1 }] }] }, client)).toBe(DataAccessResult.typeUnmatched);
  });

  it("class 20 attribute 10: the activation time from a client is honoured by the engine", () => {
    const { m, cal } = objects();
    m.calendar.activatePassiveTime = { ...m.calendar.activatePassiveTime };
    const at = Uint8Array.of(0x07, 0xe9, 1, 6, 0xff, 10, 30, 0, 0, 0x80, 0x00, 0xff); // 2025-01-06 10:30 local
    expect(cal.set(10, { tag: Tag.OctetString, value: at }, client)).toBe(DataAccessResult.success);
    m.rtc.t = Date.UTC(2025, 0, 6, 10, 0);
    m.engine.tick(m.rtc.t, { importActive: 60, exportActive: 0, importReactive: 0, exportReactive: 0 });
    // The fixture's passive calendar now activates at 09:30 UTC (10:30 CET) instead of on 1 September.
    expect(m.events.events.filter((e) => e.code === 9).map((e) => e.utcMs)).toEqual([Date.UTC(2025, 0, 6, 9, 30)]);
    expect(m.engine.currentAction?.selector).toBe(1);
  });

  it("class 11: insert, replace, delete special days; a special day changes the tariff of that date", () => {
    const { m, sdt } = objects();
    const entry = (index: number, month: number, dayOfMonth: number, dayId: number): Data => ({
      tag: Tag.Structure,
      value: [
        { tag: Tag.LongUnsigned, value: index },
        { tag: Tag.OctetString, value: Uint8Array.of(0xff, 0xff, month, dayOfMonth, 0xff) },
        { tag: Tag.Unsigned, value: dayId },
      ],
    });
    expect(sdt.action(1, wire(entry(9, 1, 6, 3)), client).result).toBe(ActionResult.success);
    m.rtc.t = Date.UTC(2025, 0, 6, 9, 0);
    m.engine.tick(m.rtc.t, { importActive: 1, exportActive: 0, importReactive: 0, exportReactive: 0 });
    expect(m.engine.currentAction?.selector).toBe(4); // day 3 = T4 all day
    expect(sdt.action(1, entry(9, 1, 7, 3), client).result).toBe(ActionResult.success); // replaces index 9
    const v = sdt.get(2, client);
    expect(v.ok && (v.value as { value: Data[] }).value.length).toBe(3);
    expect(sdt.action(2, { tag: Tag.LongUnsigned, value: 9 }, client).result).toBe(ActionResult.success);
    expect(sdt.action(2, { tag: Tag.LongUnsigned, value: 9 }, client).result).toBe(ActionResult.otherReason);
    expect(sdt.action(1, { tag: Tag.Structure, value: [] }, client).result).toBe(ActionResult.typeUnmatched);
  });

  it("class 9: a client executes a tariff script; class 6 masks and active_mask", () => {
    const { m, st, ra } = objects();
    expect(st.action(1, { tag: Tag.LongUnsigned, value: 3 }, client).result).toBe(ActionResult.success);
    expect(ra.get(4, client)).toEqual({ ok: true, value: { tag: Tag.OctetString, value: ascii("T3") } });
    expect(st.action(1, { tag: Tag.LongUnsigned, value: 42 }, client).result).toBe(ActionResult.otherReason);
    expect(ra.set(4, { tag: Tag.OctetString, value: ascii("T9") }, client)).toBe(DataAccessResult.otherReason);
    const scripts = st.get(2, client);
    expect(scripts.ok).toBe(true);
    if (scripts.ok) expect(st.set(2, wire(scripts.value as Data), client)).toBe(DataAccessResult.success);
    const masks = ra.get(3, client);
    expect(masks.ok && (masks.value as { value: Data[] }).value.length).toBe(4);
    // Deleting the active mask T3 empties active_mask.
    expect(ra.action(3, { tag: Tag.OctetString, value: ascii("T3") }, client).result).toBe(ActionResult.success);
    expect(ra.get(4, client)).toEqual({ ok: true, value: { tag: Tag.OctetString, value: new Uint8Array(0) } });
    // Deleting the mask in force (T1 since midnight) stops accumulation until a script selects a mask again.
    expect(ra.action(3, { tag: Tag.OctetString, value: ascii("T1") }, client).result).toBe(ActionResult.success);
    m.rtc.t = START + 3600000;
    m.engine.tick(m.rtc.t, { importActive: 10, exportActive: 10, importReactive: 10, exportReactive: 10 });
    expect(m.bank.obis.map((o) => m.bank.value(o)).every((v) => v === 0)).toBe(true);
    m.rtc.t = START + 7 * 3600000; // 07:00 local: the 06:00 action ran T2's script
    m.engine.tick(m.rtc.t, { importActive: 60, exportActive: 0, importReactive: 0, exportReactive: 0 });
    expect(m.bank.value(Obis.of(1, 0, 1, 8, 2, 255))).toBe(10);
    expect(ra.action(2, { tag: Tag.Structure, value: [{ tag: Tag.OctetString, value: ascii("X") }, { tag: Tag.Array, value: [{ tag: Tag.Unsigned, value: 99 }] }] }, client).result).toBe(ActionResult.otherReason);
  });

  it("class 22: execution times with wildcards, type 1 holds one time only", () => {
    const { sas } = objects();
    const et = (h: number): Data => ({
      tag: Tag.Structure,
      value: [
        { tag: Tag.OctetString, value: Uint8Array.of(h, 0, 0, 0) },
        { tag: Tag.OctetString, value: Uint8Array.of(0xff, 0xff, 0xff, 1, 0xff) },
      ],
    });
    expect(sas.set(4, { tag: Tag.Array, value: [et(0)] }, client)).toBe(DataAccessResult.success);
    expect(sas.set(4, { tag: Tag.Array, value: [et(0), et(1)] }, client)).toBe(DataAccessResult.otherReason);
    expect(sas.set(3, { tag: Tag.Enum, value: 2 }, client)).toBe(DataAccessResult.success);
    expect(sas.set(4, { tag: Tag.Array, value: [et(0), et(12)] }, client)).toBe(DataAccessResult.success);
    expect(sas.set(4, { tag: Tag.Array, value: [et(24)] }, client)).toBe(DataAccessResult.otherReason);
    expect(sas.set(2, { tag: Tag.Structure, value: [{ tag: Tag.OctetString, value: TARIFF_TABLE.toBytes() }, { tag: Tag.LongUnsigned, value: 2 }] }, client)).toBe(DataAccessResult.success);
    expect(sas.schedule.times.map((t) => t.time.hour)).toEqual([0, 12]);
    expect(sas.schedule.times[0].time).toEqual(time(0));
    const v = sas.get(4, client);
    // array(2) of structure(2) {time octet-string(4), date octet-string(5)}, written out by hand from the Blue Book layout.
    expect(v.ok && toHexData(v.value as Data)).toBe("0102" + "0202" + "090400000000" + "0905ffffff01ff" + "0202" + "09040c000000" + "0905ffffff01ff");
  });

  it("every class answers any value, method and attribute without throwing (decoders are total)", () => {
    const { all } = objects();
    const leaf = fc.oneof(
      fc.constant<Data>({ tag: Tag.NullData, value: null }),
      fc.boolean().map((value): Data => ({ tag: Tag.Boolean, value })),
      fc.integer({ min: 0, max: 255 }).map((value): Data => ({ tag: Tag.Unsigned, value })),
      fc.integer({ min: 0, max: 255 }).map((value): Data => ({ tag: Tag.Enum, value })),
      fc.integer({ min: -128, max: 127 }).map((value): Data => ({ tag: Tag.Integer, value })),
      fc.integer({ min: -32768, max: 32767 }).map((value): Data => ({ tag: Tag.Long, value })),
      fc.integer({ min: 0, max: 65535 }).map((value): Data => ({ tag: Tag.LongUnsigned, value })),
      fc.integer({ min: 0, max: 0xffffffff }).map((value): Data => ({ tag: Tag.DoubleLongUnsigned, value })),
      fc.uint8Array({ maxLength: 14 }).map((value): Data => ({ tag: Tag.OctetString, value })),
      fc.constantFrom(4, 5, 6, 12).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })).map((value): Data => ({ tag: Tag.OctetString, value })),
    );
    const data = fc.letrec<{ d: Data }>((tie) => ({
      d: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        leaf,
        fc.array(tie("d"), { maxLength: 4 }).map((value): Data => ({ tag: Tag.Array, value })),
        fc.array(tie("d"), { maxLength: 8 }).map((value): Data => ({ tag: Tag.Structure, value })),
      ),
    })).d;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: all.length - 1 }), fc.integer({ min: 0, max: 12 }), data, (i, n, d) => {
        const o = all[i];
        const s = o.set(n, d, client);
        expect(typeof s).toBe("number");
        const a = o.action(n, d, client);
        expect(typeof a.result).toBe("number");
        const g = o.get(n, client);
        if (g.ok) encodeData(g.value as Data); // whatever was set must still encode
      }),
      { numRuns: runtime === "node" ? 3000 : 300 },
    );
  });
});

function toHexData(d: Data): string {
  return Array.from(encodeData(d), (b) => b.toString(16).padStart(2, "0")).join("");
}
