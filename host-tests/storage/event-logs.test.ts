import { describe, expect, it } from "vitest";
import { ESP32_NOR, SimFlash, withSectors } from "../../hal/sim/flash.js";
import { SimCrypto } from "../../hal/sim/crypto.js";
import { Tag, decodeData, type Data } from "../../src/cosem/axdr.js";
import { dateTimeFromUtcMs } from "../../src/cosem/datetime.js";
import type { EncodedStream } from "../../src/cosem/interface-class.js";
import { LogStore } from "../../src/storage/log-store.js";
import { EventLogSink } from "../../src/storage/event-logs.js";
import { ProfileGeneric } from "../../src/cosem/classes/profile-generic.js";
import { crc32 } from "../../src/storage/crc32.js";
import type { EventLogId } from "../../src/events.js";

const crypto = new SimCrypto();
const T0 = Date.UTC(2025, 2, 1, 12);

function mount(flash: SimFlash) {
  const log = new LogStore(flash);
  const sink = new EventLogSink(log, crypto);
  log.mount();
  return { log, sink };
}

function withEvents(n: number) {
  const flash = new SimFlash(withSectors(ESP32_NOR, 8));
  const { sink } = mount(flash);
  for (let i = 0; i < n; i++) sink.record({ log: i % 3 === 0 ? "fraud" : "standard", code: 40 + (i % 7), utcMs: T0 + i * 61000, value: i % 5 === 0 ? -60 : i });
  return flash;
}

/**
 * The attacker of these tests knows the record format (ESP32: header 7,
 * body, CRC-32, commit byte) and rewrites a record with a valid CRC, as
 * someone with a flash programmer could. Only the hash chain can tell.
 */
function rewriteRecords(image: Uint8Array, edit: (type: number, body: Uint8Array) => { type: number; body: Uint8Array } | undefined): number {
  let edits = 0;
  for (let s = 0; s < image.length / 4096; s++) {
    let p = s * 4096 + 20;
    while (p + 12 <= (s + 1) * 4096 && image[p] !== 0xff) {
      const len = (image[p + 1] << 8) | image[p + 2];
      const body = image.slice(p + 7, p + 7 + len);
      const out = edit(image[p], body);
      if (out && out.body.length === len) {
        image[p] = out.type;
        image.set(out.body, p + 7);
        const c = crc32(image, p, p + 7 + len);
        image.set([c >>> 24, (c >>> 16) & 0xff, (c >>> 8) & 0xff, c & 0xff], p + 7 + len);
        edits++;
      }
      p += 7 + len + 4 + 1;
    }
  }
  return edits;
}

describe("hash-chained event logs", () => {
  it("records events, survives a reboot, and the chain verifies and continues", () => {
    const flash = withEvents(40);
    const { sink } = mount(flash);
    expect(sink.store("standard").entriesInUse).toBe(26);
    expect(sink.store("fraud").entriesInUse).toBe(14);
    for (const r of sink.verifyAll()) expect(r.ok).toBe(true);
    sink.record({ log: "standard", code: 99, utcMs: T0 + 86400000 });
    const again = mount(flash).sink;
    const rep = again.verify("standard");
    expect(rep).toEqual({ log: "standard", ok: true, checked: 27, alteredAt: undefined, removed: [] });
  });

  it("an altered entry is reported at its entry number", () => {
    const flash = withEvents(10);
    const image = flash.exportImage();
    const probe = mount(flash).sink.store("standard");
    // Entry 3 of the standard log gets another event code (a one-row record: fewer than 16 events).
    const edits = rewriteRecords(image, (type, body) => {
      if (type !== 16 + 2 * 8) return undefined;
      const rows = probe.decode(body);
      if (rows.length !== 1 || rows[0].entryNo !== 3) return undefined;
      const forged = probe.encode([{ ...rows[0], values: [rows[0].values[0] + 1, ...rows[0].values.slice(1)] }]);
      return forged.length === body.length ? { type, body: forged } : undefined;
    });
    expect(edits).toBe(1);
    const { sink } = mount(new SimFlash(flash.geometry, image));
    const rep = sink.verify("standard");
    expect(rep.ok).toBe(false);
    expect(rep.alteredAt).toBe(3);
    expect(sink.verify("fraud").ok).toBe(true);
  });

  it("a removed entry is reported as missing", () => {
    const flash = withEvents(10);
    const image = flash.exportImage();
    const probe = mount(flash).sink.store("standard");
    const edits = rewriteRecords(image, (type, body) => {
      if (type !== 16 + 2 * 8) return undefined;
      return probe.decode(body)[0].entryNo === 4 ? { type: 0x7e, body } : undefined; // record made unreadable for the profile
    });
    expect(edits).toBe(1);
    const rep = mount(new SimFlash(flash.geometry, image)).sink.verify("standard");
    expect(rep.ok).toBe(false);
    expect(rep.removed).toEqual([{ from: 4, to: 4 }]);
  });

  it("the COSEM event logs show time and event code (power failure also its duration)", () => {
    const flash = new SimFlash(withSectors(ESP32_NOR, 8));
    const { sink } = mount(flash);
    const events: [EventLogId, number, number][] = [
      ["standard", 6, 0],
      ["power-failure", 12, 3600],
      ["disconnector", 59, 0],
    ];
    events.forEach(([log, code, value], i) => sink.record({ log, code, utcMs: T0 + i * 1000, value }));
    const time = { dateTimeAt: (t: number) => dateTimeFromUtcMs(t, -60, 0), deviationAt: () => -60 };
    const pgs = sink.profiles().map((p) => new ProfileGeneric({ ...p, timeBase: time }));
    expect(pgs.map((p) => p.logicalName.toString())).toContain("0-0:99.97.0*255");
    const pf = pgs.find((p) => p.logicalName.toString() === "0-0:99.97.0*255");
    const r = pf?.get(2, { role: "reader", clientSap: 1, nowUtcMs: 0 });
    if (!r || !r.ok) throw new Error("buffer");
    const s = r.value as EncodedStream;
    const bytes: number[] = [];
    for (let b = s.next(64); b; b = s.next(64)) bytes.push(...b);
    const rows = decodeData(Uint8Array.from(bytes)).value as Data[];
    expect(rows.length).toBe(1);
    const row = rows[0].value as Data[];
    expect(row.map((d) => d.tag)).toEqual([Tag.OctetString, Tag.LongUnsigned, Tag.DoubleLongUnsigned]);
    expect(row[1].value).toBe(12);
    expect(row[2].value).toBe(3600);
  });
});
