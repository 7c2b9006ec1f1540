import { describe, expect, it } from "vitest";
import { ESP32_NOR, SimFlash, withSectors } from "../../hal/sim/flash.js";
import { LogStore } from "../../src/storage/log-store.js";
import { ProfileStore, type ProfileRow } from "../../src/storage/profile-store.js";
import { MeterClock } from "../../src/tariff/clock.js";
import { lastSundayPattern } from "../../src/tariff/date-patterns.js";
import { FakeRtc, RecordingSink } from "../tariff/fixture.js";
import { runtime } from "../support/report.js";

/**
 * The profile range read of issue 13: rowsInTime makes rows only for the
 * range and stops a chunk after it, countInTime reads only times; both must
 * give exactly what filtering every stored row gives, over chunks with time
 * exceptions (gaps, a step back), status changes, signed and cumulative
 * columns, ranges on and across chunk bounds, expired rows and a read during
 * captures. And the clock's steadyUntil, which lets the buffer step its
 * date-times: deviation and status never change inside a span it gives.
 */
const Q = 900_000;

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

function filled(seed: number) {
  const log = new LogStore(new SimFlash(withSectors(ESP32_NOR, 16)));
  const store = new ProfileStore(log, { stream: 0, columns: ["cumulative", "value", "cumulative"], periodS: 900, capacity: 700, chunkRows: 24 });
  log.mount();
  const random = rng(seed);
  const rows: ProfileRow[] = [];
  let t = Date.UTC(2026, 2, 1);
  const v = [1000, 0, 50];
  for (let i = 0; i < 900; i++) {
    const r = random();
    // Mostly on the grid; sometimes a gap, a few seconds off, or a step back (a clock set back within a chunk).
    t += r < 0.05 ? 7 * Q : r < 0.08 ? Q + 3000 : r < 0.09 ? -2 * Q : Q;
    v[0] += Math.floor(random() * 300);
    v[1] = Math.floor(random() * 2000) - 1000;
    v[2] += random() < 0.1 ? -5 : 2;
    const status = random() < 0.05 ? 0x80 : 0;
    store.append(t, status, v);
    rows.push({ entryNo: i + 1, utcMs: Math.floor(t / 1000) * 1000, status, values: v.slice() });
  }
  return { store, rows: rows.filter((r) => r.entryNo >= store.firstEntry), first: rows[0].utcMs, last: rows[rows.length - 1].utcMs };
}

describe("profile range read", () => {
  it("rowsInTime and countInTime equal a filter over every stored row, for any range", () => {
    for (const seed of [1, 2, 3]) {
      const { store, rows, first, last } = filled(seed);
      expect(store.entriesInUse).toBe(700);
      const random = rng(seed * 77);
      const ranges = runtime === "xs" ? 15 : 80;
      for (let k = 0; k < ranges; k++) {
        const a = first + Math.floor(random() * ((last - first) / 1000 + 200)) * 1000 - 100_000;
        const span = random() < 0.3 ? 0 : Math.floor(random() * 3 * 86_400) * 1000;
        const from = k === 0 ? 0 : a;
        const to = k === 0 ? last + Q : a + span;
        const want = rows.filter((r) => r.utcMs >= Math.ceil(from / 1000) * 1000 && r.utcMs <= Math.floor(to / 1000) * 1000);
        const got = [...store.rowsInTime(from, to)];
        expect(got).toEqual(want);
        expect(store.countInTime(from, to)).toBe(want.length);
      }
    }
  });

  it("a range read during captures follows entry numbers (rows appended or expired meanwhile)", () => {
    const { store, rows } = filled(4);
    const from = rows[100].utcMs;
    const to = rows[400].utcMs;
    const it = store.rowsInTime(from, to);
    const got: ProfileRow[] = [it.next().value as ProfileRow];
    // Captures expire the oldest 151 rows while the read is under way (a chunk of 24 is mid-read).
    let t = rows[rows.length - 1].utcMs;
    for (let i = 0; i < 151; i++) store.append((t += Q), 0, [1, 2, 3]);
    const keep = store.firstEntry;
    expect(keep).toBeGreaterThan(got[0].entryNo);
    for (let r = it.next(); !r.done; r = it.next()) got.push(r.value);
    const want = rows.filter((r) => r.utcMs >= from && r.utcMs <= to && r.entryNo > got[0].entryNo && r.entryNo >= keep);
    expect(want.length).toBeGreaterThan(100);
    expect(got.slice(1)).toEqual(want);
  });

  it("the clock's deviation and status hold on every span steadyUntil gives, and change where it ends at a DST switch", () => {
    const rtc = new FakeRtc(Date.UTC(2026, 0, 1));
    const clock = new MeterClock(rtc, new RecordingSink(), { timeZone: -60, dstBegin: lastSundayPattern(3, 2), dstEnd: lastSundayPattern(10, 3), dstDeviation: 60, dstEnabled: true });
    let t = Date.UTC(2025, 11, 30);
    const end = Date.UTC(2028, 0, 3);
    let switches = 0;
    while (t < end) {
      const until = clock.steadyUntil(t);
      expect(until).toBeGreaterThan(t);
      const dev = clock.deviationAt(t);
      const st = clock.statusAt(t);
      const step = runtime === "xs" ? 4 * Q : Q;
      for (let u = t; u < until && u < end; u += step) {
        expect(clock.deviationAt(u)).toBe(dev);
        expect(clock.statusAt(u)).toBe(st);
      }
      expect(clock.deviationAt(until - 1000)).toBe(dev);
      if (until < end && clock.deviationAt(until) !== dev) switches++;
      t = until;
    }
    // Spring and autumn of 2026 and 2027.
    expect(switches).toBe(4);
  });
});
