/**
 * Random valid values for every attribute of the meter that a client may
 * write, per class (the settings property test and the settings bench
 * figure). Values stay inside what the Blue Book allows and what the meter's
 * objects accept (script references name the meter's own script tables,
 * register assignments its own registers), so a refusal is a finding.
 */
import fc from "fast-check";
import { Tag, encodeData, type Data } from "../../src/cosem/axdr.js";
import { arr, bool, dateOs, dateTimeOs, en, i8, i16, os, st, timeOs, u8, u16, u32 } from "../../src/cosem/axdr-helpers.js";
import { DEVIATION_NOT_SPECIFIED, NOT_SPECIFIED, type DateTime } from "../../src/cosem/datetime.js";
import { AttributeAccess, ROLES, canWrite, type ObjectEntry } from "../../src/cosem/interface-class.js";
import { Obis } from "../../src/cosem/obis.js";
import { bytesEqual } from "../../src/util/bytes.js";
import * as ln from "../../src/meter/obis-codes.js";
import type { Meter } from "../../src/meter/meter.js";
import type { AccessContext } from "../../src/cosem/interface-class.js";
import { toHex } from "../../src/util/bytes.js";
import { SimBoard } from "../../scripts/simulator/board.js";
import { SimFlash } from "../../hal/sim/flash.js";
import { board as esp32 } from "../../boards/esp32-atm90e32/board.js";

export type Values = Map<number, Data>;

/** Writable attributes of a row (any role), ascending. */
export function writableAttributes(e: ObjectEntry): number[] {
  const out: number[] = [];
  for (let a = 2; a <= e.object.attributeCount; a++) if (ROLES.some((r) => canWrite(e.rights[r]?.attributes[a - 1]))) out.push(a);
  return out;
}

/** Write-only attributes (no role may read them: IEC passwords): written, never read back. */
export function writeOnly(e: ObjectEntry, a: number): boolean {
  return ROLES.every((r) => {
    const x = e.rights[r]?.attributes[a - 1];
    return x === undefined || x === AttributeAccess.none || x === AttributeAccess.write || x === AttributeAccess.authenticatedWrite;
  });
}

/**
 * Writable attributes that are not settings by design, with the reason; the
 * test checks the catalog agrees, so a new exception cannot slip in.
 */
export const NOT_SETTINGS: Record<string, string> = {
  "8:2": "the time itself lives in the RTC",
  "6:4": "the active mask is the calendar's to set at every tariff switch",
};

/** Writable attributes whose only valid value is the current one (written with it, nothing to change). */
export const SINGLE_VALUED: Record<string, string> = {
  "7:5": "sort_method: the profiles are FIFO only",
  "41:2": "the listening TCP port is fixed on this meter",
  "19:2": "default_mode: mode E only",
  "19:3": "default_baud: 300 only",
};

/**
 * Writable attributes that acknowledge rather than store: a write to an alarm
 * register or descriptor clears the bits written as 1 (src/alarm), so what
 * reads back is not what was written, and the bits follow events (a power-up
 * after a cut raises one). host-tests/alarm covers them.
 */
export const ACKNOWLEDGED: Record<string, string> = Object.fromEntries(
  [ln.ALARM_REGISTER_1, ln.ALARM_REGISTER_2, ln.ALARM_DESCRIPTOR_1, ln.ALARM_DESCRIPTOR_2].map((o) => [o.toString(), "a write clears alarm bits"]),
);

