import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Tag, decodeData, encodeData, type Data } from "../../src/cosem/axdr.js";
import { ClockStatus, DEVIATION_NOT_SPECIFIED, dateTimeFromBytes, dateTimeToUtcMs, daysFromCivil } from "../../src/cosem/datetime.js";
import { ActionResult, DataAccessResult, type AccessContext } from "../../src/cosem/interface-class.js";
import { ClockObject } from "../../src/cosem/classes/clock.js";
import { MeterClock } from "../../src/tariff/clock.js";
import { MS_PER_DAY, lastSundayPattern, patternLocalMs } from "../../src/tariff/date-patterns.js";
import { toHex } from "../../src/util/bytes.js";
import { dlmsVector } from "../support/vectors.js";
import { runtime } from "../support/report.js";
import { FakeRtc, RecordingSink, pattern } from "./fixture.js";

const ctx: AccessContext = { role: "management", clientSap: 1, nowUtcMs: 0 };

function cet(utc: number) {
  const rtc = new FakeRtc(utc);
  const events = new RecordingSink();
  const clock = new MeterClock(rtc, events, { timeZone: -60, dstBegin: lastSundayPattern(3, 2), dstEnd: lastSundayPattern(10, 3), dstDeviation: 60, dstEnabled: true });
  return { rtc, events, clock, obj: new ClockObject(clock) };
}

const day = (y: number, m: number, d: number) => daysFromCivil(y, m, d);
/** The day (days since 1970-01-01) a pattern's day of month and day of week select in a year and month, through the local instant it names. */
const patternDayInMonth = (y: number, m: number, d: number, dow: number) => patternLocalMs({ ...lastSundayPattern(m, 0), day: d, dayOfWeek: dow }, y) / MS_PER_DAY;

describe("DST rules from COSEM date patterns", () => {
  it("resolves last / second-last day, weekday on-or-after and on-or-before", () => {
    // Known calendar facts: EU switch days 2025 and 2026, US second Sunday of March 2025 (9 March).
    expect(patternDayInMonth(2025, 3, 0xfe, 7)).toBe(day(2025, 3, 30));
    expect(patternDayInMonth(2025, 10, 0xfe, 7)).toBe(day(2025, 10, 26));
    expect(patternDayInMonth(2026, 3, 0xfe, 7)).toBe(day(2026, 3, 29));
    expect(patternDayInMonth(2026, 10, 0xfe, 7)).toBe(day(2026, 10, 25));
    expect(patternDayInMonth(2025, 3, 8, 7)).toBe(day(2025, 3, 9));
    expect(patternDayInMonth(2025, 2, 0xfe, 0xff)).toBe(day(2025, 2, 28));
    expect(patternDayInMonth(2024, 2, 0xfd, 0xff)).toBe(day(2024, 2, 28));
    expect(Number.isNaN(patternDayInMonth(2025, 4, 31, 0xff))).toBe(true);
  });

  it("EU rule: switches at 01:00 UTC both ways, status bit and deviation follow", () => {
    const { clock } = cet(0);
    const on = Date.UTC(2025, 2, 30, 1, 0);
    const off = Date.UTC(2025, 9, 26, 1, 0);
    expect(clock.dstActiveAt(on - 1)).toBe(false);
    expect(clock.dstActiveAt(on)).toBe(true);
    expect(clock.dstActiveAt(off - 1)).toBe(true);
    expect(clock.dstActiveAt(off)).toBe(false);
    expect(clock.deviationAt(on)).toBe(-120);
    expect(clock.statusAt(on) & ClockStatus.daylightSavingActive).toBe(ClockStatus.daylightSavingActive);
    const before = clock.dateTimeAt(on - 1);
    const after = clock.dateTimeAt(on);
    expect([before.hour, before.minute, before.deviation]).toEqual([1, 59, -60]);
    expect([after.hour, after.minute, after.deviation]).toEqual([3, 0, -120]);
  });

  it("southern hemisphere rule (Sydney: DST from first Sunday of October to first Sunday of April)", () => {
    const rtc = new FakeRtc(0);
    const first = (month: number, hour: number) => ({ ...pattern(0xffff, month, 1, hour), dayOfWeek: 7 });
    const clock = new MeterClock(rtc, new RecordingSink(), { timeZone: -600, dstBegin: first(10, 2), dstEnd: first(4, 3), dstDeviation: 60, dstEnabled: true });
    // 2025: ends Sunday 6 April 03:00 AEDT = 5 April 16:00 UTC; begins Sunday 5 October 02:00 AEST = 4 October 16:00 UTC.
    expect(clock.dstActiveAt(Date.UTC(2025, 0, 15))).toBe(true);
    expect(clock.dstActiveAt(Date.UTC(2025, 3, 5, 16, 0) - 1)).toBe(true);
    expect(clock.dstActiveAt(Date.UTC(2025, 3, 5, 16, 0))).toBe(false);
    expect(clock.dstActiveAt(Date.UTC(2025, 9, 4, 16, 0) - 1)).toBe(false);
    expect(clock.dstActiveAt(Date.UTC(2025, 9, 4, 16, 0))).toBe(true);
    expect(clock.deviationAt(Date.UTC(2025, 11, 31))).toBe(-660);
  });

  it("local times DST skips map to just after the switch; repeated ones to their first occurrence", () => {
    const { clock } = cet(0);
    expect(clock.utcOfLocal(Date.UTC(2025, 2, 30, 2, 30))).toBe(Date.UTC(2025, 2, 30, 1, 30));
    expect(clock.utcOfLocal(Date.UTC(2025, 9, 26, 2, 30))).toBe(Date.UTC(2025, 9, 26, 0, 30));
    expect(clock.utcOfLocal(Date.UTC(2025, 6, 1, 12, 0))).toBe(Date.UTC(2025, 6, 1, 10, 0));
  });

  it("daily capture instants follow local midnight: days of 23 and 25 hours", () => {
    const { clock } = cet(0);
    const a = clock.nextCaptureAfter(Date.UTC(2025, 2, 29, 12), 86400);
    const b = clock.nextCaptureAfter(a, 86400);
    expect(a).toBe(Date.UTC(2025, 2, 29, 23));
    expect(b - a).toBe(23 * 3600000);
    const c = clock.nextCaptureAfter(Date.UTC(2025, 9, 25, 12), 86400);
    expect(clock.nextCaptureAfter(c, 86400) - c).toBe(25 * 3600000);
  });
});

