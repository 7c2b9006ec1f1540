/**
 * Damage loses only the damaged rows (issue 14): a profile chunk lost in the
 * middle of the stream leaves a hole, and every row on either side of it is
 * kept and readable. Blue Book view of the hole: entries_in_use counts the
 * rows that exist, entry_descriptor positions count existing rows in order
 * (so they run on across the hole), range_descriptor simply finds no row in
 * the hole's time span.
 */
import { describe, expect, it } from "vitest";
import { ESP32_NOR, NRF52840_INTERNAL, SimFlash, withSectors } from "../../hal/sim/flash.js";
import type { FlashGeometry } from "../../hal/flash.js";
import { Tag, decodeData, type Data } from "../../src/cosem/axdr.js";
import { dateTimeFromUtcMs, dateTimeToBytes } from "../../src/cosem/datetime.js";
import type { AccessContext, EncodedStream } from "../../src/cosem/interface-class.js";
import { Obis } from "../../src/cosem/obis.js";
import { ProfileGeneric, definitionData } from "../../src/cosem/classes/profile-generic.js";
import { CLOCK_TIME, type ProfileColumn } from "../../src/storage/profile.js";
import { LogStore } from "../../src/storage/log-store.js";
import { ProfileStore, type ProfileRow } from "../../src/storage/profile-store.js";

const ctx: AccessContext = { role: "reader", clientSap: 1, nowUtcMs: 0 };
const T0 = Date.UTC(2026, 0, 1);
const AP_DEF = { classId: 3, logicalName: Obis.of(1, 0, 1, 8, 0, 255), attributeIndex: 2, dataIndex: 0 };

function open(flash: SimFlash) {
  const log = new LogStore(flash);
  const store = new ProfileStore(log, { stream: 0, columns: ["cumulative"], periodS: 900, capacity: 5000, chunkRows: 96 });
  log.mount();
  const columns: ProfileColumn[] = [
    { definition: CLOCK_TIME, kind: "time" },
    { definition: AP_DEF, kind: "stored", column: 0, tag: Tag.DoubleLongUnsigned },
  ];
  const pg = new ProfileGeneric({
    logicalName: Obis.of(1, 0, 99, 1, 0, 255),
    store,
    columns,
    timeBase: { dateTimeAt: (utcMs: number) => dateTimeFromUtcMs(utcMs, 0, 0), deviationAt: () => 0 },
  });
  return { log, store, pg };
}

function append(store: ProfileStore, from: number, n: number): void {
  for (let e = from; e < from + n; e++) store.append(T0 + (e - 1) * 900_000, 0, [e * 7]);
}

function all(store: ProfileStore): ProfileRow[] {
  return [...store.rows(1, store.lastEntry)];
}

/** Flips one bit in the middle of the stored record of `rows` (found by its exact body bytes, whatever the geometry). */
function damageRecord(image: Uint8Array, store: ProfileStore, rows: ProfileRow[], required = true): void {
  const body = store.encode(rows);
  let at = -1;
  for (let p = 0; p + body.length <= image.length && at < 0; p++) {
    let k = 0;
    while (k < body.length && image[p + k] === body[k]) k++;
    if (k === body.length) at = p;
  }
  if (!required && at < 0) return;
  expect(at, "the record's body is in the image").toBeGreaterThanOrEqual(0);
  image[at + (body.length >> 1)] ^= 0x04;
}

function values(pg: ProfileGeneric, selection?: { selector: number; parameters: Data }): number[] {
  const r = pg.get(2, ctx, selection);
  if (!r.ok) throw new Error(`get failed ${r.error}`);
  const s = r.value as unknown as EncodedStream;
  const parts: number[] = [];
  for (let b = s.next(256); b; b = s.next(256)) parts.push(...b);
  const d = decodeData(Uint8Array.from(parts));
  return (d.value as Data[]).map((row) => ((row.value as Data[])[1].value as number));
}

function byEntry(from: number, to: number): { selector: number; parameters: Data } {
  return {
    selector: 2,
    parameters: { tag: Tag.Structure, value: [{ tag: Tag.DoubleLongUnsigned, value: from }, { tag: Tag.DoubleLongUnsigned, value: to }, { tag: Tag.LongUnsigned, value: 1 }, { tag: Tag.LongUnsigned, value: 0 }] },
  };
}

function byRange(fromMs: number, toMs: number): { selector: number; parameters: Data } {
  const dt = (ms: number): Data => ({ tag: Tag.OctetString, value: dateTimeToBytes(dateTimeFromUtcMs(ms, 0, 0)) });
  return { selector: 1, parameters: { tag: Tag.Structure, value: [definitionData(CLOCK_TIME), dt(fromMs), dt(toMs), { tag: Tag.Array, value: [] }] } };
}

