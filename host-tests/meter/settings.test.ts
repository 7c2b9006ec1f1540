/**
 * The settings store: only what changed is written, restoring is silent
 * and writes nothing, stored values from another class version or layout
 * are migrated or dropped with an event, factory defaults clear them; and
 * the configured values (profile periods and depths, limiter, script
 * tables, associations) come from the meter configuration.
 */
import { describe, expect, it } from "vitest";
import { D, Tag, type Data } from "../../src/cosem/axdr.js";
import { ActionResult, DataAccessResult, classTable, type AccessContext, type ClassTable, type CosemObject, type GetResult, type SettingOrigin } from "../../src/cosem/interface-class.js";
import { Obis } from "../../src/cosem/obis.js";
import { Catalog } from "../../src/meter/catalog.js";
import { DEVELOPMENT_KEYS, defaultConfig } from "../../src/meter/config.js";
import { ClientSap } from "../../src/meter/dlms.js";
import type { Meter } from "../../src/meter/meter.js";
import * as ln from "../../src/meter/obis-codes.js";
import { SettingsEvent, SettingsStore, settingKey } from "../../src/meter/settings.js";
import { MemoryKeyValueStore } from "../../src/persistence.js";
import { DisconnectorEvent } from "../../src/relay/disconnect.js";
import { LOAD_PROFILE, DAILY_PROFILE, MONTHLY_BILLING_PROFILE } from "../../src/storage/meter-profiles.js";
import { SIM_TCP_PORT, SimBoard } from "../../scripts/simulator/board.js";
import { ClientSession } from "../../scripts/lab/client-session.js";
import { wrapperLink } from "../../scripts/lab/link.js";
import { fromHex } from "../../src/util/bytes.js";
import type { MeterEvent } from "../../src/events.js";
import { settle } from "./drive.js";
import { settingsFootprint } from "../../bench/rigs/settings-values.js";
import { report } from "../support/report.js";

const T0 = Date.UTC(2026, 0, 14, 5, 30);
const HOUR = 3600000;
const mgmt = (m: Meter): AccessContext => ({ role: "management", clientSap: 1, nowUtcMs: m.clock.now() });
const get = (m: Meter, obis: Obis, a: number): Data => {
  const r = m.catalog.find(obis)!.object.get(a, mgmt(m));
  if (!r.ok || "kind" in r.value) throw new Error(`get ${obis.toString()}:${a}`);
  return r.value;
};
const set = (m: Meter, obis: Obis, a: number, v: Data) => m.catalog.find(obis)!.object.set(a, v, mgmt(m));
const standard = (m: Meter, code: number) => m.events.recent().filter((e) => e.log === "standard" && e.code === code);