/** EU rule written independently: 01:00 UTC on the last Sunday of March / October (JS Date). */
function euSwitch(year: number, month0: number): number {
  const lastDay = new Date(Date.UTC(year, month0 + 1, 0));
  return Date.UTC(year, month0, lastDay.getUTCDate() - lastDay.getUTCDay(), 1, 0);
}

describe("clock properties against an independent EU rule, 2000..2099", () => {
  const instant = fc.integer({ min: Date.UTC(2000, 0, 1) / 10, max: Date.UTC(2099, 11, 31) / 10 }).map((x) => x * 10);
  const runs = runtime === "node" ? 5000 : 500;

  it("DST state, deviation and the local view agree with the reference", () => {
    const { clock } = cet(0);
    fc.assert(
      fc.property(instant, (u) => {
        const y = new Date(u).getUTCFullYear();
        const dst = u >= euSwitch(y, 2) && u < euSwitch(y, 9);
        expect(clock.dstActiveAt(u)).toBe(dst);
        const dt = clock.dateTimeAt(u);
        const local = new Date(u + (dst ? 120 : 60) * 60000);
        expect([dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second]).toEqual([
          local.getUTCFullYear(),
          local.getUTCMonth() + 1,
          local.getUTCDate(),
          local.getUTCHours(),
          local.getUTCMinutes(),
          local.getUTCSeconds(),
        ]);
        expect(dateTimeToUtcMs(dt)).toBe(u);
      }),
      { numRuns: runs },
    );
  });

  it("local -> UTC -> local is the identity except in the repeated autumn hour (first occurrence)", () => {
    const { clock } = cet(0);
    fc.assert(
      fc.property(instant, (u) => {
        const back = clock.utcOfLocal(clock.localMsAt(u));
        const y = new Date(u).getUTCFullYear();
        const off = euSwitch(y, 9);
        if (u >= off && u < off + 3600000) expect(back).toBe(u - 3600000);
        else expect(back).toBe(u);
      }),
      { numRuns: runs },
    );
  });
});

