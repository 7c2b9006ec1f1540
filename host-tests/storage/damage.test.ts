/**
 * Flash damage is detected, reported and contained (issue 14): a damaged
 * record loses only itself; after bit flips in used and free areas, erased
 * and zeroed sectors, truncated and extended images, on both geometries,
 * the whole meter starts, serves, reports the damage, never reuses a
 * transmit invocation counter and never closes a relay that was open.
 */
import { describe, expect, it } from "vitest";
import { ESP32_NOR, NRF52840_INTERNAL, SimFlash, SimRandom } from "../../hal/sim/flash.js";
import type { FlashGeometry } from "../../hal/flash.js";
import { LogStore } from "../../src/storage/log-store.js";
import { LogKeyValueStore } from "../../src/storage/kv-store.js";
import { SimBoard } from "../../scripts/simulator/board.js";
import { ControlState } from "../../src/relay/disconnect.js";
import { StorageEventCode } from "../../src/storage/health.js";
import { runtime } from "../support/report.js";
import type { ProfileStore } from "../../src/storage/profile-store.js";

const GEOMETRIES: [string, FlashGeometry][] = [
  ["ESP32 NOR", { ...ESP32_NOR, sectorCount: 64 }],
  ["nRF52840", { ...NRF52840_INTERNAL, sectorCount: 64 }],
];

describe("damage inside a sector", () => {
  for (const [name, g] of GEOMETRIES) {
    it(`${name}: a flipped bit loses only the record it hit, and is counted`, () => {
      const flash = new SimFlash({ ...g, sectorCount: 4 });
      const log = new LogStore(flash);
      const kv = new LogKeyValueStore(log);
      log.mount();
      for (let i = 0; i < 60; i++) kv.put(`k${i}`, Uint8Array.of(i, i, i, i));
      // The record of k30: find its key bytes in the image and flip one bit of its value.
      const image = flash.exportImage();
      const key = [1 + 2 + 0, 0x6b, 0x33, 0x30]; // length byte 3, "k30"
      let at = -1;
      for (let p = 0; p < image.length - 4 && at < 0; p++) if (image[p] === 3 && image[p + 1] === 0x6b && image[p + 2] === 0x33 && image[p + 3] === 0x30) at = p;
      expect(at).toBeGreaterThan(0);
      expect(key.length).toBe(4);
      image[at + 5] ^= 0x10;
      const damaged = new SimFlash(flash.geometry, image);
      const log2 = new LogStore(damaged);
      const kv2 = new LogKeyValueStore(log2);
      log2.mount();
      expect(log2.damaged).toBe(1);
      for (let i = 0; i < 60; i++) {
        if (i === 30) expect(kv2.get("k30")).toBeUndefined();
        else expect(Array.from(kv2.get(`k${i}`) ?? [])).toEqual([i, i, i, i]);
      }
    });
  }
});

type Damage = { name: string; usedArea: boolean; apply(image: Uint8Array, g: FlashGeometry, rnd: SimRandom, used: number[]): Uint8Array };

const DAMAGES: Damage[] = [
  { name: "4 bit flips in used sectors", usedArea: true, apply: (im, g, rnd, used) => flips(im, g, rnd, used, 4) },
  { name: "64 bit flips in used sectors", usedArea: true, apply: (im, g, rnd, used) => flips(im, g, rnd, used, 64) },
  { name: "1024 bit flips in used sectors", usedArea: true, apply: (im, g, rnd, used) => flips(im, g, rnd, used, 1024) },
  {
    name: "bit flips in the free area",
    usedArea: false,
    apply: (im, _g, rnd) => {
      // Blank bytes (0xFF) only: where nothing is stored yet.
      for (let n = 0; n < 32; ) {
        const p = rnd.below(im.length);
        if (im[p] === 0xff && isBlankAround(im, p)) {
          im[p] ^= 1 << rnd.below(8);
          n++;
        }
      }
      return im;
    },
  },
  { name: "a used sector erased", usedArea: true, apply: (im, g, rnd, used) => fill(im, g, used[rnd.below(used.length)], 0xff) },
  { name: "a used sector zeroed", usedArea: true, apply: (im, g, rnd, used) => fill(im, g, used[rnd.below(used.length)], 0x00) },
  { name: "truncated image (last 8 sectors blank)", usedArea: true, apply: (im, g) => { im.fill(0xff, im.length - 8 * g.sectorSize); return im; } },
  { name: "image of random bytes", usedArea: true, apply: (im, _g, rnd) => { for (let i = 0; i < im.length; i++) im[i] = rnd.below(256); return im; } },
];

