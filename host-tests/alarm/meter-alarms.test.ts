import { describe, expect, it } from "vitest";
import { Tag } from "../../src/cosem/axdr.js";
import { AlarmBit } from "../../src/alarm/alarm-map.js";
import { DataAccessResult } from "../../src/cosem/interface-class.js";
import { DEVELOPMENT_KEYS } from "../../src/meter/config.js";
import { ClientSap } from "../../src/meter/dlms.js";
import { createMeter } from "../../src/meter/meter.js";
import * as ln from "../../src/meter/obis-codes.js";
import { MetrologyEvent as M } from "../../src/metrology/event-codes.js";
import { SIM_TCP_PORT, SimBoard } from "../../scripts/simulator/board.js";
import { ClientSession, type SecurityOptions } from "../../scripts/lab/client-session.js";
import { wrapperLink } from "../../scripts/lab/link.js";
import { SimDigitalIn } from "../../hal/sim/digital.js";
import { fromHex } from "../../src/util/bytes.js";
import { Alarms } from "../../src/alarm/alarms.js";
import { Catalog } from "../../src/meter/catalog.js";
import { addAlarmObjects } from "../../src/meter/alarm-objects.js";
import { MemoryKeyValueStore, type KeyValueStore } from "../../src/persistence.js";
import { settle } from "../meter/drive.js";

const T0 = Date.UTC(2026, 0, 14, 9, 0);
const COVER = 1 << AlarmBit.fraudAttempt;
const POWER_UP = 1 << AlarmBit.powerUp;
const u32 = (value: number) => ({ tag: Tag.DoubleLongUnsigned, value }) as const;

async function session(board: SimBoard, sap: number, auth: "hls-gmac" | "none", invocationCounter?: number) {
  const end = board.network.connect(SIM_TCP_PORT);
  if (!end) throw new Error("nothing listens on the meter's port");
  const link = wrapperLink(end, board.worldTimers, { clientSap: sap, serverLogical: 1, serverPhysical: 0x10, responseTimeoutMs: 5000 }, "sim tcp");
  const security: SecurityOptions =
    auth === "hls-gmac"
      ? { auth, akey: DEVELOPMENT_KEYS.authenticationKey, ekey: DEVELOPMENT_KEYS.globalUnicastKey, systemTitle: fromHex("4D4B544C41423031"), crypto: board.crypto, invocationCounter }
      : { auth };
  return settle(board, ClientSession.open(link, security));
}

async function read(board: SimBoard, s: ClientSession, obis: typeof ln.ALARM_REGISTER_1): Promise<number> {
  const r = await settle(board, s.get(1, obis, 2));
  if (!r.ok) throw new Error(`GET ${obis.toString()} refused: ${r.code}`);
  expect(r.value.tag).toBe(Tag.DoubleLongUnsigned);
  return r.value.value as number;
}

describe("alarm objects over the xDLMS server of the booted sim meter", () => {
  it("management reads and clears by mask; the reader reads but may not clear; the public client does not see them", async () => {
    const board = new SimBoard({ startUtcMs: T0 });
    const meter = board.boot();
    board.clock.advance(2000);
    // Through the meter's one event log, as every domain reports.
    meter.events.record({ log: "fraud", code: M.meterCoverRemoved, utcMs: meter.clock.now() });
    meter.events.record({ log: "power-failure", code: M.powerUp, utcMs: meter.clock.now() });
    const reg1 = meter.alarms.register(1);
    expect(reg1 & (COVER | POWER_UP)).toBe(COVER | POWER_UP);

    const reader = await session(board, ClientSap.reader, "hls-gmac");
    expect(await read(board, reader, ln.ALARM_REGISTER_1)).toBe(reg1);
    expect(await read(board, reader, ln.ALARM_DESCRIPTOR_1)).toBe(meter.alarms.descriptor(1));
    expect(await settle(board, reader.set(1, ln.ALARM_REGISTER_1, 2, u32(COVER)))).toBe(DataAccessResult.readWriteDenied);
    const rf = await settle(board, reader.get(1, ln.ALARM_FILTER_1, 2));
    expect(rf.ok).toBe(false);
    await settle(board, reader.close());

    const mgmt = await session(board, ClientSap.management, "hls-gmac");
    expect(await settle(board, mgmt.set(1, ln.ALARM_REGISTER_1, 2, u32(COVER)))).toBe(DataAccessResult.success);
    expect(await read(board, mgmt, ln.ALARM_REGISTER_1)).toBe((reg1 & ~COVER) >>> 0);
    // Writing 0 clears nothing; a value of another type is refused and changes nothing.
    expect(await settle(board, mgmt.set(1, ln.ALARM_REGISTER_1, 2, u32(0)))).toBe(DataAccessResult.success);
    expect(await settle(board, mgmt.set(1, ln.ALARM_REGISTER_1, 2, { tag: Tag.LongUnsigned, value: 4 }))).toBe(DataAccessResult.typeUnmatched);
    expect(meter.alarms.register(1)).toBe((reg1 & ~COVER) >>> 0);
    // Writing back what was read acknowledges everything that was read.
    const now = await read(board, mgmt, ln.ALARM_REGISTER_1);
    expect(await settle(board, mgmt.set(1, ln.ALARM_REGISTER_1, 2, u32(now)))).toBe(DataAccessResult.success);
    expect(await read(board, mgmt, ln.ALARM_REGISTER_1)).toBe(0);
    // The cover again: it rises again.
    meter.events.record({ log: "fraud", code: M.meterCoverRemoved, utcMs: meter.clock.now() });
    expect(await read(board, mgmt, ln.ALARM_REGISTER_1)).toBe(COVER);
    await settle(board, mgmt.close());

    const pub = await session(board, ClientSap.public, "none");
    const p = await settle(board, pub.get(1, ln.ALARM_REGISTER_1, 2));
    expect(p.ok).toBe(false);
    await settle(board, pub.close());
  });

  it("a written filter is a setting and the registers are kept: both survive a restart (with and without warning)", async () => {
    const board = new SimBoard({ startUtcMs: T0 });
    let meter = board.boot();
    board.clock.advance(2000);
    const mgmt = await session(board, ClientSap.management, "hls-gmac");
    expect(await settle(board, mgmt.set(1, ln.ALARM_FILTER_1, 2, u32(COVER)))).toBe(DataAccessResult.success);
    expect(await settle(board, mgmt.set(1, ln.ALARM_FILTER_2, 2, u32(0)))).toBe(DataAccessResult.success);
    expect(await read(board, mgmt, ln.ALARM_FILTER_1)).toBe(COVER);
    // The meter keeps the last invocation counter it accepted across the restart: the client continues from it.
    const counter = mgmt.invocationCounter;
    await settle(board, mgmt.close());
    const heard: [number, number][] = [];
    meter.alarms.onAlarm((r, b) => heard.push([r, b]));
    meter.events.record({ log: "power-quality", code: M.underVoltage(0), utcMs: meter.clock.now() });
    meter.events.record({ log: "fraud", code: M.meterCoverRemoved, utcMs: meter.clock.now() });
    expect(heard).toEqual([[1, COVER]]);
    const regs = [meter.alarms.register(1), meter.alarms.register(2)];
    expect(regs[1]).toBe(1 << (AlarmBit.voltageSagL1 - 32));

    meter = board.restart("power-on", false, 60_000);
    expect([meter.alarms.filter(1), meter.alarms.filter(2)]).toEqual([COVER, 0]);
    expect(meter.alarms.register(1) & regs[0]).toBe(regs[0]);
    expect(meter.alarms.register(2)).toBe(regs[1]);
    meter = board.restart("brown-out", true);
    expect(meter.alarms.filter(1)).toBe(COVER);
    expect(meter.alarms.register(2)).toBe(regs[1]);
    const m2 = await session(board, ClientSap.management, "hls-gmac", counter + 10);
    expect(await read(board, m2, ln.ALARM_FILTER_1)).toBe(COVER);
    expect(await read(board, m2, ln.ALARM_REGISTER_2)).toBe(regs[1]);
    await settle(board, m2.close());
  });
});

