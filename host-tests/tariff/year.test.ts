import { describe, expect, it } from "vitest";
import { Obis } from "../../src/cosem/obis.js";
import { dateTimeToUtcMs } from "../../src/cosem/datetime.js";
import { runtime, report } from "../support/report.js";
import { buildMeter } from "./fixture.js";

/**
 * Acceptance: a simulated year 2025 (time moved by the test, never the wall
 * clock) for a CET meter: DST on 30 March and off 26 October, a time-zone
 * change to UTC+2 on 15 November, special days (1 May every year, 25
 * December 2025), the passive calendar activated on 1 September, end of
 * billing at local midnight of every 1st. Ticks are deliberately not aligned
 * on tariff boundaries (7 min on Node, 53 min on XS).
 *
 * The reference model below is written independently of src/tariff: its own
 * table of UTC offsets (the 2025 EU switch instants are known facts), its
 * own civil calendar (JS Date in UTC), its own day tables, and it books the
 * energy minute by minute.
 */

const MIN = 60000;
const START = Date.UTC(2024, 11, 31, 23, 0); // 2025-01-01 00:00 CET
const END = Date.UTC(2025, 11, 31, 22, 0); // 2026-01-01 00:00 UTC+2
const DST_ON = Date.UTC(2025, 2, 30, 1, 0);
const DST_OFF = Date.UTC(2025, 9, 26, 1, 0);
const TZ_CHANGE = Date.UTC(2025, 10, 15, 0, 0);
const ACTIVATION_LOCAL_DAY = Date.UTC(2025, 8, 1) / 86400000;

/** Minutes local time is ahead of UTC. */
function refOffset(utc: number): number {
  if (utc < DST_ON) return 60;
  if (utc < DST_OFF) return 120;
  if (utc < TZ_CHANGE) return 60;
  return 120;
}

// [start minute of day, tariff]
const PROFILES: Record<number, [number, number][]> = {
  1: [[0, 1], [360, 2], [660, 3], [1020, 4], [1320, 1]],
  2: [[480, 3], [1200, 4]],
  3: [[0, 4]],
  4: [[0, 1], [457, 2], [1184, 1]],
  5: [[0, 1], [730, 2], [1080, 3]],
};

const dayIds = new Map<number, number>();
function refDayId(localDay: number): number {
  let id = dayIds.get(localDay);
  if (id !== undefined) return id;
  const d = new Date(localDay * 86400000);
  const month = d.getUTCMonth() + 1;
  const date = d.getUTCDate();
  const weekend = d.getUTCDay() === 0 || d.getUTCDay() === 6;
  if ((month === 5 && date === 1) || (d.getUTCFullYear() === 2025 && month === 12 && date === 25)) id = 3;
  else if (localDay >= ACTIVATION_LOCAL_DAY) id = 5;
  else if (month >= 4 && month <= 9) id = weekend ? 2 : 4;
  else id = weekend ? 2 : 1;
  dayIds.set(localDay, id);
  return id;
}

function refTariff(localMinute: number): number {
  const localDay = Math.floor(localMinute / 1440);
  const m = localMinute - localDay * 1440;
  let t = 0;
  for (const [start, tariff] of PROFILES[refDayId(localDay)]) if (start <= m) t = tariff;
  if (t !== 0) return t;
  const prev = PROFILES[refDayId(localDay - 1)];
  return prev[prev.length - 1][1];
}

function close(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= 1e-6 * Math.max(1, Math.abs(expected));
}

