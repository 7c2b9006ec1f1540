/**
 * Push Setup (class 40) as a client sees it, and push_object_list reading
 * any attribute: a profile buffer restricted by entry or by date, the n-th
 * element of a structure (data_index), an unreadable element as null-data.
 * Bad writes get the standard refusal and change nothing.
 */
import { describe, expect, it } from "vitest";
import { D, Tag, encodeData, type Data } from "../../src/cosem/axdr.js";
import { DataAccessResult, ActionResult } from "../../src/cosem/interface-class.js";
import { Obis } from "../../src/cosem/obis.js";
import { PushLn, defaultPushConfig } from "../../src/meter/push.js";
import { CLOCK, FAULT_DIAGNOSTIC, LOGICAL_DEVICE_NAME } from "../../src/meter/obis-codes.js";
import { LOAD_PROFILE } from "../../src/storage/meter-profiles.js";
import { decodeApdu } from "../../src/cosem/client/codec.js";
import { SimBoard } from "../../scripts/simulator/board.js";
import { dailyAt } from "./head-end.js";

/** A daily local time as a 12-byte date-time with the date not specified (what windows and restrictions take). */
const T0 = Date.UTC(2026, 0, 14, 9, 0);
const ctx = { role: "management" as const, clientSap: 1, nowUtcMs: T0 };

function meterWith(destination = "") {
  const board = new SimBoard({ startUtcMs: T0 });
  const meter = board.boot({ push: { ...defaultPushConfig(), destination } });
  return { board, meter };
}

/** The body of a plain notification of a setup, decoded. */
function body(meter: ReturnType<typeof meterWith>["meter"], ln: Obis): Data[] {
  const setup = meter.pushes!.setup(ln)!;
  const apdu = meter.pushes!.notification(Object.assign(Object.create(Object.getPrototypeOf(setup)), setup, { security: "none" }), meter.clock.now())!;
  const n = decodeApdu(apdu);
  if (n.type !== "data-notification") throw new Error("not a data-notification");
  return n.body.value as Data[];
}

describe("push_object_list: any attribute, profiles with selective access", () => {
  it("by entry, by date (wildcards from the push instant's local date), data_index and an unreadable element", () => {
    const { board, meter } = meterWith();
    board.clock.advance(2 * 3_600_000); // eight 15-minute captures
    const setup = meter.pushes!.setup(PushLn.interval1)!;
    const today = (h: number, m: number) => dailyAt(h, m);
    setup.objects = [
      { classId: 7, logicalName: LOAD_PROFILE, attribute: 2, dataIndex: 0, restriction: { type: 2, fromEntry: 2, toEntry: 4 }, columns: [] },
      // 10:00 to 11:00 CET: the meter started at 10:00, so the rows of 10:15, 10:30, 10:45 and 11:00 (both ends included).
      { classId: 7, logicalName: LOAD_PROFILE, attribute: 2, dataIndex: 0, restriction: { type: 1, from: today(10, 0), to: today(11, 0) }, columns: [{ classId: 8, logicalName: CLOCK, attribute: 2, dataIndex: 0 }] },
      // data_index on a value that is neither array nor structure (the clock's octet-string): unreadable, sent as null-data.
      { classId: 8, logicalName: CLOCK, attribute: 2, dataIndex: 1 },
      { classId: 1, logicalName: Obis.of(0, 0, 99, 99, 99, 255), attribute: 2, dataIndex: 0 },
      { classId: 1, logicalName: LOGICAL_DEVICE_NAME, attribute: 2, dataIndex: 0 },
      // data_index 2 of the fault diagnostic {total, safe mode, starts, kinds}: the safe-mode flag.
      { classId: 1, logicalName: FAULT_DIAGNOSTIC, attribute: 2, dataIndex: 2 },
    ];
    const [byEntry, byDate, indexed, missing, ldn, safeMode] = body(meter, PushLn.interval1);
    expect(safeMode).toEqual(D.bool(false));
    expect(byEntry.tag).toBe(Tag.Array);
    expect((byEntry.value as Data[]).length).toBe(3);
    expect(byDate.tag).toBe(Tag.Array);
    const rows = byDate.value as Data[];
    expect(rows.length).toBe(4);
    // One column: the clock only.
    expect((rows[0].value as Data[]).length).toBe(1);
    expect(indexed.tag).toBe(Tag.NullData);
    expect(missing.tag).toBe(Tag.NullData);
    expect(ldn.tag).toBe(Tag.OctetString);
  });
});