describe("alarm objects when the store fails", () => {
  it("a clear the store cannot keep answers hardware-fault (the client must know it is not durable)", () => {
    const mem = new MemoryKeyValueStore();
    new Alarms(mem).record({ log: "fraud", code: M.meterCoverRemoved, utcMs: 0 });
    const full: KeyValueStore = {
      get: (k) => mem.get(k),
      put: () => {
        throw new Error("store full");
      },
      delete: () => undefined,
    };
    const alarms = new Alarms(full);
    const c = new Catalog();
    addAlarmObjects(c, alarms);
    const ctx = { role: "management", clientSap: 1, nowUtcMs: 0 } as const;
    expect(c.find(ln.ALARM_REGISTER_1)!.object.set(2, u32(COVER), ctx)).toBe(DataAccessResult.hardwareFault);
    expect(c.find(ln.ALARM_REGISTER_1)!.object.set(2, u32(0), ctx)).toBe(DataAccessResult.success);
    expect(c.find(ln.ALARM_FILTER_1)!.object.set(2, u32(5), ctx)).toBe(DataAccessResult.success);
    expect(alarms.filter(1)).toBe(5);
  });
});

describe("tamper alarms through the meter", () => {
  function bootWithCover(board: SimBoard, cover: SimDigitalIn) {
    const meter = createMeter({ ...board.ports(), tamper: { meterCover: cover } });
    meter.start();
    return meter;
  }

  it("opening the meter cover raises the fraud bit and reaches a subscriber within one tick", () => {
    const board = new SimBoard({ startUtcMs: T0, links: () => ({}) });
    const cover = new SimDigitalIn(0);
    const meter = bootWithCover(board, cover);
    const heard: [number, number][] = [];
    meter.alarms.onAlarm((r, b) => heard.push([r, b]));
    board.clock.advance(5000);
    const before = heard.length;
    expect(meter.alarms.register(1) & COVER).toBe(0);
    cover.set(1);
    board.clock.advance(meter.config.tickMs);
    expect(heard.slice(before)).toEqual([[1, COVER]]);
    expect(meter.alarms.register(1) & COVER).toBe(COVER);
    expect(meter.alarms.descriptor(1) & COVER).toBe(COVER);
    meter.stop();
  });

  it("a cover opened while the power was out is seen at boot and handed to the push at the first tick", () => {
    const board = new SimBoard({ startUtcMs: T0, links: () => ({}) });
    const first = bootWithCover(board, new SimDigitalIn(0));
    board.clock.advance(5000);
    first.stop();
    board.clock.advance(60_000);
    // The next start finds the cover open; the push engine subscribes after the meter is built.
    const meter = bootWithCover(board, new SimDigitalIn(1));
    expect(meter.alarms.register(1) & COVER).toBe(COVER);
    const heard: [number, number][] = [];
    meter.alarms.onAlarm((r, b) => heard.push([r, b]));
    expect(heard).toEqual([]);
    board.clock.advance(meter.config.tickMs);
    expect(heard.length).toBe(1);
    expect(heard[0][0]).toBe(1);
    expect(heard[0][1] & COVER).toBe(COVER);
    meter.stop();
  });
});