describe("clock class 8", () => {
  it("sets the time from dlms-cosem's SET request (test_xdlms/test_set.py:39) and reads it back", () => {
    // c1 01 c1 | class 0008 | 0.0.1.0.0.255 | attribute 02 | no selection 00 | value: 2021-01-24 14:48:57.80, deviation -60.
    const request = dlmsVector("test_xdlms/test_set.py", 39);
    const value = decodeData(request.subarray(13));
    const { rtc, events, obj } = cet(Date.UTC(2020, 0, 1));
    expect(obj.set(2, value, ctx)).toBe(DataAccessResult.success);
    expect(rtc.t).toBe(Date.UTC(2021, 0, 24, 13, 48, 57, 800));
    expect(events.codes("standard")).toEqual([4, 5]);
    expect(events.events.map((e) => e.utcMs)).toEqual([Date.UTC(2020, 0, 1), Date.UTC(2021, 0, 24, 13, 48, 57, 800)]);
    // Read back: the same 12 octets except the day of week, which the client left unspecified (0xFF)
    // and the meter fills in (24 January 2021 was a Sunday = 7).
    const expected = request.subarray(13).slice();
    expect(expected[6]).toBe(0xff);
    expected[6] = 7;
    const got = obj.get(2, ctx);
    expect(got.ok).toBe(true);
    if (got.ok) expect(toHex(encodeData(got.value as Data))).toBe(toHex(expected));
  });

  it("refuses malformed times with the right result and never throws", () => {
    const { obj } = cet(0);
    const bad = (f: (b: Uint8Array) => void) => {
      const b = Uint8Array.of(0x07, 0xe9, 1, 1, 0xff, 0, 0, 0, 0, 0xff, 0xc4, 0);
      f(b);
      return { tag: Tag.OctetString, value: b } as Data;
    };
    expect(obj.set(2, bad((b) => (b[2] = 13)), ctx)).toBe(DataAccessResult.otherReason);
    expect(obj.set(2, bad((b) => (b[4] = 9)), ctx)).toBe(DataAccessResult.otherReason);
    expect(obj.set(2, bad((b) => (b[0] = 0xff) && (b[1] = 0xff)), ctx)).toBe(DataAccessResult.otherReason);
    expect(obj.set(2, { tag: Tag.OctetString, value: new Uint8Array(11) }, ctx)).toBe(DataAccessResult.typeUnmatched);
    expect(obj.set(2, { tag: Tag.Unsigned, value: 1 }, ctx)).toBe(DataAccessResult.typeUnmatched);
    expect(obj.set(3, { tag: Tag.Long, value: 721 }, ctx)).toBe(DataAccessResult.otherReason);
    expect(obj.set(3, { tag: Tag.Long, value: -841 }, ctx)).toBe(DataAccessResult.otherReason);
    expect(obj.set(4, { tag: Tag.Unsigned, value: 0 }, ctx)).toBe(DataAccessResult.readWriteDenied);
    expect(obj.action(6, { tag: Tag.Long, value: 901 }, ctx).result).toBe(ActionResult.otherReason);
    expect(obj.action(1, undefined, ctx).result).toBe(ActionResult.typeUnmatched);
    expect(obj.action(7, { tag: Tag.Integer, value: 0 }, ctx).result).toBe(ActionResult.objectUndefined);
  });

  it("a time without deviation is local time of the meter", () => {
    const { rtc, obj } = cet(0);
    const b = Uint8Array.of(0x07, 0xe9, 7, 1, 0xff, 12, 0, 0, 0, 0x80, 0x00, 0xff);
    expect(obj.set(2, { tag: Tag.OctetString, value: b }, ctx)).toBe(DataAccessResult.success);
    expect(rtc.t).toBe(Date.UTC(2025, 6, 1, 10, 0)); // CEST
  });

  it("adjust_to_quarter, adjust_to_measuring_period, adjust_to_minute round local time and log old/new", () => {
    const { rtc, events, obj } = cet(Date.UTC(2025, 0, 10, 7, 52, 29));
    const zero: Data = { tag: Tag.Integer, value: 0 };
    expect(obj.action(1, zero, ctx).result).toBe(ActionResult.success);
    expect(rtc.t).toBe(Date.UTC(2025, 0, 10, 7, 45));
    rtc.t = Date.UTC(2025, 0, 10, 7, 52, 31);
    obj.action(2, zero, ctx); // measuring period 900 s
    expect(rtc.t).toBe(Date.UTC(2025, 0, 10, 8, 0));
    rtc.t = Date.UTC(2025, 0, 10, 7, 52, 30);
    obj.action(3, zero, ctx);
    expect(rtc.t).toBe(Date.UTC(2025, 0, 10, 7, 53));
    rtc.t = Date.UTC(2025, 0, 10, 7, 52, 29, 990);
    obj.action(3, zero, ctx);
    expect(rtc.t).toBe(Date.UTC(2025, 0, 10, 7, 52));
    expect(events.codes("standard")).toEqual([4, 5, 4, 5, 4, 5, 4, 5]);
    expect(events.events[0].utcMs).toBe(Date.UTC(2025, 0, 10, 7, 52, 29));
    expect(events.events[1].utcMs).toBe(Date.UTC(2025, 0, 10, 7, 45));
  });

  it("shift_time and preset_adjusting_time / adjust_to_preset_time", () => {
    const { rtc, obj, events } = cet(Date.UTC(2025, 0, 10, 12, 0));
    expect(obj.action(6, { tag: Tag.Long, value: -900 }, ctx).result).toBe(ActionResult.success);
    expect(rtc.t).toBe(Date.UTC(2025, 0, 10, 11, 45));
    const os12 = (h: number, m: number): Data => ({ tag: Tag.OctetString, value: Uint8Array.of(0x07, 0xe9, 1, 10, 0xff, h, m, 0, 0, 0xff, 0xc4, 0) });
    const preset: Data = { tag: Tag.Structure, value: [os12(13, 0), os12(13, 30), os12(14, 0)] };
    expect(obj.action(5, preset, ctx).result).toBe(ActionResult.success);
    const zero: Data = { tag: Tag.Integer, value: 0 };
    expect(obj.action(4, zero, ctx).result).toBe(ActionResult.otherReason); // 12:45 local: outside the validity interval
    rtc.t = Date.UTC(2025, 0, 10, 12, 40); // 13:40 local
    expect(obj.action(4, zero, ctx).result).toBe(ActionResult.success);
    expect(rtc.t).toBe(Date.UTC(2025, 0, 10, 12, 0));
    expect(obj.action(4, zero, ctx).result).toBe(ActionResult.otherReason); // used once
    expect(obj.action(5, { tag: Tag.Structure, value: [os12(13, 0), os12(14, 0), os12(13, 30)] }, ctx).result).toBe(ActionResult.otherReason);
    expect(events.codes("standard")).toEqual([4, 5, 4, 5]);
  });

  it("time zone and DST attributes: changes are events, status follows", () => {
    const { clock, obj, events } = cet(Date.UTC(2025, 6, 1, 12));
    expect(obj.get(3, ctx)).toEqual({ ok: true, value: { tag: Tag.Long, value: -60 } });
    expect(obj.get(4, ctx)).toEqual({ ok: true, value: { tag: Tag.Unsigned, value: ClockStatus.daylightSavingActive } });
    expect(obj.get(7, ctx)).toEqual({ ok: true, value: { tag: Tag.Integer, value: 60 } });
    const begin = obj.get(5, ctx);
    expect(begin.ok && toHex((begin.value as { value: Uint8Array }).value)).toBe("ffff03fe07020000008000ff"); // last Sunday of March, 02:00, deviation and status not specified
    expect(obj.set(8, { tag: Tag.Boolean, value: false }, ctx)).toBe(DataAccessResult.success);
    expect(obj.get(4, ctx)).toEqual({ ok: true, value: { tag: Tag.Unsigned, value: 0 } });
    expect(obj.set(3, { tag: Tag.Long, value: -120 }, ctx)).toBe(DataAccessResult.success);
    expect(clock.dateTime().hour).toBe(14);
    expect(events.events.map((e) => [e.code, e.value])).toEqual([
      [3, 0],
      [4, -60],
      [5, -120],
    ]);
    const bad = { tag: Tag.OctetString, value: Uint8Array.of(0xff, 0xff, 0x0d, 0xfe, 7, 2, 0, 0, 0, 0x80, 0, 0xff) } as Data;
    expect(obj.set(5, bad, ctx)).toBe(DataAccessResult.otherReason);
    const decoded = dateTimeFromBytes(Uint8Array.of(0xff, 0xff, 3, 0xfe, 7, 2, 0, 0, 0, 0x80, 0, 0xff));
    expect(decoded.deviation).toBe(DEVIATION_NOT_SPECIFIED);
  });

  it("an RTC that lost its time reports invalid (event 6) until the time is set", () => {
    const rtc = new FakeRtc(0);
    rtc.valid = false;
    const events = new RecordingSink();
    const clock = new MeterClock(rtc, events, { timeZone: 0, dstBegin: lastSundayPattern(3, 1), dstEnd: lastSundayPattern(10, 1), dstDeviation: 60, dstEnabled: false });
    expect(events.codes("standard")).toEqual([6]);
    expect(clock.statusAt(0) & ClockStatus.invalidValue).toBe(ClockStatus.invalidValue);
    rtc.valid = true;
    expect(clock.statusAt(0) & ClockStatus.invalidValue).toBe(ClockStatus.invalidValue);
    clock.setUtc(Date.UTC(2025, 0, 1));
    expect(clock.statusAt(0)).toBe(0);
    clock.markDoubtful();
    expect(clock.statusAt(0)).toBe(ClockStatus.doubtfulValue);
  });
});