const scriptTables = [ln.TARIFF_SCRIPTS, ln.BILLING_SCRIPTS, ln.DISCONNECT_SCRIPTS];
const registers = [1, 2, 3, 4].map((t) => Obis.of(1, 0, 1, 8, t, 255));

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const name = fc.uint8Array({ minLength: 1, maxLength: 8 }).map((b) => Uint8Array.from(b, (x) => 0x41 + (x % 26)));
const scriptLn = fc.constantFrom(...scriptTables).map((o) => o.toBytes());
const scriptRef = fc.tuple(scriptLn, fc.integer({ min: 1, max: 4 })).map(([l, s]) => st([os(l), u16(s)]));
const time = fc.record({ hour: fc.integer({ min: 0, max: 23 }), minute: fc.integer({ min: 0, max: 59 }), second: fc.constant(0), hundredths: fc.constant(0) });
const date = fc.record({ year: fc.constant(0xffff), month: fc.integer({ min: 1, max: 12 }), day: fc.integer({ min: 1, max: 28 }), dayOfWeek: fc.constant(NOT_SPECIFIED) });
const dateTime: fc.Arbitrary<DateTime> = fc
  .record({
    year: fc.integer({ min: 2027, max: 2099 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 28 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    deviation: fc.constantFrom(DEVIATION_NOT_SPECIFIED, -60, -120, 0),
  })
  .map((d) => ({ ...d, dayOfWeek: NOT_SPECIFIED, second: 0, hundredths: 0, status: 0 }));
const dstPattern = fc.record({ month: fc.integer({ min: 1, max: 12 }), hour: fc.integer({ min: 0, max: 23 }) }).map(
  (d): DateTime => ({ year: 0xffff, month: d.month, day: 0xfe, dayOfWeek: 7, hour: d.hour, minute: 0, second: 0, hundredths: 0, deviation: DEVIATION_NOT_SPECIFIED, status: NOT_SPECIFIED }),
);

/** Calibration limits per field (1.0.128.p.f, f = 1 + index in CALIBRATION_FIELDS), as the energy IC accepts them. */
function calibration(field: number): fc.Arbitrary<Data> {
  if (field <= 2) return fc.integer({ min: 1, max: 0xffff }).map((v) => ({ tag: Tag.DoubleLong, value: v }));
  if (field === 3) return fc.integer({ min: 0, max: 0xff }).map((v) => ({ tag: Tag.DoubleLong, value: v }));
  return fc.integer({ min: -0x8000, max: 0x7fff }).map((v) => ({ tag: Tag.DoubleLong, value: v }));
}

type Gen = Record<number, fc.Arbitrary<Data>>;

function byClass(e: ObjectEntry): Gen | fc.Arbitrary<Values> | undefined {
  const o = e.object;
  switch (o.classId) {
    case 1:
      // Alarm filters (0-0:97.98.10/11.255): any mask.
      return o.logicalName.c === 97 && o.logicalName.d === 98 ? { 2: fc.integer({ min: 0, max: 0xffffffff }).map(u32) } : undefined;
    case 8:
      return {
        3: fc.integer({ min: -48, max: 48 }).map((x) => i16(x * 15)),
        5: dstPattern.map(dateTimeOs),
        6: dstPattern.map(dateTimeOs),
        7: fc.integer({ min: -120, max: 120 }).map(i8),
        8: fc.boolean().map(bool),
      };
    case 5:
      return { 8: fc.constantFrom(60, 300, 600, 900, 1800, 3600).map(u32), 9: fc.integer({ min: 1, max: 15 }).map(u16) };
    case 21:
      return {
        2: fc.array(fc.integer({ min: 0, max: 100000 }), { minLength: 1, maxLength: 4 }).map((t) => arr(t.map(u32))),
        4: fc.array(fc.tuple(scriptRef, scriptRef), { minLength: 1, maxLength: 4 }).map((a) => arr(a.map(([u, d]) => st([u, d])))),
      };
    case 3:
      return o.logicalName.c === 128 ? { 2: calibration(o.logicalName.e) } : undefined;
    case 20: {
      const day = fc.record({ id: fc.integer({ min: 1, max: 4 }), actions: fc.array(fc.tuple(time, scriptLn, fc.integer({ min: 1, max: 4 })), { minLength: 1, maxLength: 4 }) });
      return {
        6: name.map(os),
        7: fc.array(fc.tuple(name, date, name), { minLength: 1, maxLength: 3 }).map((s) =>
          arr(s.map(([n, d, w]) => st([os(n), dateTimeOs({ ...d, hour: 0, minute: 0, second: 0, hundredths: 0, deviation: DEVIATION_NOT_SPECIFIED, status: NOT_SPECIFIED }), os(w)]))),
        ),
        8: fc.array(fc.tuple(name, fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 7, maxLength: 7 })), { minLength: 1, maxLength: 3 }).map((w) => arr(w.map(([n, d]) => st([os(n), ...d.map(u8)])))),
        9: fc.array(day, { minLength: 1, maxLength: 3 }).map((d) => arr(d.map((x) => st([u8(x.id), arr(x.actions.map(([t, l, s]) => st([timeOs(t), os(l), u16(s)])))])))),
        10: dateTime.map(dateTimeOs),
      };
    }
    case 11:
      return {
        2: fc.array(fc.tuple(fc.integer({ min: 0, max: 100 }), date, fc.integer({ min: 1, max: 4 })), { minLength: 1, maxLength: 5 }).map((a) => arr(a.map(([i, d, id]) => st([u16(i), dateOs(d), u8(id)])))),
      };
    case 6:
      // The masks refer to the assignment by index, so both come from one draw.
      return fc
        .tuple(fc.array(fc.constantFrom(...registers), { minLength: 1, maxLength: 4 }), fc.array(fc.tuple(name, fc.array(fc.nat(), { minLength: 1, maxLength: 3 })), { minLength: 1, maxLength: 3 }))
        .map(([regs, masks]) => {
          const v: Values = new Map();
          v.set(2, arr(regs.map((r) => st([u16(3), os(r.toBytes())]))));
          v.set(3, arr(masks.map(([n, idx]) => st([os(n), arr(idx.map((i) => u8(1 + (i % regs.length))))]))));
          return v;
        });
    case 9:
      return o.logicalName.equals(ln.GLOBAL_METER_RESET)
        ? undefined
        : {
            2: fc
              .array(
                fc.tuple(
                  fc.integer({ min: 1, max: 10 }),
                  fc.array(fc.tuple(fc.constantFrom(1, 2), fc.constantFrom(ln.REGISTER_ACTIVATION, ln.DISCONNECT_CONTROL, ln.BILLING_PROFILE), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 9 })), {
                    minLength: 1,
                    maxLength: 3,
                  }),
                ),
                { minLength: 1, maxLength: 4 },
              )
              .map((scripts) =>
                arr(scripts.map(([id, actions]) => st([u16(id), arr(actions.map(([s, l, i, p]) => st([en(s), u16(l.equals(ln.REGISTER_ACTIVATION) ? 6 : l.equals(ln.BILLING_PROFILE) ? 7 : 70), os(l.toBytes()), i8(i), i8(p)])))]))),
              ),
          };
    case 22:
      return fc.tuple(scriptRef, fc.integer({ min: 1, max: 5 }), fc.array(fc.tuple(time, date), { minLength: 1, maxLength: 3 })).map(([ref, type, times]) => {
        const v: Values = new Map();
        v.set(2, ref);
        v.set(3, en(type));
        v.set(4, arr((type === 1 ? times.slice(0, 1) : times).map(([t, d]) => st([timeOs(t), dateOs(d)]))));
        return v;
      });
    case 71:
      return {
        2: fc.constantFrom(Obis.of(1, 0, 1, 7, 0, 255), Obis.of(1, 0, 2, 7, 0, 255)).map((m) => st([u16(3), os(m.toBytes()), i8(2)])),
        4: fc.integer({ min: 100, max: 100000 }).map(u32),
        5: fc.integer({ min: 100, max: 100000 }).map(u32),
        6: fc.integer({ min: 1, max: 3600 }).map(u32),
        7: fc.integer({ min: 1, max: 3600 }).map(u32),
        8: fc.tuple(fc.integer({ min: 1, max: 0xffff }), dateTime, fc.integer({ min: 60, max: 86400 })).map(([id, at, d]) => st([u16(id), dateTimeOs(at), u32(d)])),
        9: fc.array(fc.integer({ min: 1, max: 0xffff }), { minLength: 1, maxLength: 4 }).map((g) => arr(g.map(u16))),
        11: fc.tuple(scriptRef, scriptRef).map(([a, b]) => st([a, b])),
      };
    case 40: {
      const element = fc.tuple(fc.constantFrom(1, 3, 7, 8, 40), fc.constantFrom(ln.CLOCK, ln.LOGICAL_DEVICE_NAME, ln.ENERGY_IMPORT_TOTAL), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 2 }));
      const windowTime = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) =>
        os(Uint8Array.of(0xff, 0xff, NOT_SPECIFIED, NOT_SPECIFIED, NOT_SPECIFIED, h, m, 0, 0, 0x80, 0, NOT_SPECIFIED)),
      );
      const host = fc.array(fc.constantFrom(..."abcxyz0123456789."), { minLength: 1, maxLength: 20 }).map((c) => c.join(""));
      return {
        2: fc.array(element, { maxLength: 4 }).map((list) => arr(list.map(([c, l, a, d]) => st([u16(c), os(l.toBytes()), i8(a), u16(d)])))),
        3: fc.tuple(host, fc.integer({ min: 1, max: 65535 })).map(([h, p]) => st([en(0), os(Uint8Array.from(`${h}:${p}`, (x) => x.charCodeAt(0))), en(0)])),
        4: fc.array(fc.tuple(windowTime, windowTime), { maxLength: 3 }).map((w) => arr(w.map(([a, b]) => st([a, b])))),
        5: fc.integer({ min: 0, max: 0xffff }).map(u16),
        6: fc.integer({ min: 0, max: 255 }).map(u8),
        7: fc.integer({ min: 0, max: 0xffff }).map(u16),
      };
    }
    case 70:
      return { 4: fc.integer({ min: 0, max: 6 }).map(en) };
    case 64:
      return { 4: bytes(8, 8).map(os) };
    case 19: {
      const address = fc.array(fc.constantFrom(..."0123456789ABCXYZabc xyz"), { minLength: 1, maxLength: 16 }).map((c) => os(Uint8Array.from(c.join(""), (x) => x.charCodeAt(0))));
      return {
        4: fc.integer({ min: 0, max: 6 }).map(en),
        5: fc.integer({ min: 0, max: 1 }).map(en),
        6: address,
        7: bytes(1, 32).map(os),
        8: bytes(1, 32).map(os),
        9: bytes(1, 32).map(os),
      };
    }
    case 23:
      return {
        2: fc.integer({ min: 0, max: 6 }).map(en),
        3: fc.integer({ min: 1, max: 7 }).map(u8),
        4: fc.integer({ min: 1, max: 7 }).map(u8),
        5: fc.integer({ min: 32, max: 2030 }).map(u16),
        6: fc.integer({ min: 32, max: 2030 }).map(u16),
        7: fc.integer({ min: 20, max: 6000 }).map(u16),
        8: fc.integer({ min: 1, max: 3600 }).map(u16),
        9: fc.integer({ min: 0x10, max: 0x3ffd }).map(u16),
      };
    case 41:
      return { 3: bytes(6, 6).map(os), 4: fc.integer({ min: 40, max: 1460 }).map(u16), 5: fc.integer({ min: 1, max: 8 }).map(u8), 6: fc.integer({ min: 1, max: 3600 }).map(u16) };
    default:
      return undefined;
  }
}

