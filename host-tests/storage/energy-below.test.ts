/**
 * Energy registers never come back below the last value stored before
 * damage without an event saying so (issue 14): every copy of the energy
 * records (metrology's totals and the rate registers) is damaged in the
 * flash image, so an older copy or nothing comes back; the meter then logs
 * event 248 in the standard log with the Wh missing against the newest
 * load-profile capture. Without damage no such event is logged.
 */
import { describe, expect, it } from "vitest";
import { ESP32_NOR, NRF52840_INTERNAL, SimFlash } from "../../hal/sim/flash.js";
import type { FlashGeometry } from "../../hal/flash.js";
import { SimBoard } from "../../scripts/simulator/board.js";
import { StorageEventCode } from "../../src/storage/health.js";
import { ENERGY_KEY } from "../../src/metrology/service.js";
import { KEY_ENERGY } from "../../src/meter/persistence.js";
import type { ProfileStore } from "../../src/storage/profile-store.js";
import type { Meter } from "../../src/meter/meter.js";

const GEOMETRIES: [string, FlashGeometry][] = [
  ["ESP32 NOR", { ...ESP32_NOR, sectorCount: 64 }],
  ["nRF52840", { ...NRF52840_INTERNAL, sectorCount: 64 }],
];

/** Flips one bit in the value of every KV record of `key` (its CRC then fails): every stored copy is damaged. */
function damageKey(im: Uint8Array, key: string): number {
  const k = Array.from(key, (c) => c.charCodeAt(0));
  let n = 0;
  for (let p = 0; p + k.length + 2 < im.length; p++) {
    if (im[p] !== k.length) continue;
    let match = true;
    for (let i = 0; i < k.length && match; i++) if (im[p + 1 + i] !== k[i]) match = false;
    if (!match) continue;
    im[p + 1 + k.length] ^= 0x01;
    n++;
  }
  return n;
}

function lastCapture(m: Meter): number {
  const s = (m.loadProfile as unknown as { store: ProfileStore }).store;
  return s.last()?.values[0] ?? 0;
}

describe("energy below the last stored value", () => {
  for (const [name, g] of GEOMETRIES) {
    it(`${name}: comes back only with event 248 giving the Wh missing; never without damage`, () => {
      const flash = new SimFlash(g);
      const board = new SimBoard({ startUtcMs: Date.UTC(2026, 5, 1), flash });
      let meter = board.boot({ tickMs: 900_000 });
      board.clock.advance(2 * 86_400_000);
      const stored = lastCapture(meter);
      expect(stored).toBeGreaterThan(1000);
      // A clean restart: the registers come back at (or above) the last capture, no event.
      meter = board.restart("software");
      expect(Math.floor(meter.rateSum(1))).toBeGreaterThanOrEqual(stored);
      expect(meter.events.recent().some((e) => e.code === StorageEventCode.energyBelowStored)).toBe(false);
      board.clock.advance(900_000);
      const before = lastCapture(meter);
      meter.stop();

      const image = flash.exportImage();
      expect(damageKey(image, ENERGY_KEY)).toBeGreaterThan(0);
      expect(damageKey(image, KEY_ENERGY)).toBeGreaterThan(0);
      const b2 = new SimBoard({ startUtcMs: Date.UTC(2026, 5, 3, 1), flash: new SimFlash(g, image) });
      meter = b2.boot({ tickMs: 900_000 });
      const now = meter.rateSum(1);
      expect(now).toBeLessThan(before);
      const e = meter.events.recent().find((x) => x.code === StorageEventCode.energyBelowStored);
      expect(e, "event 248").toBeDefined();
      expect(e!.log).toBe("standard");
      expect(e!.value).toBe(before - Math.floor(now % 1e9));
      expect(meter.health.damage).toBeGreaterThan(0);
    });
  }
});
