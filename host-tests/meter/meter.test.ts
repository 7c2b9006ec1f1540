import { describe, expect, it } from "vitest";
import { Tag, type Data } from "../../src/cosem/axdr.js";
import { DataAccessResult, ROLES, canInvoke, canRead, canWrite, type AccessContext, type Role } from "../../src/cosem/interface-class.js";
import { Obis } from "../../src/cosem/obis.js";
import { formatStatus } from "../../src/meter/status.js";
import { MetrologyEvent } from "../../src/metrology/event-codes.js";
import { Qty } from "../../src/metrology/accumulators.js";
import * as ln from "../../src/meter/obis-codes.js";
import { SAP_ASSIGNMENT } from "../../src/meter/dlms.js";
import { KEY_ENERGY } from "../../src/meter/persistence.js";
import { ControlState } from "../../src/relay/disconnect.js";
import { MemoryKeyValueStore } from "../../src/persistence.js";
import { SimBoard } from "../../scripts/simulator/board.js";
import type { LoadCurve } from "../../scripts/simulator/daily-load.js";

/** Wednesday 2026-01-14 06:30 CET (05:30 UTC): half an hour before the day rate starts. */
const T0 = Date.UTC(2026, 0, 14, 5, 30);
const HOUR = 3600000;
const flat = (w: number): LoadCurve => ({ hourlyW: Array(24).fill(w), tanPhi: 0.5, utcOffsetMin: 60 });
const ctx = (role: Role, nowUtcMs = T0): AccessContext => ({ role, clientSap: 1, nowUtcMs });
/** Energy of one ATM90E32 register LSB at the default PL constant (10 * 0x0861C468 / 4.5e11 Wh): the chip quantises. */
const LSB_WH = 0.003125;
const nearWh = (actual: number, expected: number, lsbs = 2) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(lsbs * LSB_WH + 1e-9);
const u32 = (d: Data | undefined) => (d && d.tag === Tag.DoubleLongUnsigned ? d.value : NaN);

function read(board: SimBoard, obis: Obis, attribute = 2): Data {
  const e = board.meter!.catalog.find(obis);
  if (!e) throw new Error(`no ${obis.toString()}`);
  const r = e.object.get(attribute, ctx("management", board.clock.nowUtcMs()));
  if (!r.ok || !("tag" in r.value)) throw new Error(`get ${obis.toString()}:${attribute} failed`);
  return r.value;
}

