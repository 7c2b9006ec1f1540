import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ClockStatus,
  civilFromDays,
  dateTimeFromBytes,
  dateTimeFromUtcMs,
  dateTimeProblem,
  dateTimeToBytes,
  dateTimeToUtcMs,
  dayOfWeekFromDays,
  daysFromCivil,
} from "../src/cosem/datetime.js";
import { toHex } from "../src/util/bytes.js";
import { DecodeError } from "../src/util/errors.js";
import { dlmsVector } from "./support/vectors.js";
import { runtime } from "./support/report.js";

// dlms-cosem's test_time.py pairs each 12-octet date-time with an ISO time:
// line 13 -> 2020-01-01T00:03:00+02:00, line 17 -> 2020-01-06T00:03:00+01:00,
// line 21 -> 2018-02-12T00:00:00 (deviation not specified).
describe("COSEM date-time", () => {
  it("test_time.py:13 deviation 0xFF88 (-120) is UTC+02:00", () => {
    const b = dlmsVector("test_time.py", 13);
    const dt = dateTimeFromBytes(b);
    expect(dt.deviation).toBe(-120);
    expect(dateTimeToUtcMs(dt)).toBe(Date.UTC(2019, 11, 31, 22, 3, 0));
    expect(toHex(dateTimeToBytes(dt))).toBe(toHex(b));
  });

  it("test_time.py:17 deviation 0xFFC4 (-60) is UTC+01:00", () => {
    const b = dlmsVector("test_time.py", 17);
    const dt = dateTimeFromBytes(b);
    expect(dateTimeToUtcMs(dt)).toBe(Date.UTC(2020, 0, 5, 23, 3, 0));
    expect(toHex(dateTimeToBytes(dt))).toBe(toHex(b));
  });

  it("test_time.py:21 deviation 0x8000 is not specified: no UTC instant unless one is assumed", () => {
    const b = dlmsVector("test_time.py", 21);
    const dt = dateTimeFromBytes(b);
    expect(dt.deviation).toBe(-0x8000);
    expect(dateTimeToUtcMs(dt)).toBeUndefined();
    expect(dateTimeToUtcMs(dt, 0)).toBe(Date.UTC(2018, 1, 12));
    expect(toHex(dateTimeToBytes(dt))).toBe(toHex(b));
  });

  it("builds the same bytes as the vectors from a UTC instant", () => {
    const dt = dateTimeFromUtcMs(Date.UTC(2019, 11, 31, 22, 3, 0), -120, 0);
    dt.dayOfWeek = 0xff; // the vector leaves the weekday unspecified
    expect(toHex(dateTimeToBytes(dt))).toBe(toHex(dlmsVector("test_time.py", 13)));
  });

  it("refuses a date-time of the wrong length", () => {
    expect(() => dateTimeFromBytes(new Uint8Array(11))).toThrow(DecodeError);
  });

  it("checks field ranges, allowing the special values", () => {
    const ok = dateTimeFromBytes(dlmsVector("test_time.py", 13));
    expect(dateTimeProblem(ok)).toBeUndefined();
    expect(dateTimeProblem({ ...ok, month: 0xfe, day: 0xfd })).toBeUndefined();
    expect(dateTimeProblem({ ...ok, month: 13 })).toBe("month");
    expect(dateTimeProblem({ ...ok, hour: 24 })).toBe("hour");
    expect(dateTimeProblem({ ...ok, deviation: 721 })).toBe("deviation");
    expect(dateTimeToUtcMs({ ...ok, month: 4, day: 31 })).toBeUndefined();
    expect(ClockStatus.daylightSavingActive).toBe(0x80);
  });

  it("civil date arithmetic agrees with the host's Date over 600 years", () => {
    fc.assert(
      fc.property(fc.integer({ min: -100000, max: 120000 }), (days) => {
        const ms = days * 86400000;
        const d = new Date(ms);
        expect(civilFromDays(days)).toEqual({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() });
        expect(daysFromCivil(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate())).toBe(days);
        expect(dayOfWeekFromDays(days)).toBe(((d.getUTCDay() + 6) % 7) + 1);
      }),
      { numRuns: runtime === "xs" ? 300 : 3000 },
    );
  });

  it("UTC -> date-time -> UTC is the identity for every deviation", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4102444800000 / 10 }), fc.integer({ min: -720, max: 720 }), (t10, dev) => {
        const t = t10 * 10;
        const dt = dateTimeFromUtcMs(t, dev, 0);
        expect(dateTimeToUtcMs(dt)).toBe(t);
      }),
      { numRuns: runtime === "xs" ? 300 : 3000 },
    );
  });
});
