import { describe, expect, it } from "vitest";
import { Obis } from "../../src/cosem/obis.js";
import { ProfileStatusBit, ProfileStatusTracker } from "../../src/tariff/profile-status.js";
import { Tag } from "../../src/cosem/axdr.js";
import { ActivityCalendarObject } from "../../src/cosem/classes/activity-calendar.js";
import type { RegisterActivationObject } from "../../src/cosem/classes/register-activation.js";
import { TariffEngine } from "../../src/tariff/engine.js";
import { SingleActionSchedule } from "../../src/tariff/schedule.js";
import { ScriptTable } from "../../src/tariff/script-table.js";
import { REGISTER_ACTIVATION, buildMeter, pattern, time } from "./fixture.js";

const H = 3600000;
const sum = (m: ReturnType<typeof buildMeter>, c: number) => [1, 2, 3, 4].reduce((a, t) => a + m.bank.value(Obis.of(1, 0, c, 8, t, 255)), 0);
const unit = (wh: number) => ({ importActive: wh, exportActive: 0, importReactive: 0, exportReactive: 0 });

describe("tariff engine and clock changes", () => {
  it("a time set forward across an end of billing runs the skipped billing once, at the new time", () => {
    const m = buildMeter(Date.UTC(2025, 0, 31, 12)); // 31 January 13:00 CET
    m.rtc.t += H;
    m.engine.tick(m.rtc.t, unit(100));
    m.clock.setUtc(Date.UTC(2025, 1, 1, 6)); // jumps over 1 February 00:00 CET
    expect(m.snapshots.map((s) => s.utcMs)).toEqual([Date.UTC(2025, 1, 1, 6)]);
    m.rtc.t += H;
    m.engine.tick(m.rtc.t, unit(100));
    expect(m.snapshots.length).toBe(1);
    expect(sum(m, 1)).toBe(200); // no energy lost or doubled by the jump
  });

  it("a time set back over an end of billing does not bill twice", () => {
    const m = buildMeter(Date.UTC(2025, 1, 28, 22)); // 28 February 23:00 CET
    m.rtc.t += 2 * H;
    m.engine.tick(m.rtc.t, unit(100)); // passes 1 March 00:00 CET
    expect(m.snapshots.length).toBe(1);
    expect(m.snapshots[0].registers.find((r) => r.obis.c === 1 && r.obis.e === 1)!.value).toBe(50);
    m.clock.setUtc(Date.UTC(2025, 1, 28, 22, 30));
    for (let k = 0; k < 4; k++) {
      m.rtc.t += H;
      m.engine.tick(m.rtc.t, unit(100));
    }
    expect(m.snapshots.length).toBe(1);
    expect(sum(m, 1)).toBe(500);
  });

  it("energy of a tick whose end is before its start (clock set back mid-tick) goes to the tariff in force", () => {
    const m = buildMeter(Date.UTC(2025, 0, 6, 8)); // Monday 09:00 CET: T2
    m.rtc.t -= H / 2;
    m.engine.tick(m.rtc.t, unit(7));
    expect(m.bank.value(Obis.of(1, 0, 1, 8, 2, 255))).toBe(7);
  });

  it("profile status: clock adjusted for the period of a change, DST and invalid from the clock status", () => {
    const m = buildMeter(Date.UTC(2025, 6, 1, 10));
    const ps = new ProfileStatusTracker(m.clock);
    expect(ps.takeStatus(m.rtc.t)).toBe(ProfileStatusBit.daylightSaving);
    m.clock.shiftTime(30);
    expect(ps.takeStatus(m.rtc.t)).toBe(ProfileStatusBit.daylightSaving | ProfileStatusBit.clockAdjusted);
    expect(ps.takeStatus(m.rtc.t)).toBe(ProfileStatusBit.daylightSaving);
    m.rtc.valid = false;
    ps.markPowerDown();
    expect(ps.takeStatus(Date.UTC(2025, 0, 1))).toBe(ProfileStatusBit.clockInvalid | ProfileStatusBit.powerDown);
  });
});

describe("single action schedule activating the passive calendar", () => {
  it("runs a script that invokes activate_passive_calendar (class 20 method 1) at its local time", () => {
    const m = buildMeter(Date.UTC(2025, 0, 6, 8)); // Monday 09:00 CET, T2
    m.calendar.activatePassiveTime = { ...pattern(0xffff, 0xff, 0xff), hour: 0xff, minute: 0xff, second: 0xff, hundredths: 0xff }; // no automatic activation
    const calObj = new ActivityCalendarObject(m.calendar);
    const CAL_SCRIPTS = Obis.of(0, 0, 10, 0, 107, 255);
    m.scripts.add(
      new ScriptTable(CAL_SCRIPTS, [{ id: 1, actions: [{ service: 2, classId: 20, logicalName: calObj.logicalName, index: 1, parameter: { tag: Tag.Integer, value: 0 } }] }], (classId, ln) =>
        classId === 20 && ln.equals(calObj.logicalName) ? calObj : undefined,
      ),
    );
    const sas = new SingleActionSchedule(CAL_SCRIPTS.toBytes(), 1, 1, [{ time: time(9, 30), date: { year: 2025, month: 1, day: 6, dayOfWeek: 0xff } }]);
    const engine = new TariffEngine({ clock: m.clock, calendar: m.calendar, scripts: m.scripts, activation: (m.objects.get(REGISTER_ACTIVATION.key) as RegisterActivationObject).activation, bank: m.bank, schedules: [sas] });
    m.rtc.t += H;
    engine.tick(m.rtc.t, unit(60));
    expect(m.events.events.filter((e) => e.code === 9).map((e) => e.utcMs)).toEqual([Date.UTC(2025, 0, 6, 8, 30)]);
    // 09:00-09:30 in T2 (active calendar), 09:30-10:00 in T1 (passive day 5: T1 until 12:10).
    expect(m.bank.value(Obis.of(1, 0, 1, 8, 2, 255))).toBe(30);
    expect(m.bank.value(Obis.of(1, 0, 1, 8, 1, 255))).toBe(30);
  });
});
