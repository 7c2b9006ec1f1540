import { describe, expect, it } from "vitest";
import { ESP32_NOR, SimFlash, withSectors } from "../../hal/sim/flash.js";
import { Tag, decodeData, type Data } from "../../src/cosem/axdr.js";
import { dateTimeFromBytes } from "../../src/cosem/datetime.js";
import type { EncodedStream } from "../../src/cosem/interface-class.js";
import { Obis } from "../../src/cosem/obis.js";
import { MeterClock } from "../../src/tariff/clock.js";
import { lastSundayPattern } from "../../src/tariff/date-patterns.js";
import { ProfileStatusBit, ProfileStatusTracker } from "../../src/tariff/profile-status.js";
import { LogStore } from "../../src/storage/log-store.js";
import { BillingProfile, dailyProfile, energyRegister, loadProfile, type CaptureSource } from "../../src/storage/meter-profiles.js";
import { ProfileGeneric } from "../../src/cosem/classes/profile-generic.js";
import { FakeRtc, RecordingSink } from "../tariff/fixture.js";

const MIN = 60000;
const ctx = { role: "reader" as const, clientSap: 1, nowUtcMs: 0 };

function rowsOf(pg: ProfileGeneric): Data[][] {
  const r = pg.get(2, ctx);
  if (!r.ok) throw new Error("buffer");
  const s = r.value as EncodedStream;
  const bytes: number[] = [];
  for (let b = s.next(512); b; b = s.next(512)) bytes.push(...b);
  return (decodeData(Uint8Array.from(bytes)).value as Data[]).map((d) => d.value as Data[]);
}

function meter(startUtc: number) {
  const rtc = new FakeRtc(startUtc);
  const clock = new MeterClock(rtc, new RecordingSink(), { timeZone: -60, dstBegin: lastSundayPattern(3, 2), dstEnd: lastSundayPattern(10, 3), dstDeviation: 60, dstEnabled: true });
  const status = new ProfileStatusTracker(clock);
  const regs = [0, 0, 0, 0];
  const sources: CaptureSource[] = [1, 2, 3, 4].map((c, i) => ({ definition: energyRegister(c), read: () => ({ tag: Tag.DoubleLongUnsigned, value: regs[i] }) }));
  const flash = new SimFlash(withSectors(ESP32_NOR, 16));
  const log = new LogStore(flash);
  const lp = new ProfileGeneric({ ...loadProfile(log, status, sources, { periodS: 900, capacity: 366 * 96 }), timeBase: clock });
  const daily = new ProfileGeneric({ ...dailyProfile(log, status, sources, 400), timeBase: clock });
  const closed: number[] = [];
  const billing = new BillingProfile(log, [Obis.of(1, 0, 1, 8, 1, 255), Obis.of(1, 0, 1, 8, 2, 255)], [Obis.of(1, 0, 1, 6, 0, 255)], { capacity: 25, endOfBilling: (t) => closed.push(t) });
  const billingPg = new ProfileGeneric({ ...billing.profile, timeBase: clock });
  log.mount();
  return { rtc, clock, status, regs, lp, daily, billing, billingPg, flash, closed };
}

describe("the meter's profiles", () => {
  it("load profile 1.0.99.1.0.255: 15-minute entries with clock, AMR status (DST, clock adjusted, power down) and four registers", () => {
    const m = meter(Date.UTC(2025, 2, 30, 0, 0)); // DST begins 01:00 UTC
    const capture = (t: number) => {
      m.rtc.t = t;
      for (let i = 0; i < 4; i++) m.regs[i] += 10 * (i + 1);
      m.lp.capture(t);
    };
    for (let k = 1; k <= 8; k++) capture(Date.UTC(2025, 2, 30, 0, 0) + k * 15 * MIN);
    m.status.markPowerDown();
    capture(Date.UTC(2025, 2, 30, 3, 0)); // after an outage: a gap of 45 minutes
    m.clock.shiftTime(30);
    capture(Date.UTC(2025, 2, 30, 3, 15));
    const rows = rowsOf(m.lp);
    expect(m.lp.logicalName.toString()).toBe("1-0:99.1.0*255");
    expect(rows.length).toBe(10);
    const local = rows.map((r) => dateTimeFromBytes(r[0].value as Uint8Array));
    expect(local.map((d) => `${d.hour}:${d.minute}`)).toEqual(["1:15", "1:30", "1:45", "3:0", "3:15", "3:30", "3:45", "4:0", "5:0", "5:15"]);
    const st = rows.map((r) => r[1].value as number);
    expect(st[0] & ProfileStatusBit.daylightSaving).toBe(0);
    expect(st[4] & ProfileStatusBit.daylightSaving).toBe(ProfileStatusBit.daylightSaving);
    expect(st[8] & ProfileStatusBit.powerDown).toBe(ProfileStatusBit.powerDown);
    expect(st[9] & ProfileStatusBit.clockAdjusted).toBe(ProfileStatusBit.clockAdjusted);
    expect(st[9] & ProfileStatusBit.powerDown).toBe(0);
    expect(rows[9].slice(2).map((d) => d.value)).toEqual([100, 200, 300, 400]);
    const capObjs = m.lp.get(3, ctx);
    expect(capObjs.ok && (capObjs.value as Data).tag === Tag.Array && (capObjs.value as { value: Data[] }).value.length).toBe(6);
  });

  it("daily values 1.0.99.2.0.255 and the monthly billing profile from billing snapshots", () => {
    const m = meter(Date.UTC(2025, 0, 1));
    for (let d = 1; d <= 40; d++) {
      m.regs[0] += 5000;
      m.daily.capture(Date.UTC(2025, 0, 1) + d * 86400000 - 3600000);
    }
    const daily = rowsOf(m.daily);
    expect(daily.length).toBe(40);
    expect(daily[39][2].value).toBe(200000);
    m.billing.capture({
      counter: 1,
      utcMs: Date.UTC(2025, 0, 31, 23),
      registers: [
        { obis: Obis.of(1, 0, 1, 8, 1, 255), value: 1234 },
        { obis: Obis.of(1, 0, 1, 8, 2, 255), value: 5678 },
      ],
      maxDemand: [{ obis: Obis.of(1, 0, 1, 6, 0, 255), value: 4321, utcMs: Date.UTC(2025, 0, 15, 18, 15) }],
    });
    const b = rowsOf(m.billingPg);
    expect(b.length).toBe(1);
    expect(b[0].map((d) => d.tag)).toEqual([Tag.OctetString, Tag.Unsigned, Tag.DoubleLongUnsigned, Tag.DoubleLongUnsigned, Tag.DoubleLongUnsigned, Tag.OctetString]);
    expect(b[0].slice(1, 5).map((d) => d.value)).toEqual([1, 1234, 5678, 4321]);
    const when = dateTimeFromBytes(b[0][5].value as Uint8Array);
    expect([when.day, when.hour, when.minute]).toEqual([15, 19, 15]);
    expect(m.billingPg.logicalName.toString()).toBe("1-0:98.1.0*255");
    // Method 2 (end-of-billing script) goes to the billing service, not to a capture of zeros.
    expect(m.billingPg.action(2, { tag: Tag.Integer, value: 0 }, { ...ctx, nowUtcMs: 1234 }).result).toBe(0);
    expect(m.closed).toEqual([1234]);
    expect(rowsOf(m.billingPg).length).toBe(1);
  });
});