/**
 * An arbitrary of values for the writable attributes of a row, each one
 * different from its current (factory) value, or undefined when the class
 * has no generator (the test fails on that: a new writable attribute needs
 * one). `current` gives the encoded current value of an attribute.
 */
export function valuesFor(e: ObjectEntry, current: (attribute: number) => Uint8Array | undefined): fc.Arbitrary<Values> | undefined {
  const g = byClass(e);
  if (!g) return undefined;
  const differs = (a: number, v: Data) => {
    const c = current(a);
    return c === undefined || !bytesEqual(c, encodeData(v));
  };
  if (g instanceof fc.Arbitrary) return g.filter((v) => [...v].every(([a, d]) => differs(a, d)));
  const attrs = Object.keys(g).map(Number);
  return fc.tuple(...attrs.map((a) => g[a].filter((d) => differs(a, d)))).map((vs) => new Map(attrs.map((a, i) => [a, vs[i]])));
}

export interface Write {
  readonly obis: Obis;
  readonly attribute: number;
  readonly value: Data;
}

const ctx = (m: Meter): AccessContext => ({ role: "management", clientSap: 1, nowUtcMs: m.clock.now() });
export const attributeId = (e: ObjectEntry, a: number) => `${e.object.classId}:${a}`;
const id = attributeId;