describe("Push Setup attributes and method", () => {
  it("reads back what was written, in the form written (version-2 elements keep their restriction)", () => {
    const { meter } = meterWith();
    const o = meter.catalog.find(PushLn.interval1)!.object;
    const list = D.array([
      D.struct(D.u16(1), D.octets(LOGICAL_DEVICE_NAME.toBytes()), D.i8(2), D.u16(0)),
      D.struct(D.u16(7), D.octets(LOAD_PROFILE.toBytes()), D.i8(2), D.u16(0), D.struct(D.enum(2), D.struct(D.u32(1), D.u32(0))), D.array([])),
      D.struct(D.u16(7), D.octets(LOAD_PROFILE.toBytes()), D.i8(2), D.u16(0), D.struct(D.enum(0), D.null()), D.array([])),
    ]);
    expect(o.set(2, list, ctx)).toBe(DataAccessResult.success);
    const r = o.get(2, ctx);
    expect(r.ok && !("kind" in r.value) && encodeData(r.value)).toEqual(encodeData(list));
    const dest = D.struct(D.enum(0), D.octets(Uint8Array.from("10.1.2.3:4059", (c) => c.charCodeAt(0))), D.enum(0));
    expect(o.set(3, dest, ctx)).toBe(DataAccessResult.success);
    const d = o.get(3, ctx);
    expect(d.ok && !("kind" in d.value) && encodeData(d.value)).toEqual(encodeData(dest));
    expect(o.set(5, D.u16(600), ctx)).toBe(DataAccessResult.success);
    expect(o.set(6, D.u8(7), ctx)).toBe(DataAccessResult.success);
    expect(o.set(7, D.u16(90), ctx)).toBe(DataAccessResult.success);
    const s = meter.pushes!.setup(PushLn.interval1)!;
    expect([s.randomisationS, s.retries, s.repetitionDelayS]).toEqual([600, 7, 90]);
  });

  it("refuses malformed values with type-unmatched, other transports with other-reason, and changes nothing", () => {
    const { meter } = meterWith();
    const o = meter.catalog.find(PushLn.alarm)!.object;
    const before = [2, 3, 4, 5, 6, 7].map((a) => {
      const r = o.get(a, ctx);
      return r.ok && !("kind" in r.value) ? encodeData(r.value) : undefined;
    });
    const bad: [number, Data, number][] = [
      [2, D.u16(1), DataAccessResult.typeUnmatched],
      [2, D.array([D.struct(D.u16(1), D.octets(new Uint8Array(5)), D.i8(2), D.u16(0))]), DataAccessResult.typeUnmatched],
      [2, D.array([D.struct(D.u16(7), D.octets(LOAD_PROFILE.toBytes()), D.i8(2), D.u16(0), D.struct(D.enum(1), D.null()), D.array([]))]), DataAccessResult.typeUnmatched],
      [2, D.array(Array.from({ length: 33 }, () => D.struct(D.u16(1), D.octets(LOGICAL_DEVICE_NAME.toBytes()), D.i8(2), D.u16(0)))), DataAccessResult.otherReason],
      [3, D.struct(D.enum(1), D.octets(new Uint8Array(3)), D.enum(0)), DataAccessResult.otherReason],
      [3, D.struct(D.enum(0), D.u8(1), D.enum(0)), DataAccessResult.typeUnmatched],
      [4, D.array([D.struct(D.octets(new Uint8Array(11)), D.octets(new Uint8Array(12)))]), DataAccessResult.typeUnmatched],
      [5, D.u8(1), DataAccessResult.typeUnmatched],
      [6, D.u16(1), DataAccessResult.typeUnmatched],
      [1, D.octets(new Uint8Array(6)), DataAccessResult.readWriteDenied],
      [8, D.u8(0), DataAccessResult.objectUndefined],
    ];
    for (const [a, v, want] of bad) expect([a, o.set(a, v, ctx)]).toEqual([a, want]);
    const after = [2, 3, 4, 5, 6, 7].map((a) => {
      const r = o.get(a, ctx);
      return r.ok && !("kind" in r.value) ? encodeData(r.value) : undefined;
    });
    expect(after).toEqual(before);
  });

  it("push (method 1) is temporary-failure without a destination, success with one; no such method is object-undefined", () => {
    const none = meterWith().meter.catalog.find(PushLn.alarm)!.object;
    expect(none.action(1, D.i8(0), ctx).result).toBe(ActionResult.temporaryFailure);
    const { meter } = meterWith("head-end:4070");
    const o = meter.catalog.find(PushLn.alarm)!.object;
    expect(o.action(1, D.i8(0), ctx).result).toBe(ActionResult.success);
    expect(meter.pushes!.pending(PushLn.alarm)?.reason).toBe(1);
    expect(o.action(1, D.u8(0), ctx).result).toBe(ActionResult.typeUnmatched);
    expect(o.action(2, undefined, ctx).result).toBe(ActionResult.objectUndefined);
  });
});
