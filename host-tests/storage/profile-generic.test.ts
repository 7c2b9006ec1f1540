import { describe, expect, it } from "vitest";
import { ESP32_NOR, SimFlash, withSectors } from "../../hal/sim/flash.js";
import { Tag, decodeData, encodeData, type Data } from "../../src/cosem/axdr.js";
import { dateTimeFromUtcMs, dateTimeToBytes } from "../../src/cosem/datetime.js";
import { DataAccessResult, selectorsOf, type AccessContext, type EncodedStream } from "../../src/cosem/interface-class.js";
import { Obis } from "../../src/cosem/obis.js";
import { ProfileGeneric, definitionData } from "../../src/cosem/classes/profile-generic.js";
import { CLOCK_TIME, type ProfileColumn } from "../../src/storage/profile.js";
import { LogStore } from "../../src/storage/log-store.js";
import { ProfileStore } from "../../src/storage/profile-store.js";
import { toHex } from "../../src/util/bytes.js";
import { dlmsVector } from "../support/vectors.js";

const ctx: AccessContext = { role: "reader", clientSap: 1, nowUtcMs: 0 };
const MIN = 60000;

/** A meter clock fixed at one deviation (Blue Book sign: local = UTC - deviation). */
function fixedTime(deviation: number) {
  return { dateTimeAt: (utcMs: number) => dateTimeFromUtcMs(utcMs, deviation, 0), deviationAt: () => deviation };
}

const STATUS_DEF = { classId: 1, logicalName: Obis.of(0, 0, 96, 10, 1, 255), attributeIndex: 2, dataIndex: 0 };
const AP_DEF = { classId: 3, logicalName: Obis.of(1, 0, 1, 8, 0, 255), attributeIndex: 2, dataIndex: 0 };
const AM_DEF = { classId: 3, logicalName: Obis.of(1, 0, 2, 8, 0, 255), attributeIndex: 2, dataIndex: 0 };

function build(opts: { deviation: number; nullImplicitTime?: boolean; a?: () => number; b?: () => number; status?: number }) {
  const flash = new SimFlash(withSectors(ESP32_NOR, 16));
  const log = new LogStore(flash);
  const store = new ProfileStore(log, { stream: 0, columns: ["cumulative", "cumulative"], periodS: 900, capacity: 5000, chunkRows: 96 });
  log.mount();
  const regs = { a: 0, b: 0 };
  const columns: ProfileColumn[] = [
    { definition: CLOCK_TIME, kind: "time" },
    { definition: STATUS_DEF, kind: "status" },
    { definition: AP_DEF, kind: "stored", column: 0, tag: Tag.DoubleLongUnsigned, read: () => ({ tag: Tag.DoubleLongUnsigned, value: opts.a ? opts.a() : regs.a }) },
    { definition: AM_DEF, kind: "stored", column: 1, tag: Tag.DoubleLongUnsigned, read: () => ({ tag: Tag.DoubleLongUnsigned, value: opts.b ? opts.b() : regs.b }) },
  ];
  const pg = new ProfileGeneric({
    logicalName: Obis.of(1, 0, 99, 1, 0, 255),
    store,
    columns,
    timeBase: fixedTime(opts.deviation),
    status: { takeStatus: () => opts.status ?? 0 },
    nullImplicitTime: opts.nullImplicitTime,
  });
  return { pg, store, regs, flash };
}

function drain(s: EncodedStream, block = 200): Uint8Array {
  const parts: number[] = [];
  for (let b = s.next(block); b; b = s.next(block)) {
    expect(b.length).toBeLessThanOrEqual(block);
    parts.push(...b);
  }
  return Uint8Array.from(parts);
}

function bufferRows(pg: ProfileGeneric, selection?: { selector: number; parameters: Data }): Data[][] {
  const r = pg.get(2, ctx, selection);
  if (!r.ok) throw new Error(`get failed ${r.error}`);
  const v = r.value as EncodedStream;
  expect(v.kind).toBe("stream");
  const d = decodeData(drain(v));
  expect(d.tag).toBe(Tag.Array);
  return (d.value as Data[]).map((row) => row.value as Data[]);
}

