import { describe, expect, it } from "vitest";
import { ESP32_NOR, NRF52840_INTERNAL, PowerLoss, SimFlash, withSectors } from "../../hal/sim/flash.js";

describe("simulated flash", () => {
  it("programming only clears bits; erase sets the sector to 0xFF and counts", () => {
    const f = new SimFlash(withSectors(ESP32_NOR, 4));
    f.write(10, new Uint8Array([0xf0]));
    f.write(10, new Uint8Array([0x3c]));
    expect(f.read(10, 1)[0]).toBe(0x30);
    f.eraseSector(0);
    expect(f.read(10, 1)[0]).toBe(0xff);
    expect(f.eraseCounts[0]).toBe(1);
    expect(f.eraseCounts[1]).toBe(0);
    expect(f.bytesWritten).toBe(2);
    expect(f.bytesRead).toBe(2);
    expect(f.maxWritesPerUnit).toBe(2);
  });

  it("nRF52840 geometry refuses writes that are not whole aligned words", () => {
    const f = new SimFlash(withSectors(NRF52840_INTERNAL, 4));
    expect(() => f.write(2, new Uint8Array(4))).toThrow(RangeError);
    expect(() => f.write(4, new Uint8Array(3))).toThrow(RangeError);
    f.write(4, new Uint8Array([1, 2, 3, 4]));
    expect(Array.from(f.read(4, 4))).toEqual([1, 2, 3, 4]);
    expect(NRF52840_INTERNAL.ratedEraseCycles).toBe(10000);
  });

  it("a torn program leaves a programmed prefix, then nothing newer than the cut unit; later calls throw until power-on", () => {
    let sawPartial = false;
    for (let seed = 1; seed <= 200; seed++) {
      const f = new SimFlash(withSectors(NRF52840_INTERNAL, 4));
      const data = new Uint8Array(64).fill(0x00);
      f.cutAt(0, seed);
      expect(() => f.write(0, data)).toThrow(PowerLoss);
      expect(() => f.read(0, 4)).toThrow(PowerLoss);
      f.powerOn();
      const got = f.read(0, 64);
      let k = 0;
      while (k < 64 && got[k] === 0) k++;
      const unit = Math.floor(k / 4) * 4;
      for (let i = unit + 4; i < 64; i++) expect(got[i]).toBe(0xff);
      if (got.subarray(unit, unit + 4).some((b) => b !== 0 && b !== 0xff)) sawPartial = true;
    }
    expect(sawPartial).toBe(true);
  });

  it("a torn erase leaves a mixture of old bytes, 0xFF and partly erased bytes", () => {
    let mixed = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const f = new SimFlash(withSectors(ESP32_NOR, 4));
      f.write(4096, new Uint8Array(4096).fill(0x00));
      f.cutAt(0, seed);
      expect(() => f.eraseSector(1)).toThrow(PowerLoss);
      f.powerOn();
      const s = f.read(4096, 4096);
      const ff = s.filter((b) => b === 0xff).length;
      const old = s.filter((b) => b === 0).length;
      if (ff > 0 && old > 0 && ff + old < 4096) mixed++;
    }
    expect(mixed).toBeGreaterThan(10);
  });

  it("exports and imports its image; clone forks image and counters", () => {
    const f = new SimFlash(withSectors(ESP32_NOR, 4));
    f.write(100, new Uint8Array([1, 2, 3]));
    f.eraseSector(3);
    const g = new SimFlash(f.geometry, f.exportImage(), f.eraseCounts);
    expect(Array.from(g.read(100, 3))).toEqual([1, 2, 3]);
    expect(g.eraseCounts[3]).toBe(1);
    const c = f.clone();
    c.write(200, new Uint8Array([0]));
    expect(f.read(200, 1)[0]).toBe(0xff);
    expect(() => new SimFlash(f.geometry, new Uint8Array(10))).toThrow(RangeError);
  });
});
