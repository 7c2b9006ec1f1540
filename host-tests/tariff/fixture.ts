/**
 * Test wiring of the tariff domain: a fake RTC (simulated time moved only by
 * the test), a recording event sink, and a meter with a TOU calendar, the
 * standard script tables and a monthly end of billing.
 */
import type { Rtc } from "../../hal/clock.js";
import type { DigitalIn, DigitalOut } from "../../hal/digital.js";
import { Tag, type Data } from "../../src/cosem/axdr.js";
import { DEVIATION_NOT_SPECIFIED, NOT_SPECIFIED, type DateTime } from "../../src/cosem/datetime.js";
import type { CosemObject } from "../../src/cosem/interface-class.js";
import { Obis } from "../../src/cosem/obis.js";
import { ProfileCaptureTarget } from "../../src/cosem/classes/profile-generic.js";
import { RegisterActivationObject } from "../../src/cosem/classes/register-activation.js";
import type { EventSink, MeterEvent } from "../../src/events.js";
import { ActivityCalendar, SpecialDaysTable, type CalendarSet, type DayProfile } from "../../src/tariff/calendar.js";
import { MeterClock } from "../../src/tariff/clock.js";
import { lastSundayPattern } from "../../src/tariff/date-patterns.js";
import { Billing, DemandTracker, type BillingSnapshot } from "../../src/tariff/billing.js";
import { TouRegisterBank, standardTouActivation } from "../../src/tariff/registers.js";
import { SingleActionSchedule } from "../../src/tariff/schedule.js";
import { ScriptRegistry, ScriptTable, type ObjectResolver } from "../../src/tariff/script-table.js";
import { TariffEngine } from "../../src/tariff/engine.js";

export class FakeRtc implements Rtc {
  valid = true;
  constructor(public t: number) {}
  nowUtcMs(): number {
    return this.t;
  }
  setUtcMs(utcMs: number): void {
    this.t = utcMs;
  }
}

export class RecordingSink implements EventSink {
  readonly events: MeterEvent[] = [];
  record(e: MeterEvent): void {
    this.events.push(e);
  }
  codes(log: string): number[] {
    return this.events.filter((e) => e.log === log).map((e) => e.code);
  }
}

/** A relay coil and its auxiliary contact: the feedback follows the drive unless the test welds or breaks it. */
export class FakeRelay implements DigitalOut, DigitalIn {
  level: 0 | 1 = 0;
  stuck: 0 | 1 | undefined;
  writes = 0;
  write(level: 0 | 1): void {
    this.level = level;
    this.writes++;
  }
  read(): 0 | 1 {
    return this.level;
  }
  readonly feedback: DigitalIn = { read: () => (this.stuck !== undefined ? this.stuck : this.level) };
}

export const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

export function time(hour: number, minute = 0, second = 0) {
  return { hour, minute, second, hundredths: 0 };
}

export function pattern(year: number, month: number, day: number, hour = 0, minute = 0): DateTime {
  return { year, month, day, dayOfWeek: NOT_SPECIFIED, hour, minute, second: 0, hundredths: 0, deviation: DEVIATION_NOT_SPECIFIED, status: NOT_SPECIFIED };
}

export const TARIFF_TABLE = Obis.of(0, 0, 10, 0, 100, 255);
export const BILLING_TABLE = Obis.of(0, 0, 10, 0, 1, 255);
export const REGISTER_ACTIVATION = Obis.of(0, 0, 14, 0, 0, 255);

function day(dayId: number, actions: [number, number, number][]): DayProfile {
  return { dayId, actions: actions.map(([h, m, t]) => ({ start: time(h, m), script: TARIFF_TABLE.toBytes(), selector: t })) };
}

/** Day profiles as [hour, minute, tariff] (the reference model in the year test keeps its own copy). */
export function activeCalendar(): CalendarSet {
  return {
    name: ascii("A"),
    seasons: [
      { name: ascii("winter"), start: pattern(0xffff, 1, 1), weekName: ascii("W") },
      { name: ascii("summer"), start: pattern(0xffff, 4, 1), weekName: ascii("S") },
      { name: ascii("autumn"), start: pattern(0xffff, 10, 1), weekName: ascii("W") },
    ],
    weeks: [
      { name: ascii("W"), days: [1, 1, 1, 1, 1, 2, 2] },
      { name: ascii("S"), days: [4, 4, 4, 4, 4, 2, 2] },
    ],
    days: [
      day(1, [[0, 0, 1], [6, 0, 2], [11, 0, 3], [17, 0, 4], [22, 0, 1]]),
      // No action at midnight: the previous day's last action runs on until 08:00.
      day(2, [[8, 0, 3], [20, 0, 4]]),
      day(3, [[0, 0, 4]]),
      // Boundaries off the quarter hours, so they fall inside capture periods and ticks.
      day(4, [[0, 0, 1], [7, 37, 2], [19, 44, 1]]),
    ],
  };
}