/** The access-selection parameters of a GET-request-normal (c0 01 invoke, class, LN, attr, 01, selector, data). */
function selectionOf(getRequest: Uint8Array): { selector: number; parameters: Data } {
  expect(getRequest[0]).toBe(0xc0);
  expect(getRequest[12]).toBe(1); // access selection present
  return { selector: getRequest[13], parameters: decodeData(getRequest.subarray(14)) };
}

describe("Profile Generic (class 7)", () => {
  it("streams the buffer byte-identical to the first block of dlms-cosem tests/test_xdlms/test_get.py:169", () => {
    // 1440 entries; first time stamp 2019-12-19 02:00 local at deviation -60 (01:00 UTC), later ones null, status 6, values 1517 and 1620.
    const block = dlmsVector("test_xdlms/test_get.py", 169);
    const raw = block.subarray(12);
    expect(block[9]).toBe(0x82);
    expect((block[10] << 8) | block[11]).toBe(raw.length);
    const { pg } = build({ deviation: -60, nullImplicitTime: true, a: () => 1517, b: () => 1620, status: 6 });
    const start = Date.UTC(2019, 11, 19, 1, 0);
    for (let i = 0; i < 1440; i++) pg.capture(start + i * 15 * MIN);
    const r = pg.get(2, ctx);
    if (!r.ok) throw new Error("get");
    const first = (r.value as EncodedStream).next(raw.length);
    expect(toHex(first ?? new Uint8Array())).toBe(toHex(raw));
  });

  const rangeCases = [
    // [vector line, from UTC, to UTC] — bounds read from the vector's date-times with the Blue Book deviation sign.
    [90, Date.UTC(2017, 8, 30, 23, 0), Date.UTC(2017, 9, 1, 0, 0)], // 2017-10-01 00:00 / 01:00 local, deviation -60
    [29, Date.UTC(2018, 4, 31, 22, 3), Date.UTC(2021, 0, 5, 23, 3)], // 2018-06-01 00:03 dev -120, 2021-01-06 00:03 dev -60
    [50, Date.UTC(2018, 1, 11, 23, 0), Date.UTC(2019, 1, 11, 23, 0)], // 2018-02-12 / 2019-02-12 00:00, deviation not specified: the meter's own (-60)
  ] as const;

  for (const [line, from, to] of rangeCases) it(`range_descriptor of dlms-cosem tests/test_xdlms/test_selective_access.py:${line} selects exactly the rows in its bounds`, () => {
    const sel = selectionOf(dlmsVector("test_xdlms/test_selective_access.py", line));
    expect(sel.selector).toBe(1);
    // Rows every 2 days (on the 15-minute grid around the bounds) spanning the range.
    const { pg, regs } = build({ deviation: -60 });
    const times: number[] = [];
    for (let t = from - 3 * 3600000; t <= to + 3 * 3600000; t += t > from + 86400000 && t < to - 86400000 ? 48 * 3600000 : 15 * MIN) times.push(t);
    for (const t of times) {
      regs.a += 7;
      pg.capture(t);
    }
    const want = times.filter((t) => t >= from && t <= to);
    const rows = bufferRows(pg, sel);
    expect(rows.length).toBe(want.length);
    expect(rows.map((r) => toHex(r[0].value as Uint8Array))).toEqual(want.map((t) => toHex(dateTimeToBytes(dateTimeFromUtcMs(t, -60, 0)))));
    expect(rows[0].length).toBe(4); // selected_values empty: every column
  });

  it("range_descriptor round trip with selected columns; the read touches only chunks in range", () => {
    const { pg, regs, flash } = build({ deviation: -60 });
    const t0 = Date.UTC(2025, 0, 1);
    for (let i = 0; i < 96 * 30; i++) {
      regs.a += i % 50;
      regs.b += 3;
      pg.capture(t0 + i * 15 * MIN);
    }
    const from = t0 + 10 * 86400000;
    const to = from + 86400000 - 15 * MIN;
    const dt = (t: number) => ({ tag: Tag.OctetString, value: dateTimeToBytes(dateTimeFromUtcMs(t, -60, 0)) }) as Data;
    const desc: Data = { tag: Tag.Structure, value: [definitionData(CLOCK_TIME), dt(from), dt(to), { tag: Tag.Array, value: [definitionData(AM_DEF), definitionData(CLOCK_TIME)] }] };
    const before = flash.bytesRead;
    const rows = bufferRows(pg, { selector: 1, parameters: decodeData(encodeData(desc)) });
    expect(flash.bytesRead - before).toBeLessThan(2000);
    expect(rows.length).toBe(96);
    expect(rows[0].map((d) => d.tag)).toEqual([Tag.DoubleLongUnsigned, Tag.OctetString]);
    expect(rows[0][0].value).toBe(3 * (10 * 96 + 1));
    expect(toHex(rows[95][1].value as Uint8Array)).toBe(toHex(dateTimeToBytes(dateTimeFromUtcMs(to, -60, 0))));
  });

  it("entry_descriptor round trip: from/to entry and from/to selected value, 0 meaning the last", () => {
    const { pg, regs, store } = build({ deviation: 0, status: 0x80 });
    const t0 = Date.UTC(2025, 5, 1);
    for (let i = 0; i < 300; i++) {
      regs.a = 1000 + i * 11;
      regs.b = 5 * i;
      pg.capture(t0 + i * 15 * MIN);
    }
    store.reset();
    for (let i = 0; i < 250; i++) {
      regs.a = 9000 + i;
      regs.b = i;
      pg.capture(t0 + (400 + i) * 15 * MIN);
    }
    const entry = (a: number, b: number, c: number, d: number): { selector: number; parameters: Data } => ({
      selector: 2,
      parameters: decodeData(
        encodeData({ tag: Tag.Structure, value: [{ tag: Tag.DoubleLongUnsigned, value: a }, { tag: Tag.DoubleLongUnsigned, value: b }, { tag: Tag.LongUnsigned, value: c }, { tag: Tag.LongUnsigned, value: d }] }),
      ),
    });
    const rows = bufferRows(pg, entry(10, 20, 3, 4));
    expect(rows.length).toBe(11);
    expect(rows.map((r) => r[0].value)).toEqual(Array.from({ length: 11 }, (_, k) => 9000 + 9 + k));
    expect(rows.map((r) => r[1].value)).toEqual(Array.from({ length: 11 }, (_, k) => 9 + k));
    const tail = bufferRows(pg, entry(249, 0, 2, 0));
    expect(tail.length).toBe(2);
    expect(tail[0].map((d) => d.tag)).toEqual([Tag.Unsigned, Tag.DoubleLongUnsigned, Tag.DoubleLongUnsigned]);
    expect(tail[0][0].value).toBe(0x80);
    expect(bufferRows(pg, entry(251, 0, 1, 0)).length).toBe(0);
    expect(bufferRows(pg).length).toBe(250);
    expect(pg.get(2, ctx, entry(5, 4, 1, 0))).toEqual({ ok: false, error: DataAccessResult.otherReason });
    expect(pg.get(2, ctx, entry(1, 2, 1, 5))).toEqual({ ok: false, error: DataAccessResult.otherReason });
    expect(pg.get(2, ctx, { selector: 2, parameters: { tag: Tag.Unsigned, value: 1 } })).toEqual({ ok: false, error: DataAccessResult.typeUnmatched });
    expect(pg.get(2, ctx, { selector: 3, parameters: { tag: Tag.NullData, value: null } })).toEqual({ ok: false, error: DataAccessResult.otherReason });
  });

  it("a buffer read stays well formed while captures, compaction and collection go on underneath", () => {
    const flash = new SimFlash(withSectors(ESP32_NOR, 4));
    const log = new LogStore(flash);
    const store = new ProfileStore(log, { stream: 0, columns: ["cumulative"], periodS: 900, capacity: 600, chunkRows: 32 });
    log.mount();
    let reg = 0;
    const pg = new ProfileGeneric({
      logicalName: Obis.of(1, 0, 99, 1, 0, 255),
      store,
      timeBase: fixedTime(0),
      columns: [
        { definition: CLOCK_TIME, kind: "time" },
        { definition: AP_DEF, kind: "stored", column: 0, tag: Tag.DoubleLongUnsigned, read: () => ({ tag: Tag.DoubleLongUnsigned, value: reg }) },
      ],
    });
    const t0 = Date.UTC(2025, 0, 1);
    let n = 0;
    const capture = () => {
      reg += 100 + (n % 17);
      pg.capture(t0 + n++ * 15 * MIN);
    };
    for (let i = 0; i < 600; i++) capture();
    const r = pg.get(2, ctx);
    if (!r.ok) throw new Error("get");
    const s = r.value as EncodedStream;
    const parts: number[] = [];
    const collectionsBefore = log.stats().collections;
    for (let b = s.next(300); b; b = s.next(300)) {
      parts.push(...b);
      for (let i = 0; i < 40; i++) capture();
    }
    expect(log.stats().collections).toBeGreaterThan(collectionsBefore);
    const rows = decodeData(Uint8Array.from(parts)).value as Data[];
    expect(rows.length).toBe(600);
    // Rows are real rows in order until the FIFO overtook the reader; after that only null-filled placeholders.
    let prev = -1;
    let real = 0;
    for (const row of rows) {
      const v = (row.value as Data[])[1];
      if (v.tag === Tag.NullData) continue;
      expect(v.value as number).toBeGreaterThan(prev);
      prev = v.value as number;
      real++;
    }
    expect(real).toBeGreaterThan(0);
  });

  it("attributes, reset and capture methods, access selectors", () => {
    const { pg, regs } = build({ deviation: 0 });
    const val = (a: number) => {
      const r = pg.get(a, ctx);
      if (!r.ok) throw new Error(`attribute ${a}`);
      return r.value as Data;
    };
    // capture_objects: the clock's time first, encoded as dlms-cosem encodes a capture_object_definition
    // (tests/test_xdlms/test_selective_access.py:19), then status and the two energy columns.
    const columns = val(3).value as Data[];
    expect(columns.length).toBe(4);
    expect(toHex(encodeData(columns[0]))).toBe(toHex(dlmsVector("test_xdlms/test_selective_access.py", 19)));
    expect(columns.map((c) => ((c.value as Data[])[1].value as Uint8Array)[2])).toEqual([1, 96, 1, 2]);
    expect(val(4)).toEqual({ tag: Tag.DoubleLongUnsigned, value: 900 });
    expect(val(5)).toEqual({ tag: Tag.Enum, value: 1 });
    expect(val(8)).toEqual({ tag: Tag.DoubleLongUnsigned, value: 5000 });
    regs.a = 5;
    expect(pg.action(2, { tag: Tag.Integer, value: 0 }, { ...ctx, nowUtcMs: Date.UTC(2025, 0, 1) }).result).toBe(0);
    expect(val(7)).toEqual({ tag: Tag.DoubleLongUnsigned, value: 1 });
    expect(pg.action(1, { tag: Tag.Integer, value: 0 }, ctx).result).toBe(0);
    expect(val(7)).toEqual({ tag: Tag.DoubleLongUnsigned, value: 0 });
    expect(pg.action(2, undefined, ctx).result).toBe(12);
    expect(pg.action(3, { tag: Tag.Integer, value: 0 }, ctx).result).toBe(4);
    expect(pg.set(5, { tag: Tag.Enum, value: 1 }, ctx)).toBe(0);
    expect(pg.set(5, { tag: Tag.Enum, value: 3 }, ctx)).toBe(DataAccessResult.otherReason);
    expect(pg.set(3, val(3), ctx)).toBe(DataAccessResult.readWriteDenied);
    expect(pg.get(9, ctx)).toEqual({ ok: false, error: DataAccessResult.objectUndefined });
    expect(selectorsOf(pg, 2)).toEqual([1, 2]);
    expect(selectorsOf(pg, 3)).toEqual([]);
  });
});