describe("simulated year of tariffs, billing and captures", () => {
  const stepMin = runtime === "node" ? 7 : 13;
  const meter = buildMeter(START);
  // ref[q][t]: quantity q (0 import, 1 export, 2 import reactive, 3 export reactive), tariff t.
  const ref = [0, 1, 2, 3].map(() => [0, 0, 0, 0, 0]);
  const regs = [1, 2, 3, 4].map((c) => [0, 1, 2, 3, 4].map((t) => (t === 0 ? undefined : Obis.of(1, 0, c, 8, t, 255))));
  // Billing instants: local midnight of every 1st, as UTC.
  const billingInstants: number[] = [];
  for (let m = 1; m <= 12; m++) {
    const local = Date.UTC(2025, m, 1);
    for (const off of [60, 120]) if (refOffset(local - off * MIN) === off) billingInstants.push(local - off * MIN);
  }
  const refSnapshots: { utc: number; values: number[][]; maxTotal: number; maxPerTariff: number[] }[] = [];
  let periodEnergy = 0;
  let periodTariff = 0;
  let maxTotal = 0;
  let maxPerTariff = [0, 0, 0, 0, 0];
  let mismatches = 0;
  let firstMismatch = "";
  let ticks = 0;

  function refMinute(utcMin: number, p: number, q: number): void {
    if (utcMin % (15 * MIN) === 0 && utcMin > START) {
      const w = periodEnergy * 4;
      if (w > maxTotal) maxTotal = w;
      if (w > maxPerTariff[periodTariff]) maxPerTariff[periodTariff] = w;
      periodEnergy = 0;
    }
    if (billingInstants.indexOf(utcMin) >= 0) {
      refSnapshots.push({ utc: utcMin, values: ref.map((r) => r.slice()), maxTotal, maxPerTariff: maxPerTariff.slice() });
      maxTotal = 0;
      maxPerTariff = [0, 0, 0, 0, 0];
    }
    const t = refTariff(Math.floor((utcMin + refOffset(utcMin) * MIN) / MIN));
    ref[0][t] += p;
    ref[1][t] += q;
    ref[2][t] += p / 2;
    ref[3][t] += q / 4;
    periodEnergy += p;
    periodTariff = t;
  }

  // Run the year once; the its below check what it produced.
  let t = START;
  let i = 0;
  while (t < END) {
    let next = Math.min(t + stepMin * MIN, END);
    if (t < TZ_CHANGE && next > TZ_CHANGE) next = TZ_CHANGE;
    const p = 1 + ((i * 7919) % 13);
    const q = (i * 31) % 5;
    const minutes = (next - t) / MIN;
    meter.rtc.t = next;
    meter.engine.tick(next, { importActive: p * minutes, exportActive: q * minutes, importReactive: (p * minutes) / 2, exportReactive: (q * minutes) / 4 });
    meter.clock.poll();
    for (let k = t; k < next; k += MIN) refMinute(k, p, q);
    if (next === TZ_CHANGE) meter.clock.setTimeZone(-120);
    for (let c = 0; c < 4; c++) {
      for (let tt = 1; tt <= 4; tt++) {
        const v = meter.bank.value(regs[c][tt]!);
        if (!close(v, ref[c][tt])) {
          if (mismatches === 0) firstMismatch = `${new Date(next).toISOString()} C=${c + 1} T=${tt}: meter ${v}, reference ${ref[c][tt]}`;
          mismatches++;
        }
      }
    }
    t = next;
    i++;
    ticks++;
  }
  report(`tariff year: ${ticks} ticks of ${stepMin} min, ${meter.snapshots.length} billing snapshots, ${meter.captures.length} captures`);

  it("every TOU register matches the independent per-minute model after every tick", () => {
    expect(firstMismatch).toBe("");
    expect(mismatches).toBe(0);
    // The year did use all four tariffs for every quantity that had energy.
    for (let tt = 1; tt <= 4; tt++) expect(meter.bank.value(regs[0][tt]!)).toBeGreaterThan(0);
  });

  it("special days and the weekend carry-over land in T4/T1 as the model says", () => {
    // Spot checks of the reference itself against the calendar as written.
    expect(refTariff(Math.floor(Date.UTC(2025, 4, 1, 12, 0) / MIN))).toBe(4); // 1 May, a Thursday: special day
    expect(refTariff(Math.floor(Date.UTC(2025, 11, 25, 13, 0) / MIN))).toBe(4); // Christmas, after activation
    expect(refTariff(Math.floor(Date.UTC(2025, 0, 4, 3, 0) / MIN))).toBe(1); // Saturday 03:00: Friday's 22:00 T1 runs on
    expect(refTariff(Math.floor(Date.UTC(2025, 0, 5, 3, 0) / MIN))).toBe(4); // Sunday 03:00: Saturday's 20:00 T4 runs on
  });

  it("billing snapshots on schedule, with the registers and maximum demand of the model", () => {
    expect(meter.snapshots.length).toBe(12);
    expect(refSnapshots.length).toBe(11); // the 12th is at END, booked below
    refSnapshots.push({ utc: END, values: ref.map((r) => r.slice()), maxTotal, maxPerTariff: maxPerTariff.slice() });
    // At END the last demand period closed inside the engine before the billing script ran.
    meter.snapshots.forEach((s, n) => {
      const r = refSnapshots[n];
      expect(s.counter).toBe(n + 1);
      expect(s.utcMs).toBe(r.utc);
      expect(s.utcMs).toBe(billingInstants[n]);
      for (const reg of s.registers) {
        const c = reg.obis.c - 1;
        const tt = reg.obis.e;
        expect(close(reg.value, r.values[c][tt])).toBe(true);
      }
      const total = s.maxDemand.find((m) => m.obis.e === 0)!;
      expect(close(total.value, n === 11 ? finalMax(r) : r.maxTotal)).toBe(true);
      for (let tt = 1; tt <= 4; tt++) {
        const m = s.maxDemand.find((x) => x.obis.e === tt)!;
        expect(close(m.value, n === 11 ? finalPerTariff(r, tt) : r.maxPerTariff[tt])).toBe(true);
      }
    });
    expect(meter.billing.counter).toBe(12);
  });

  function finalPeriodW(): number {
    return periodEnergy * 4;
  }
  function finalMax(r: { maxTotal: number }): number {
    return Math.max(r.maxTotal, finalPeriodW());
  }
  function finalPerTariff(r: { maxPerTariff: number[] }, tt: number): number {
    return tt === periodTariff ? Math.max(r.maxPerTariff[tt], finalPeriodW()) : r.maxPerTariff[tt];
  }

  it("15-minute capture instants: no gap, no duplicate across both DST changes and the time-zone change", () => {
    const c = meter.captures;
    expect(c.length).toBe((END - START) / (15 * MIN));
    expect(c[0]).toBe(START + 15 * MIN);
    let bad = 0;
    for (let k = 1; k < c.length; k++) if (c[k] - c[k - 1] !== 15 * MIN) bad++;
    expect(bad).toBe(0);
    // Their local time stamps go 01:45 -> 03:00 in spring, repeat 02:00..02:45 in autumn, and each converts back to its UTC instant.
    const stamps = meter.captureStamps;
    const local = (u: number) => stamps[c.indexOf(u)];
    const spring = c.indexOf(DST_ON);
    expect([local(c[spring - 1]).hour, local(c[spring - 1]).minute, local(c[spring]).hour, local(c[spring]).minute]).toEqual([1, 45, 3, 0]);
    expect(local(c[spring]).deviation).toBe(-120);
    const autumn = c.indexOf(DST_OFF);
    expect([local(c[autumn - 1]).hour, local(c[autumn - 1]).minute, local(c[autumn]).hour, local(c[autumn]).minute]).toEqual([2, 45, 2, 0]);
    expect(local(c[autumn]).deviation).toBe(-60);
    for (const k of [spring - 1, spring, autumn - 1, autumn, c.indexOf(TZ_CHANGE)]) expect(dateTimeToUtcMs(local(c[k]))).toBe(c[k]);
  });

  it("records the DST switches, the time-zone change and the calendar activation as standard events", () => {
    const std = meter.events.events.filter((e) => e.log === "standard");
    const dst = std.filter((e) => e.code === 3);
    expect(dst.length).toBe(2);
    expect(dst[0].utcMs).toBeGreaterThanOrEqual(DST_ON);
    expect(dst[0].utcMs).toBeLessThanOrEqual(DST_ON + stepMin * MIN);
    expect(dst[1].utcMs).toBeGreaterThanOrEqual(DST_OFF);
    expect(dst[1].utcMs).toBeLessThanOrEqual(DST_OFF + stepMin * MIN);
    expect(std.filter((e) => e.code === 4).map((e) => [e.utcMs, e.value])).toEqual([[TZ_CHANGE, -60]]);
    expect(std.filter((e) => e.code === 5).map((e) => [e.utcMs, e.value])).toEqual([[TZ_CHANGE, -120]]);
    expect(std.filter((e) => e.code === 9).map((e) => e.utcMs)).toEqual([Date.UTC(2025, 7, 31, 22, 0)]);
  });
});