describe("settings store", () => {
  it("stores one record per changed attribute and nothing for a write that changes nothing", () => {
    const board = new SimBoard({ startUtcMs: T0 });
    const m = board.boot();
    const s = m.settings;
    expect(s.writes).toBe(0);
    // The factory value written back: nothing changed, nothing stored.
    expect(set(m, ln.LIMITER, 4, D.u32(17250))).toBe(DataAccessResult.success);
    expect(s.writes).toBe(0);
    expect(set(m, ln.LIMITER, 4, D.u32(9999))).toBe(DataAccessResult.success);
    expect(s.writes).toBe(1);
    expect(set(m, ln.LIMITER, 4, D.u32(9999))).toBe(DataAccessResult.success);
    expect(s.writes).toBe(1);
    expect(set(m, ln.CLOCK, 3, D.i16(-120))).toBe(DataAccessResult.success);
    expect(s.writes).toBe(2);
    expect(s.stored().map((x) => x.key).sort()).toEqual([settingKey(ln.CLOCK, 3), settingKey(ln.LIMITER, 4)].sort());
    // A refused write stores nothing.
    expect(set(m, ln.CLOCK, 3, D.i16(5000))).toBe(DataAccessResult.otherReason);
    expect(s.writes).toBe(2);
  });

  it("a value too large for one flash record is refused before it is applied", () => {
    const board = new SimBoard({ startUtcMs: T0 });
    const m = board.boot();
    const before = get(m, ln.DISCONNECT_SCRIPTS, 2);
    const action = D.struct(D.enum(2), D.u16(70), D.octets(ln.DISCONNECT_CONTROL.toBytes()), D.i8(1), D.i8(0));
    const script = (id: number) => D.struct(D.u16(id), D.array(Array(20).fill(action)));
    // 40 scripts of 20 actions: about 10 KB encoded, more than a 4 KiB sector's record can hold.
    expect(set(m, ln.DISCONNECT_SCRIPTS, 2, D.array(Array.from({ length: 40 }, (_, i) => script(i + 1))))).toBe(DataAccessResult.otherReason);
    expect(get(m, ln.DISCONNECT_SCRIPTS, 2)).toEqual(before);
    // One that fits is kept.
    expect(set(m, ln.DISCONNECT_SCRIPTS, 2, D.array([script(1), script(2)]))).toBe(DataAccessResult.success);
    expect(get(board.restart("software"), ln.DISCONNECT_SCRIPTS, 2)).toEqual(D.array([script(1), script(2)]));
  });

  it("the values of the issue's probe come back after a software restart, silently and without a flash write", () => {
    const board = new SimBoard({ startUtcMs: T0 });
    let m = board.boot();
    expect(set(m, ln.LIMITER, 4, D.u32(9999))).toBe(DataAccessResult.success);
    expect(set(m, ln.CLOCK, 3, D.i16(-120))).toBe(DataAccessResult.success);
    expect(set(m, Obis.of(0, 0, 16, 1, 0, 255), 2, D.array([D.u32(1234)]))).toBe(DataAccessResult.success);
    m = board.restart("software");
    expect(get(m, ln.LIMITER, 4)).toEqual(D.u32(9999));
    expect(get(m, ln.CLOCK, 3)).toEqual(D.i16(-120));
    expect(get(m, Obis.of(0, 0, 16, 1, 0, 255), 2)).toEqual(D.array([D.u32(1234)]));
    expect(m.settingsRestored).toEqual({ restored: 3, dropped: [] });
    expect(m.settings.writes).toBe(0);
    // Restoring is not a change: no limiter threshold event, no clock adjustment at boot.
    expect(m.events.recent().filter((e) => e.log === "disconnector" && e.code === DisconnectorEvent.limiterThresholdChanged)).toEqual([]);
    expect(standard(m, 4)).toEqual([]);
  });

  it("a set over DLMS is stored before the response: a restart right after it keeps the value", async () => {
    const board = new SimBoard({ startUtcMs: Date.UTC(2026, 0, 14, 9, 0) });
    let m = board.boot();
    const end = board.network.connect(SIM_TCP_PORT)!;
    const link = wrapperLink(end, board.worldTimers, { clientSap: ClientSap.management, serverLogical: 1, serverPhysical: 0x10, responseTimeoutMs: 5000 }, "sim tcp");
    const s = await settle(board, ClientSession.open(link, { auth: "hls-gmac", akey: DEVELOPMENT_KEYS.authenticationKey, ekey: DEVELOPMENT_KEYS.globalUnicastKey, systemTitle: fromHex("4D4B544C41423031"), crypto: board.crypto }));
    expect(await settle(board, s.set(71, ln.LIMITER, 4, D.u32(4321)))).toBe(DataAccessResult.success);
    // No tick has run since the response: the value was committed by the set itself.
    m = board.restart("brown-out", false);
    expect(get(m, ln.LIMITER, 4)).toEqual(D.u32(4321));
  });

  it("special days inserted by method and a calendar activated by method or by its time are kept", () => {
    const board = new SimBoard({ startUtcMs: T0 });
    let m = board.boot();
    const entry = D.struct(D.u16(7), D.octets(Uint8Array.of(0xff, 0xff, 12, 25, 0xff)), D.u8(2));
    expect(m.catalog.find(ln.SPECIAL_DAYS)!.object.action(1, entry, mgmt(m)).result).toBe(ActionResult.success);
    expect(set(m, ln.ACTIVITY_CALENDAR, 6, D.octets(Uint8Array.of(0x4e, 0x45, 0x57)))).toBe(DataAccessResult.success);
    expect(m.catalog.find(ln.ACTIVITY_CALENDAR)!.object.action(1, D.i8(0), mgmt(m)).result).toBe(ActionResult.success);
    m = board.restart("software");
    expect(get(m, ln.SPECIAL_DAYS, 2)).toEqual(D.array([entry]));
    expect(get(m, ln.ACTIVITY_CALENDAR, 2)).toEqual(D.octets(Uint8Array.of(0x4e, 0x45, 0x57)));
    // Scheduled activation: passive name "SCH", activation in ten minutes; the tick stores the new active calendar.
    expect(set(m, ln.ACTIVITY_CALENDAR, 6, D.octets(Uint8Array.of(0x53, 0x43, 0x48)))).toBe(DataAccessResult.success);
    const at = Uint8Array.of(0x07, 0xea, 1, 14, 0xff, 6, 40, 0, 0, 0x80, 0, 0xff);
    expect(set(m, ln.ACTIVITY_CALENDAR, 10, D.octets(at))).toBe(DataAccessResult.success);
    board.clock.advance(15 * 60000);
    expect(get(m, ln.ACTIVITY_CALENDAR, 2)).toEqual(D.octets(Uint8Array.of(0x53, 0x43, 0x48)));
    m = board.restart("brown-out", false);
    expect(get(m, ln.ACTIVITY_CALENDAR, 2)).toEqual(D.octets(Uint8Array.of(0x53, 0x43, 0x48)));
    // The activation time was consumed and stays consumed: no second activation after the restart.
    expect((get(m, ln.ACTIVITY_CALENDAR, 10).value as Uint8Array)[2]).toBe(0xff);
  });

  it("a stored value from another class version, another class, undecodable or of a removed object is dropped with an event", () => {
    const store = new MemoryKeyValueStore();
    const board = new SimBoard({ startUtcMs: T0, store });
    let m = board.boot();
    expect(set(m, ln.LIMITER, 4, D.u32(9999))).toBe(DataAccessResult.success);
    expect(set(m, ln.LIMITER, 5, D.u32(3000))).toBe(DataAccessResult.success);
    expect(set(m, ln.CLOCK, 3, D.i16(-120))).toBe(DataAccessResult.success);
    expect(set(m, ln.CLOCK, 7, D.i8(30))).toBe(DataAccessResult.success);
    const k4 = settingKey(ln.LIMITER, 4);
    const v = store.get(k4)!;
    v[3] = 9; // written by a class version 9 that this firmware does not know
    store.put(k4, v);
    const k5 = settingKey(ln.LIMITER, 5);
    const w = store.get(k5)!;
    w[2] = 70; // another class at this logical name
    store.put(k5, w);
    const k3 = settingKey(ln.CLOCK, 3);
    store.put(k3, Uint8Array.of(...store.get(k3)!.subarray(0, 5), 0x10, 0xff)); // torn A-XDR
    const k7 = settingKey(ln.CLOCK, 7);
    store.put(k7, Uint8Array.of(...store.get(k7)!.subarray(0, 5), 0x0f, 127)); // out of range for today's set()
    store.put(settingKey(Obis.of(0, 0, 99, 99, 9, 255), 2), Uint8Array.of(1, 0, 1, 0, 0, 0x11, 5));
    m = board.restart("software");
    expect(get(m, ln.LIMITER, 4)).toEqual(D.u32(17250));
    expect(get(m, ln.LIMITER, 5)).toEqual(D.u32(5000));
    expect(get(m, ln.CLOCK, 3)).toEqual(D.i16(-60));
    expect(get(m, ln.CLOCK, 7)).toEqual(D.i8(60));
    expect(m.settingsRestored.dropped.map((d) => d.reason).sort()).toEqual(["class", "orphan", "refused", "undecodable", "version"]);
    expect(standard(m, SettingsEvent.settingDropped).map((e) => e.value).sort()).toEqual([1 * 256 + 2, 8 * 256 + 3, 8 * 256 + 7, 71 * 256 + 4, 71 * 256 + 5].sort());
    expect(store.keys().filter((k) => k.startsWith("S"))).toEqual([]);
    // Dropped once: the next start is clean.
    expect(board.restart("software").settingsRestored.dropped).toEqual([]);
  });

  it("an object whose class changed migrates what it can read and drops the rest", () => {
    class Knob implements CosemObject {
      readonly classId = 1;
      readonly attributeCount = 2;
      readonly methodCount = 0;
      value = 5;
      // A class table per instance: the test gives each knob its own version.
      get classTable(): ClassTable {
        return classTable({ classId: 1, version: this.version, attributes: ["value:long-unsigned:w"] });
      }
      constructor(
        readonly logicalName: Obis,
        readonly version: number,
        readonly settingsLayout: number,
      ) {}
      get(): GetResult {
        return { ok: true, value: D.u16(this.value) };
      }
      set(_a: number, v: Data): DataAccessResult {
        if (v.tag !== Tag.LongUnsigned) return DataAccessResult.typeUnmatched;
        this.value = v.value;
        return DataAccessResult.success;
      }
      action() {
        return { result: ActionResult.objectUndefined };
      }
      migrateSetting(_a: number, from: SettingOrigin, v: Data): Data | undefined {
        // Layout 0 stored unsigned (8 bit) tenths; layout 1 stores long-unsigned units.
        return from.layout === 0 && v.tag === Tag.Unsigned ? D.u16(v.value * 10) : undefined;
      }
    }
    const store = new MemoryKeyValueStore();
    const events: MeterEvent[] = [];
    const sink = { record: (e: MeterEvent) => events.push(e) };
    const a = Obis.of(0, 0, 128, 0, 1, 255);
    const b = Obis.of(0, 0, 128, 0, 2, 255);
    // Firmware 1 (layout 0) stored 7 and, for the other knob, a value a later layout cannot read.
    store.put(settingKey(a, 2), Uint8Array.of(1, 0, 1, 0, 0, Tag.Unsigned, 7));
    store.put(settingKey(b, 2), Uint8Array.of(1, 0, 1, 0, 0, Tag.Boolean, 1));
    const settings = new SettingsStore(store, sink, { now: () => T0 });
    const catalog = new Catalog();
    catalog.attachSettings(settings);
    const ka = new Knob(a, 0, 1);
    const kb = new Knob(b, 0, 1);
    catalog.add(ka, { management: ["r rw", ""] });
    catalog.add(kb, { management: ["r rw", ""] });
    const report = settings.restore();
    settings.recordDrops(report);
    expect(ka.value).toBe(70);
    expect(kb.value).toBe(5);
    expect(report.dropped.map((d) => [d.key, d.reason])).toEqual([[settingKey(b, 2), "version"]]);
    expect(events.map((e) => [e.code, e.value])).toEqual([[SettingsEvent.settingDropped, 1 * 256 + 2]]);
  });

  it("factory defaults: management only, every stored setting cleared with an event, the meter restarts from the configuration", () => {
    const board = new SimBoard({ startUtcMs: T0 });
    let m = board.boot();
    const reset = m.catalog.find(ln.GLOBAL_METER_RESET)!;
    expect(Object.keys(reset.rights)).toEqual(["management"]);
    expect(set(m, ln.LIMITER, 4, D.u32(9999))).toBe(DataAccessResult.success);
    expect(set(m, ln.CLOCK, 3, D.i16(-120))).toBe(DataAccessResult.success);
    expect(reset.object.action(1, D.u16(2), mgmt(m)).result).toBe(ActionResult.otherReason);
    expect(reset.object.action(1, D.u16(1), mgmt(m)).result).toBe(ActionResult.success);
    expect(standard(m, SettingsEvent.factoryDefaults).map((e) => e.value)).toEqual([2]);
    // The reboot waits for the response to leave.
    expect(board.system.nextResetCause).toBe(undefined);
    board.clock.advance(1000);
    expect(board.system.nextResetCause).toBe("software");
    expect(m.settings.stored()).toEqual([]);
    m = board.restart("software");
    expect(get(m, ln.LIMITER, 4)).toEqual(D.u32(17250));
    expect(get(m, ln.CLOCK, 3)).toEqual(D.i16(-60));
    // The event is in the flash standard log, so it outlives the restart.
    const log = m.eventLogs!.store("standard");
    expect([...log.rows(log.firstEntry, log.lastEntry)].some((r) => r.values[0] === SettingsEvent.factoryDefaults)).toBe(true);
  });
});