/** What a client reads back of every writable, readable setting, in catalog order. */
export function snapshot(m: Meter): string {
  const out: string[] = [];
  for (const e of m.catalog.entries) {
    for (const a of writableAttributes(e)) {
      if (writeOnly(e, a) || NOT_SETTINGS[id(e, a)] || ACKNOWLEDGED[e.object.logicalName.toString()]) continue;
      const r = e.object.get(a, ctx(m));
      out.push(`${e.object.logicalName.toString()}:${a}=${r.ok && !("kind" in r.value) ? toHex(encodeData(r.value)) : `error ${r.ok ? "stream" : r.error}`}`);
    }
  }
  return out.join("\n");
}

export function write(m: Meter, w: Write): number {
  return m.catalog.find(w.obis)!.object.set(w.attribute, w.value, ctx(m));
}

/** Writes of every writable attribute with a random valid value different from the factory one, in catalog order. */
export function plan(m: Meter): { arbitrary: fc.Arbitrary<Write[]>; missing: string[]; count: number } {
  const parts: fc.Arbitrary<Write[]>[] = [];
  const missing: string[] = [];
  let count = 0;
  for (const e of m.catalog.entries) {
    if (ACKNOWLEDGED[e.object.logicalName.toString()]) continue;
    const attrs = writableAttributes(e).filter((a) => !NOT_SETTINGS[id(e, a)] && !SINGLE_VALUED[id(e, a)]);
    if (attrs.length === 0) continue;
    const current = (a: number) => {
      const r = e.object.get(a, ctx(m));
      return r.ok && !("kind" in r.value) ? encodeData(r.value) : undefined;
    };
    const values = valuesFor(e, current);
    if (!values) {
      missing.push(`${e.object.logicalName.toString()} class ${e.object.classId} attributes ${attrs.join(",")}`);
      continue;
    }
    count += attrs.length;
    const obis = e.object.logicalName;
    parts.push(
      values.map((v) => {
        for (const a of attrs) if (!v.has(a)) missing.push(`${obis.toString()}:${a}`);
        return [...v].sort((x, y) => x[0] - y[0]).map(([attribute, value]) => ({ obis, attribute, value }));
      }),
    );
  }
  return { arbitrary: fc.tuple(...parts).map((p) => p.flat()), missing, count };
}