const GEOMETRIES: [string, FlashGeometry][] = [
  ["ESP32 NOR", withSectors(ESP32_NOR, 16)],
  ["nRF52840", withSectors(NRF52840_INTERNAL, 16)],
];

describe("a chunk lost in the middle of a profile", () => {
  for (const [name, g] of GEOMETRIES) {
    it(`${name}: every undamaged row is kept, read by entry and by range across the hole`, () => {
      const flash = new SimFlash(g);
      const a = open(flash);
      append(a.store, 1, 5 * 96 + 20); // five compacted days and 20 one-row records
      const before = all(a.store);
      expect(before.length).toBe(500);
      const image = flash.exportImage();
      // Day 3 (entries 193..288): its chunk, and the one-row records it replaced where they are not collected yet
      // (they would otherwise bring the rows back, as they do for a chunk torn by a power cut).
      damageRecord(image, a.store, before.slice(192, 288));
      for (const r of before.slice(192, 288)) damageRecord(image, a.store, [r], false);

      const flash2 = new SimFlash(g, image);
      const b = open(flash2);
      expect(b.log.damaged).toBeGreaterThan(0);
      expect(b.store.missing).toEqual([{ from: 193, to: 288 }]);
      const kept = before.filter((r) => r.entryNo < 193 || r.entryNo > 288);
      expect(all(b.store)).toEqual(kept);
      expect(b.store.entriesInUse).toBe(404);
      expect(b.pg.get(7, ctx)).toEqual({ ok: true, value: { tag: Tag.DoubleLongUnsigned, value: 404 } });
      // The whole buffer: 404 rows, as announced.
      expect(values(b.pg)).toEqual(kept.map((r) => r.values[0]));
      // By entry: positions count rows that exist, so 191..194 are entries 191, 192, 289, 290.
      expect(values(b.pg, byEntry(191, 194))).toEqual([191, 192, 289, 290].map((e) => e * 7));
      expect(values(b.pg, byEntry(400, 0))).toEqual([496, 497, 498, 499, 500].map((e) => e * 7));
      expect(values(b.pg, byEntry(403, 410))).toEqual([499, 500].map((e) => e * 7));
      // By range: nothing in the hole's day, both sides around it.
      expect(values(b.pg, byRange(T0 + 192 * 900_000, T0 + 287 * 900_000))).toEqual([]);
      expect(values(b.pg, byRange(T0 + 190 * 900_000, T0 + 289 * 900_000))).toEqual([191, 192, 289, 290].map((e) => e * 7));

      // Captures go on: the day in progress is compacted as usual, the hole stays where it was, across restarts.
      append(b.store, 501, 100);
      const c = open(flash2);
      const now = all(c.store);
      expect(now.length).toBe(504);
      expect(now.slice(0, 404)).toEqual(kept);
      expect(now.slice(404).map((r) => r.entryNo)).toEqual(Array.from({ length: 100 }, (_, i) => 501 + i));
      expect(c.store.missing).toEqual([{ from: 193, to: 288 }]);
      expect(c.store.entriesInUse).toBe(504);
    });

    it(`${name}: a lost one-row record of the day in progress: the rows after it are compacted on, the ones before stay single`, () => {
      const flash = new SimFlash(g);
      const a = open(flash);
      append(a.store, 1, 5 * 96 + 20); // rows 481..500 are one-row records, pending compaction
      const before = all(a.store);
      const image = flash.exportImage();
      damageRecord(image, a.store, [before[489]]); // entry 490
      const flash2 = new SimFlash(g, image);
      const b = open(flash2);
      expect(b.store.missing).toEqual([{ from: 490, to: 490 }]);
      expect(all(b.store)).toEqual(before.filter((r) => r.entryNo !== 490));
      // The day goes on: the contiguous run after the hole (491..) fills a chunk of 96 rows at entry 586.
      append(b.store, 501, 96);
      const c = open(flash2);
      const rows = all(c.store);
      expect(rows.map((r) => r.entryNo)).toEqual(Array.from({ length: 596 }, (_, i) => i + 1).filter((e) => e !== 490));
      expect(rows.every((r) => r.values[0] === r.entryNo * 7)).toBe(true);
      expect(c.store.entriesInUse).toBe(595);
      // Chunk records: 5 days, 9 single rows before the hole, the chunk 491..586, then 10 single rows.
      const items = (c.store as unknown as { items: { first: number; count: number }[] }).items;
      expect(items.map((it) => it.count)).toEqual([96, 96, 96, 96, 96, ...new Array<number>(9).fill(1), 96, ...new Array<number>(10).fill(1)]);
    });
  }
});