export function passiveCalendar(): CalendarSet {
  return {
    name: ascii("P"),
    seasons: [{ name: ascii("all"), start: pattern(0xffff, 1, 1), weekName: ascii("P") }],
    weeks: [{ name: ascii("P"), days: [5, 5, 5, 5, 5, 5, 5] }],
    days: [day(5, [[0, 0, 1], [12, 10, 2], [18, 0, 3]]), day(3, [[0, 0, 4]])],
  };
}

export interface Meter {
  rtc: FakeRtc;
  events: RecordingSink;
  clock: MeterClock;
  calendar: ActivityCalendar;
  specialDays: SpecialDaysTable;
  bank: TouRegisterBank;
  engine: TariffEngine;
  billing: Billing;
  snapshots: BillingSnapshot[];
  captures: number[];
  /** Local date-time of each capture as the clock reported it at that moment. */
  captureStamps: DateTime[];
  scripts: ScriptRegistry;
  objects: Map<number, CosemObject>;
}

const integer0: Data = { tag: Tag.Integer, value: 0 };

export function buildMeter(startUtc: number): Meter {
  const rtc = new FakeRtc(startUtc);
  const events = new RecordingSink();
  const clock = new MeterClock(rtc, events, {
    timeZone: -60,
    dstBegin: lastSundayPattern(3, 2),
    dstEnd: lastSundayPattern(10, 3),
    dstDeviation: 60,
    dstEnabled: true,
  });
  const specialDays = new SpecialDaysTable();
  specialDays.insert({ index: 1, date: { year: 0xffff, month: 5, day: 1, dayOfWeek: NOT_SPECIFIED }, dayId: 3 });
  specialDays.insert({ index: 2, date: { year: 2025, month: 12, day: 25, dayOfWeek: NOT_SPECIFIED }, dayId: 3 });
  const calendar = new ActivityCalendar(clock, specialDays, events, activeCalendar());
  calendar.passive = passiveCalendar();
  calendar.activatePassiveTime = pattern(2025, 9, 1);
  const bank = new TouRegisterBank(4);
  const activation = standardTouActivation(bank, 4);
  const demand = new DemandTracker(900, 4);
  const snapshots: BillingSnapshot[] = [];
  const billing = new Billing(bank, demand, { capture: (s) => snapshots.push(s) });
  const objects = new Map<number, CosemObject>();
  const resolve: ObjectResolver = (classId, ln) => {
    const o = objects.get(ln.key);
    return o && o.classId === classId ? o : undefined;
  };
  objects.set(REGISTER_ACTIVATION.key, new RegisterActivationObject(activation, REGISTER_ACTIVATION));
  const billingTarget = new ProfileCaptureTarget(Obis.of(1, 0, 98, 1, 0, 255), (utcMs) => billing.endOfPeriod(utcMs));
  objects.set(billingTarget.logicalName.key, billingTarget);
  const scripts = new ScriptRegistry();
  scripts.add(
    new ScriptTable(
      TARIFF_TABLE,
      [1, 2, 3, 4].map((t) => ({
        id: t,
        actions: [{ service: 1, classId: 6, logicalName: REGISTER_ACTIVATION, index: 4, parameter: { tag: Tag.OctetString, value: ascii(`T${t}`) } }],
      })),
      resolve,
    ),
  );
  scripts.add(new ScriptTable(BILLING_TABLE, [{ id: 1, actions: [{ service: 2, classId: 7, logicalName: billingTarget.logicalName, index: 2, parameter: integer0 }] }], resolve));
  const endOfBilling = new SingleActionSchedule(BILLING_TABLE.toBytes(), 1, 1, [
    { time: time(0), date: { year: 0xffff, month: NOT_SPECIFIED, day: 1, dayOfWeek: NOT_SPECIFIED } },
  ]);
  const captures: number[] = [];
  const captureStamps: DateTime[] = [];
  const engine = new TariffEngine({
    clock,
    calendar,
    scripts,
    activation,
    bank,
    demand,
    schedules: [endOfBilling],
    capturePeriodS: 900,
    onCapture: (t) => {
      captures.push(t);
      captureStamps.push(clock.dateTimeAt(t));
    },
  });
  return { rtc, events, clock, calendar, specialDays, bank, engine, billing, snapshots, captures, captureStamps, scripts, objects };
}