describe("meter composition", () => {
  it("identity: logical device name is FLAG id + 13-digit serial, readable by every role", () => {
    const board = new SimBoard({ startUtcMs: T0 });
    const meter = board.boot({ identity: { manufacturer: "MKT", serial: "4711" } });
    const ldn = read(board, ln.LOGICAL_DEVICE_NAME);
    expect(ldn.tag).toBe(Tag.OctetString);
    expect(String.fromCharCode(...(ldn.value as Uint8Array))).toBe("MKT0000000004711");
    for (const role of ROLES) expect(meter.catalog.visibleTo(role).some((e) => e.object.logicalName.equals(ln.LOGICAL_DEVICE_NAME))).toBe(true);
    expect(() => board.restart("software").config).not.toThrow();
    const bad = new SimBoard({ startUtcMs: T0 });
    expect(() => bad.boot({ identity: { manufacturer: "mk", serial: "x" } })).toThrow();
  });

  it("every catalog row matches its object's shape, and what a role may read answers success", () => {
    const board = new SimBoard({ startUtcMs: T0 });
    const meter = board.boot();
    const seen = new Set<number>();
    let reads = 0;
    for (const e of meter.catalog.entries) {
      expect(seen.has(e.object.logicalName.key)).toBe(false);
      seen.add(e.object.logicalName.key);
      for (const role of ROLES) {
        const r = e.rights[role];
        if (!r) continue;
        expect(r.attributes.length).toBe(e.object.attributeCount);
        expect(r.methods.length).toBe(e.object.methodCount);
        expect(canRead(r.attributes[0])).toBe(true);
        for (let a = 2; a <= e.object.attributeCount; a++) {
          if (!canRead(r.attributes[a - 1])) continue;
          const got = e.object.get(a, ctx(role));
          expect({ ln: e.object.logicalName.toString(), a, ok: got.ok }).toEqual({ ln: e.object.logicalName.toString(), a, ok: true });
          reads++;
        }
      }
    }
    expect(reads).toBeGreaterThan(100);
  });

  it("role views: public sees identity, SAP assignment, clock, relay state and the storage diagnostic only; registers need an authenticated association", () => {
    const board = new SimBoard({ startUtcMs: T0 });
    const meter = board.boot();
    // Each association's own Association LN row (the server adds it to the one catalog) is seen by its role only.
    const names = (role: Role) => meter.catalog.visibleTo(role).filter((e) => e.object.classId !== 15).map((e) => e.object.logicalName.toString());
    for (const role of ["public", "reader", "management", "firmware"] as const) {
      expect(meter.catalog.visibleTo(role).filter((e) => e.object.classId === 15).map((e) => e.object.logicalName.toString())).toEqual([meter.dlms!.associations.find((a) => a.role === role)!.logicalName.toString()]);
    }
    // The storage diagnostic too: it says why when damage took the transmit counters and the ciphered associations are refused.
    expect(names("public").sort()).toEqual([ln.CLOCK, ln.LOGICAL_DEVICE_NAME, ln.SERIAL_NUMBER, ln.DISCONNECT_CONTROL, SAP_ASSIGNMENT, ln.STORAGE_DIAGNOSTIC].map((o) => o.toString()).sort());
    expect(names("reader")).toContain(ln.ENERGY_IMPORT_TOTAL.toString());
    // Management sees everything the reader sees, plus calibration (1.0.128.p.f.255) and its own security setup.
    for (const n of names("reader")) expect(names("management")).toContain(n);
    expect(names("reader").some((n) => n.startsWith("1-0:128."))).toBe(false);
    expect(names("management").some((n) => n.startsWith("1-0:128."))).toBe(true);
    // Reader writes nothing and invokes nothing; management may set the clock and disconnect.
    // (Its own Association LN row lets the reader invoke reply_to_HLS_authentication, its one method.)
    for (const e of meter.catalog.visibleTo("reader").filter((x) => x.object.classId !== 15)) {
      const r = e.rights.reader!;
      expect(r.attributes.some(canWrite)).toBe(false);
      expect(r.methods.some(canInvoke)).toBe(false);
    }
    expect(canWrite(meter.catalog.find(ln.CLOCK)!.rights.management!.attributes[1])).toBe(true);
    expect(canInvoke(meter.catalog.find(ln.DISCONNECT_CONTROL)!.rights.management!.methods[0])).toBe(true);
    // An interim register refuses writes whatever the rights say.
    expect(meter.catalog.find(ln.ENERGY_IMPORT_TOTAL)!.object.set(2, { tag: Tag.DoubleLongUnsigned, value: 0 }, ctx("management"))).toBe(DataAccessResult.readWriteDenied);
  });

  it("energy of the load curve reaches the rate registers split at the 07:00 tariff switch, profile captures every 15 min", () => {
    const board = new SimBoard({ startUtcMs: T0, curve: flat(1000) });
    const meter = board.boot();
    board.clock.advance(HOUR);
    const t1 = Obis.of(1, 0, 1, 8, 1, 255);
    const t2 = Obis.of(1, 0, 1, 8, 2, 255);
    nearWh(meter.bank.value(t2), 500);
    nearWh(meter.bank.value(t1), 500);
    expect(u32(read(board, ln.ENERGY_IMPORT_TOTAL))).toBe(Math.floor(meter.status().importWh));
    nearWh(meter.status().importWh, 1000);
    // Reactive import (quadrant I) at tan phi 0.5 during the day rate.
    nearWh(meter.bank.value(Obis.of(1, 0, 3, 8, 1, 255)), 250);
    expect(meter.captures).toBe(4);
    expect(meter.status().tariff).toBe(1);
    const scaler = read(board, ln.ENERGY_IMPORT_TOTAL, 3);
    expect(scaler).toEqual({ tag: Tag.Structure, value: [{ tag: Tag.Integer, value: 0 }, { tag: Tag.Enum, value: 30 }] });
  });

  it("the end-of-billing schedule closes the month at local midnight and the counter survives a restart", () => {
    const start = Date.UTC(2026, 0, 31, 22, 30); // 23:30 CET
    const board = new SimBoard({ startUtcMs: start, curve: flat(2000) });
    const meter = board.boot();
    board.clock.advance(HOUR);
    expect(meter.billing.counter).toBe(1);
    expect(meter.lastBilling?.utcMs).toBe(Date.UTC(2026, 0, 31, 23, 0));
    const billed = meter.lastBilling!.registers.reduce((s, r) => (r.obis.c === 1 ? s + r.value : s), 0);
    nearWh(billed, 1000);
    // The billing profile (1.0.98.1.0.255) keeps the period in flash.
    expect(meter.billingProfile!.profile.store.entriesInUse).toBe(1);
    // Local midnight also closed a day in the daily profile.
    expect(meter.dailyProfile!.store.entriesInUse).toBe(1);
    const again = board.restart("software");
    expect(again.billing.counter).toBe(1);
    expect(again.billingProfile!.profile.store.entriesInUse).toBe(1);
  });

  it("a restart with power-fail warning keeps every Wh; without warning at most one persist period is lost", () => {
    const board = new SimBoard({ startUtcMs: T0, curve: flat(1200) });
    let meter = board.boot({ persistEveryMs: 15 * 60000 });
    board.clock.advance(50 * 60000);
    const before = meter.status().importWh;
    nearWh(before, 1000);
    meter = board.restart("power-on", true, 10 * 60000);
    expect(meter.restored).toBe(true);
    expect(meter.status().importWh).toBeCloseTo(before, 9);
    // The power down is in the previous instance's RAM no more, but the flash power-failure log keeps it;
    // the power up carries the outage duration in seconds.
    expect(meter.events.recent().filter((e) => e.log === "power-failure").map((e) => [e.code, e.value])).toEqual([[MetrologyEvent.powerUp, 600]]);
    const pf = meter.eventLogs!.store("power-failure");
    expect([...pf.rows(pf.firstEntry, pf.lastEntry)].map((r) => [r.values[0], r.values[1]])).toEqual([
      [MetrologyEvent.powerDown, 0],
      [MetrologyEvent.powerUp, 600],
    ]);
    expect(meter.eventLogs!.verify("power-failure").ok).toBe(true);
    // No energy while the power was off (monotonic clock), the curve goes on from the RTC.
    board.clock.advance(20 * 60000);
    nearWh(meter.status().importWh, before + 400);
    meter = board.restart("brown-out", false);
    // The last periodic persist was at 15-minute boundaries of the monotonic clock since boot.
    const lost = before + 400 - meter.status().importWh;
    expect(lost).toBeGreaterThanOrEqual(0);
    expect(lost).toBeLessThanOrEqual(300 + 1e-6);
  });

  it("after a cut without warning the rate registers and the metrology total come back from the same tick", () => {
    const board = new SimBoard({ startUtcMs: T0, curve: flat(1200) });
    // The meter's own period never comes: only metrology's 100 Wh threshold saves.
    let meter = board.boot({ persistEveryMs: 24 * 3600000 });
    board.clock.advance(50 * 60000 + 7000);
    const rates = (m: typeof meter) => m.bank.obis.filter((o) => o.c === 1).reduce((sum, o) => sum + m.bank.value(o), 0);
    expect(rates(meter)).toBeGreaterThan(900);
    meter = board.restart("brown-out", false);
    const total = meter.metrology.energy(0, Qty.importActive);
    expect(total).toBeGreaterThan(800);
    expect(Math.abs(rates(meter) - total)).toBeLessThan(1e-6);
  });

  it("corrupt stored energy reads as absent rather than as garbage", () => {
    const store = new MemoryKeyValueStore();
    store.put(KEY_ENERGY, Uint8Array.of(1, 2, 3));
    const board = new SimBoard({ startUtcMs: T0, store });
    const meter = board.boot();
    expect(meter.restored).toBe(false);
    expect(meter.status().importWh).toBe(0);
    const nan = new Uint8Array(16 * 8).fill(0xff);
    store.put(KEY_ENERGY, nan);
    expect(board.restart("software").restored).toBe(false);
  });

  it("a remote disconnect is kept across a restart and stops the energy", () => {
    const board = new SimBoard({ startUtcMs: T0, curve: flat(1000) });
    let meter = board.boot();
    const dc = meter.catalog.find(ln.DISCONNECT_CONTROL)!.object;
    expect(dc.action(1, { tag: Tag.Integer, value: 0 }, ctx("management")).result).toBe(0);
    board.clock.advance(1000);
    expect(board.relay.level).toBe(0);
    const wh = meter.status().importWh;
    meter = board.restart("brown-out", false);
    expect(meter.disconnect.controlState).toBe(ControlState.disconnected);
    expect(board.relay.level).toBe(0);
    board.clock.advance(HOUR);
    expect(meter.status().importWh).toBe(wh);
    expect(meter.status().relayConnected).toBe(false);
    // Mode 1: a remote reconnect only makes it ready (kept across a restart too); the customer's button closes the relay.
    const dc2 = meter.catalog.find(ln.DISCONNECT_CONTROL)!.object;
    expect(dc2.action(2, { tag: Tag.Integer, value: 0 }, ctx("management")).result).toBe(0);
    board.clock.advance(1000);
    meter = board.restart("software");
    expect(meter.disconnect.controlState).toBe(ControlState.readyForReconnection);
    expect(board.relay.level).toBe(0);
    board.button.press();
    expect(board.relay.level).toBe(1);
  });

  it("the limiter disconnects after a minute above 17.25 kW", () => {
    const board = new SimBoard({ startUtcMs: T0, curve: flat(20000) });
    const meter = board.boot();
    board.clock.advance(59000);
    expect(board.relay.level).toBe(1);
    board.clock.advance(3000);
    expect(board.relay.level).toBe(0);
    expect(meter.events.recent().some((e) => e.log === "disconnector")).toBe(true);
  });

  it("status line shows local time, rate, power, energy and relay", () => {
    const board = new SimBoard({ startUtcMs: T0, curve: flat(1000) });
    const meter = board.boot();
    board.clock.advance(HOUR);
    expect(formatStatus(meter.status())).toBe("2026-01-14 07:30:00 T1  1000 W  A+ 1.000 kWh  A- 0.000 kWh  relay on");
  });

  it("stop() books and saves the energy up to the instant and stops the tick", () => {
    const board = new SimBoard({ startUtcMs: T0, curve: flat(3600) });
    const meter = board.boot();
    board.clock.advance(1500);
    meter.stop();
    const booked = meter.status().importWh;
    nearWh(booked, 1.5);
    expect(meter.rateSum(1)).toBeCloseTo(booked, 9);
    board.clock.advance(HOUR);
    expect(meter.status().importWh).toBe(booked);
    expect(board.timers.pending).toBe(0);
  });
});