describe("damage campaign on the whole meter", () => {
  for (const [name, g] of GEOMETRIES) {
    it(`${name}: starts, serves, reports, never reuses a counter, never closes an open relay`, () => {
      const damages = runtime === "xs" ? DAMAGES.filter((_, i) => i % 3 === 0) : DAMAGES;
      const rnd = new SimRandom(14);
      // A used meter: two days of captures, the relay disconnected remotely, ciphered traffic counted.
      const flash = new SimFlash(g);
      const board = new SimBoard({ startUtcMs: Date.UTC(2026, 2, 1), flash });
      let meter = board.boot({ tickMs: 900_000 });
      board.clock.advance(2 * 86_400_000);
      expect(meter.disconnect.trigger("remoteDisconnect").kind).toBe("transition");
      const setup = meter.dlms!.setups.management;
      for (let i = 0; i < 3000; i++) setup.tx.take();
      const usedTx = setup.tx.peek;
      meter.persist();
      board.clock.advance(900_000);
      const image = flash.exportImage();
      const used: number[] = [];
      for (let s = 0; s < g.sectorCount; s++) if (image[s * g.sectorSize + 12] !== 0xff) used.push(s);
      for (const d of damages) {
        const damagedImage = d.apply(image.slice(), g, rnd, used);
        const f2 = new SimFlash(g, damagedImage);
        const b2 = new SimBoard({ startUtcMs: Date.UTC(2026, 2, 3, 1), flash: f2 });
        meter = b2.boot({ tickMs: 900_000 });
        b2.clock.advance(3 * 900_000); // serves: ticks, captures, persists
        expect(meter.status().captures, d.name).toBeGreaterThan(0);
        const get = meter.catalog.entries.length;
        expect(get, d.name).toBeGreaterThan(100);
        // Never reuses a transmit invocation counter: above every value used, or refused (hands out none) where
        // damage to both areas (the main log and the load ring holding the second copy) took every copy.
        const tx = meter.dlms!.setups.management.tx;
        if (tx.refused) {
          expect(tx.take(), d.name).toBeUndefined();
          expect(meter.log!.damaged > 0 && meter.loadRing!.damaged > 0, d.name).toBe(true);
        } else expect(tx.peek, d.name).toBeGreaterThanOrEqual(usedTx);
        if (d.name.includes("random")) expect(tx.refused, d.name).toBe(true);
        // The relay that was open never closes because of the damage.
        expect(meter.disconnect.controlState, d.name).not.toBe(ControlState.connected);
        expect(b2.relay.level === 1 && meter.disconnect.outputState, d.name).toBe(false);
        // Erased sectors and a truncated image are found too (the partition is formatted: a blank sector is damage).
        if (d.usedArea) {
          expect(meter.health.damage, d.name).toBeGreaterThan(0);
          expect(meter.events.recent().some((e) => e.code === StorageEventCode.damage), d.name).toBe(true);
        }
        if (!d.usedArea) expect(meter.health.damage, d.name).toBe(0);
      }
    });
  }
});

describe("a load-profile chunk lost in the middle of the stream", () => {
  for (const [name, g] of GEOMETRIES) {
    it(`${name}: every undamaged row is kept, before and after the hole, and read across it by entry`, () => {
      const flash = new SimFlash(g);
      const board = new SimBoard({ startUtcMs: Date.UTC(2026, 2, 1), flash });
      const meter = board.boot({ tickMs: 900_000 });
      board.clock.advance(5 * 86_400_000 + 3 * 900_000);
      meter.persist();
      const store = (meter.loadProfile as unknown as { store: ProfileStore }).store;
      const before = [...store.rows(store.firstEntry, store.lastEntry)];
      expect(before.length).toBeGreaterThan(4 * 96);
      // Day 3's compacted chunk (in the load ring; its one-row records in the main log were collected or are
      // damaged too, else they would bring the rows back): one bit flipped in each, found by their exact bytes.
      const day = before.slice(2 * 96, 3 * 96);
      const image = flash.exportImage();
      expect(flipIn(image, store.encode(day)), "the chunk is stored").toBe(true);
      for (const r of day) flipIn(image, store.encode([r]));
      const b2 = new SimBoard({ startUtcMs: Date.UTC(2026, 2, 6, 1), flash: new SimFlash(g, image) });
      const m2 = b2.boot({ tickMs: 900_000 });
      const s2 = (m2.loadProfile as unknown as { store: ProfileStore }).store;
      const lost = new Set(day.map((r) => r.entryNo));
      const kept = before.filter((r) => !lost.has(r.entryNo));
      const after = [...s2.rows(s2.firstEntry, s2.lastEntry)].filter((r) => r.entryNo <= before[before.length - 1].entryNo);
      expect(after).toEqual(kept);
      expect(s2.missing).toEqual([{ from: day[0].entryNo, to: day[day.length - 1].entryNo }]);
      expect(m2.health.damage).toBeGreaterThan(0);
      // Blue Book view: entries_in_use counts the rows that exist; by-entry positions run on across the hole.
      expect(s2.entriesInUse).toBe(s2.lastEntry - s2.firstEntry + 1 - day.length);
      expect(s2.entryAt(2 * 96 + 1)).toBe(day[day.length - 1].entryNo + 1);
    });
  }
});

/** Flips one bit in the middle of the first place the bytes are stored; false when they are nowhere. */
function flipIn(im: Uint8Array, bytes: Uint8Array): boolean {
  for (let p = 0; p + bytes.length <= im.length; p++) {
    let k = 0;
    while (k < bytes.length && im[p + k] === bytes[k]) k++;
    if (k === bytes.length) {
      im[p + (bytes.length >> 1)] ^= 0x04;
      return true;
    }
  }
  return false;
}

function flips(im: Uint8Array, g: FlashGeometry, rnd: SimRandom, used: number[], n: number): Uint8Array {
  for (let i = 0; i < n; i++) {
    const s = used[rnd.below(used.length)];
    const p = s * g.sectorSize + rnd.below(g.sectorSize);
    im[p] ^= 1 << rnd.below(8);
  }
  return im;
}

function fill(im: Uint8Array, g: FlashGeometry, s: number, v: number): Uint8Array {
  im.fill(v, s * g.sectorSize, (s + 1) * g.sectorSize);
  return im;
}

function isBlankAround(im: Uint8Array, p: number): boolean {
  for (let i = Math.max(0, p - 64); i < Math.min(im.length, p + 64); i++) if (im[i] !== 0xff) return false;
  return true;
}