const FOOTPRINT_T0 = Date.UTC(2026, 0, 14, 5, 30);

/** The bench figure storage.settings.bytes (bench/ops/settings.ts): settings records' flash bytes and count after every writable attribute was written once (seeded values). */
export function settingsFootprint(seed = 1): { bytes: number; records: number; writes: number; flashWrites: number; restored: number } {
  const device = esp32.partitionMaps[0].devices[0];
  const storage = device.regions.find((r) => r.role === "storage")!;
  const flash = new SimFlash({ sectorSize: device.sectorSize, sectorCount: storage.size / device.sectorSize, writeSize: device.writeSize, ratedEraseCycles: device.ratedEraseCycles });
  const board = new SimBoard({ startUtcMs: FOOTPRINT_T0, flash });
  const m = board.boot();
  const [writes] = fc.sample(plan(m).arbitrary, { seed, numRuns: 1 });
  for (const w of writes) write(m, w);
  let bytes = 0;
  const stored = m.settings.stored();
  // One KV record: key length byte, key, value (LogKeyValueStore's body).
  for (const s of stored) bytes += m.log!.span(1 + s.key.length + s.record.length);
  const flashWrites = m.settings.writes;
  const restored = board.restart("software").settingsRestored.restored;
  return { bytes, records: stored.length, writes: writes.length, flashWrites, restored };
}

