import { describe, expect, it } from "vitest";
import { decodeData, Tag, type Data } from "../../src/cosem/axdr.js";
import { dateTimeToBytes } from "../../src/cosem/datetime.js";
import type { EncodedStream } from "../../src/cosem/interface-class.js";
import { toHex } from "../../src/util/bytes.js";
import { SimBoard } from "../../scripts/simulator/board.js";

/**
 * The load profile's buffer as the real meter streams it (rows written
 * straight into the block buffer, the calendar date computed once per local
 * day): every time stamp is the meter clock's own date-time of that instant
 * (deviation and DST status included) across the spring DST switch, an
 * outage gap and midnights, and the values and status are the stored ones,
 * whatever the block size the server pulls with.
 */
const T0 = Date.UTC(2026, 0, 14, 9, 0);
const Q = 900_000;

describe("profile buffer stream", () => {
  it("time stamps follow the meter clock over the DST switch, a gap and midnights; values and status as stored", () => {
    const board = new SimBoard({ startUtcMs: T0 });
    const meter = board.boot();
    const lp = meter.loadProfile!;
    lp.store.reset();
    // 2026-03-28 00:00 UTC to 2026-03-30: the EU switch is 2026-03-29 01:00 UTC. A 2 h gap on the 28th.
    const rows: { utcMs: number; status: number; values: number[] }[] = [];
    const v = [1_000_000, 2_000, 300_000, 4];
    for (let t = Date.UTC(2026, 2, 28); t < Date.UTC(2026, 2, 30); t += Q) {
      if (t >= Date.UTC(2026, 2, 28, 10) && t < Date.UTC(2026, 2, 28, 12)) continue;
      v[0] += 37;
      v[1] += t % 7;
      v[2] += 1000;
      v[3] += 1;
      const status = t === Date.UTC(2026, 2, 28, 12) ? 0x80 : 0;
      lp.store.append(t, status, v);
      rows.push({ utcMs: t, status, values: v.slice() });
    }
    for (const block of [37, 256, 1000]) {
      const r = lp.get(2, { role: "management", clientSap: 1, nowUtcMs: meter.clock.now() });
      if (!r.ok) throw new Error(`get failed ${r.error}`);
      const stream = r.value as EncodedStream;
      const parts: number[] = [];
      for (let chunk = stream.next(block); chunk; chunk = stream.next(block)) {
        expect(chunk.length).toBeLessThanOrEqual(block);
        for (const x of chunk) parts.push(x);
      }
      const d = decodeData(Uint8Array.from(parts));
      expect(d.tag).toBe(Tag.Array);
      const got = (d.value as Data[]).map((row) => row.value as Data[]);
      expect(got.length).toBe(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const want = rows[i];
        const row = got[i];
        expect(toHex(row[0].value as Uint8Array)).toBe(toHex(dateTimeToBytes(meter.clock.dateTimeAt(want.utcMs))));
        expect(row[1]).toEqual({ tag: Tag.Unsigned, value: want.status });
        expect(row.slice(2).map((x) => x.value)).toEqual(want.values);
      }
    }
    // The switch is in the data: deviation -60 before, -120 after.
    expect(meter.clock.deviationAt(Date.UTC(2026, 2, 29, 0, 45))).toBe(-60);
    expect(meter.clock.deviationAt(Date.UTC(2026, 2, 29, 1, 0))).toBe(-120);
  });
});
