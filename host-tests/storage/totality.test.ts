import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ESP32_NOR, NRF52840_INTERNAL, SimFlash, SimRandom, withSectors } from "../../hal/sim/flash.js";
import { SimCrypto } from "../../hal/sim/crypto.js";
import { Tag, decodeData, type Data } from "../../src/cosem/axdr.js";
import { dateTimeFromUtcMs } from "../../src/cosem/datetime.js";
import type { EncodedStream } from "../../src/cosem/interface-class.js";
import { Obis } from "../../src/cosem/obis.js";
import { ProfileGeneric, definitionData } from "../../src/cosem/classes/profile-generic.js";
import { CLOCK_TIME } from "../../src/storage/profile.js";
import { LogStore } from "../../src/storage/log-store.js";
import { LogKeyValueStore } from "../../src/storage/kv-store.js";
import { ProfileStore } from "../../src/storage/profile-store.js";
import { EventLogSink } from "../../src/storage/event-logs.js";
import { DecodeError } from "../../src/util/errors.js";
import { runtime } from "../support/report.js";

/**
 * Decoders are total: whatever bytes flash or a client hands over, the
 * storage code gives a value or a typed error (DecodeError, a
 * DataAccessResult), never another exception and never a hang.
 */

const runs = runtime === "node" ? 300 : 30;
const crypto = new SimCrypto();

function stores(flash: SimFlash) {
  const log = new LogStore(flash);
  const kv = new LogKeyValueStore(log);
  const lp = new ProfileStore(log, { stream: 0, columns: ["cumulative", "value"], periodS: 900, capacity: 500, chunkRows: 8 });
  const ev = new EventLogSink(log, crypto);
  log.mount();
  return { log, kv, lp, ev };
}

function filled(nrf: boolean): SimFlash {
  const flash = new SimFlash(withSectors(nrf ? NRF52840_INTERNAL : ESP32_NOR, 4));
  const s = stores(flash);
  for (let i = 0; i < 150; i++) {
    s.lp.append(Date.UTC(2025, 0, 1) + i * 900000, i % 9 === 0 ? 0x80 : 0, [i * 37, -i]);
    if (i % 3 === 0) s.kv.put(`k${i % 5}`, new Uint8Array([i]));
    if (i % 10 === 0) s.ev.record({ log: "standard", code: i, utcMs: Date.UTC(2025, 0, 1) + i * 1000 });
  }
  return flash;
}

describe("storage totality", () => {
  it("the profile chunk decoder gives rows or a DecodeError for any bytes", () => {
    const lp = stores(new SimFlash(withSectors(ESP32_NOR, 3))).lp;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        try {
          const rows = lp.decode(b);
          return rows.length >= 1 && rows.length <= b.length;
        } catch (e) {
          return e instanceof DecodeError;
        }
      }),
      { numRuns: runs * 5 },
    );
  });

  it("a write unit that starts with a zero byte but is not all zero ends the scan (regression: it once looped forever)", () => {
    const flash = new SimFlash(withSectors(NRF52840_INTERNAL, 3));
    const first = stores(flash);
    first.kv.put("a", new Uint8Array([1]));
    const next = 20 + first.log.span(3); // the record above sits at byte 20 of the first sector opened
    const sector = [0, 1, 2].find((s) => flash.read(s * 4096 + 20, 1)[0] === 1) as number;
    flash.write(sector * 4096 + next, new Uint8Array([0x00, 0x12, 0x34, 0x56]));
    const again = stores(flash);
    expect(again.kv.get("a")?.[0]).toBe(1);
    again.kv.put("b", new Uint8Array([2]));
    expect(stores(flash).kv.get("b")?.[0]).toBe(2);
  });

  it("mount, reads and new writes survive any damage to a flash image", () => {
    const base = [filled(false), filled(true)];
    fc.assert(
      fc.property(fc.boolean(), fc.integer({ min: 1, max: 0xffffffff }), fc.integer({ min: 1, max: 400 }), (nrf, seed, hits) => {
        const src = base[nrf ? 1 : 0];
        const img = src.exportImage();
        const r = new SimRandom(seed);
        for (let i = 0; i < hits; i++) {
          const at = r.below(img.length);
          img[at] = r.below(3) === 0 ? 0xff : img[at] ^ (1 << r.below(8));
        }
        const s = stores(new SimFlash(src.geometry, img));
        let n = 0;
        for (const _ of s.lp.rows(s.lp.firstEntry, s.lp.lastEntry)) n++;
        for (const _ of s.lp.rowsInTime(0, Date.UTC(2030, 0, 1))) n++;
        s.ev.verifyAll();
        s.kv.get("k1");
        s.lp.append(Date.UTC(2026, 0, 1), 0, [1, 2]);
        s.kv.put("after", new Uint8Array([1]));
        return n >= 0 && stores(new SimFlash(src.geometry, (s.log.flash as SimFlash).exportImage())).kv.get("after")?.[0] === 1;
      }),
      { numRuns: runs },
    );
  });

  it("Profile Generic answers any selective-access parameters with a result, and its stream always decodes", () => {
    const flash = new SimFlash(withSectors(ESP32_NOR, 4));
    const log = new LogStore(flash);
    const store = new ProfileStore(log, { stream: 0, columns: ["cumulative"], periodS: 900, capacity: 500, chunkRows: 8 });
    log.mount();
    const pg = new ProfileGeneric({
      logicalName: Obis.of(1, 0, 99, 1, 0, 255),
      store,
      timeBase: { dateTimeAt: (t) => dateTimeFromUtcMs(t, -60, 0), deviationAt: () => -60 },
      columns: [
        { definition: CLOCK_TIME, kind: "time" },
        { definition: { classId: 3, logicalName: Obis.of(1, 0, 1, 8, 0, 255), attributeIndex: 2, dataIndex: 0 }, kind: "stored", column: 0, tag: Tag.DoubleLongUnsigned },
      ],
    });
    for (let i = 0; i < 40; i++) store.append(Date.UTC(2025, 0, 1) + i * 900000, 0, [i * 10]);
    const leaf = fc.oneof(
      fc.record({ tag: fc.constant(Tag.DoubleLongUnsigned), value: fc.nat({ max: 0xffffffff }) }),
      fc.record({ tag: fc.constant(Tag.LongUnsigned), value: fc.nat({ max: 0xffff }) }),
      fc.record({ tag: fc.constant(Tag.OctetString), value: fc.uint8Array({ minLength: 0, maxLength: 13 }) }),
      fc.constant(definitionData(CLOCK_TIME)),
      fc.constant({ tag: Tag.NullData, value: null }),
    ) as fc.Arbitrary<Data>;
    const params = fc.oneof(leaf, fc.array(leaf, { maxLength: 5 }).map((v) => ({ tag: Tag.Structure, value: v }) as Data));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 }), params, (selector, parameters) => {
        const r = pg.get(2, { role: "reader", clientSap: 1, nowUtcMs: 0 }, { selector, parameters });
        if (!r.ok) return typeof r.error === "number";
        const s = r.value as EncodedStream;
        const bytes: number[] = [];
        for (let b = s.next(100); b; b = s.next(100)) bytes.push(...b);
        return decodeData(Uint8Array.from(bytes)).tag === Tag.Array;
      }),
      { numRuns: runs * 3 },
    );
    expect(store.entriesInUse).toBe(40);
  });
});