describe("storage.settings.bytes", () => {
  it("counts one record per stored setting, each written once and restored", () => {
    const f = settingsFootprint();
    // Every attribute written once: one flash write per stored record, none repeated, all restored.
    expect(f.records).toBeGreaterThan(40);
    expect(f.flashWrites).toBe(f.records);
    expect(f.restored).toBe(f.records);
    expect(f.bytes).toBeGreaterThan(f.records * 20);
    report(`storage.settings.bytes: ${f.bytes} B in ${f.records} records for ${f.writes} writes`);
  });
});

describe("one source per configured value", () => {
  it("the load profile's capture period and depth come from the configuration: what it stores and what its attributes say", () => {
    const board = new SimBoard({ startUtcMs: Date.UTC(2026, 0, 14, 0, 0) });
    const m = board.boot({ capturePeriodS: 300, profileEntries: 20, dailyProfileEntries: 9, billingProfileEntries: 4 });
    board.clock.advance(HOUR);
    expect(get(m, LOAD_PROFILE, 4)).toEqual(D.u32(300));
    expect(get(m, LOAD_PROFILE, 8)).toEqual(D.u32(20));
    expect(get(m, LOAD_PROFILE, 7)).toEqual(D.u32(12));
    board.clock.advance(HOUR);
    // 24 captures, 20 kept (FIFO).
    expect(get(m, LOAD_PROFILE, 7)).toEqual(D.u32(20));
    expect(get(m, DAILY_PROFILE, 8)).toEqual(D.u32(9));
    expect(get(m, MONTHLY_BILLING_PROFILE, 8)).toEqual(D.u32(4));
    // The factory configuration: 15 minutes, a year.
    const f = new SimBoard({ startUtcMs: Date.UTC(2026, 0, 14, 0, 0) });
    const d = f.boot();
    f.clock.advance(HOUR);
    expect(get(d, LOAD_PROFILE, 4)).toEqual(D.u32(900));
    expect(get(d, LOAD_PROFILE, 8)).toEqual(D.u32(366 * 96));
    expect(get(d, LOAD_PROFILE, 7)).toEqual(D.u32(4));
    expect(() => new SimBoard({ startUtcMs: T0 }).boot({ capturePeriodS: 7 })).toThrow(/does not divide a day/);
  });

  it("limiter defaults, script tables, end of billing and associations come from the configuration", () => {
    const base = defaultConfig();
    const board = new SimBoard({ startUtcMs: T0 });
    const m = board.boot({
      tariffs: 2,
      limiter: { ...base.limiter, thresholdNormal: 11000, minOverS: 30 },
      endOfBilling: { ...base.endOfBilling, times: [{ time: { hour: 6, minute: 0, second: 0, hundredths: 0 }, date: { year: 0xffff, month: 0xff, day: 15, dayOfWeek: 0xff } }] },
      security: { ...base.security, clientSaps: { ...base.security.clientSaps, reader: 33 } },
    });
    expect(get(m, ln.LIMITER, 4)).toEqual(D.u32(11000));
    expect(get(m, ln.LIMITER, 6)).toEqual(D.u32(30));
    // Two rates: the tariffication table has two scripts.
    expect((get(m, ln.TARIFF_SCRIPTS, 2).value as Data[]).length).toBe(2);
    expect(((get(m, ln.END_OF_BILLING_SCHEDULE, 4).value as Data[])[0].value as Data[])[0]).toEqual(D.octets(Uint8Array.of(6, 0, 0, 0)));
    expect(m.dlms!.associations.map((a) => a.clientSap)).toEqual([16, 33, 1, 48]);
    // A client's write changes the meter's table, never the configuration it came from.
    expect(set(m, ln.DISCONNECT_SCRIPTS, 2, D.array([]))).toBe(DataAccessResult.success);
    expect(base.scriptTables[2].scripts.length).toBe(2);
    expect(new SimBoard({ startUtcMs: T0 }).boot().scripts.get(ln.DISCONNECT_SCRIPTS)!.scripts.length).toBe(2);
  });
});
