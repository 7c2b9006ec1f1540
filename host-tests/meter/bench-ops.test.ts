import { describe, expect, it } from "vitest";
import { meterBoot, meterStatusLine, meterTick } from "../../bench/ops/meter.js";

describe("meter bench operations do what their names say", () => {
  it("meter.tick moves one second of energy into the registers", () => {
    const s = meterTick.setup();
    const before = s.meter.status();
    meterTick.run(s);
    const after = s.meter.status();
    expect(after.utcMs - before.utcMs).toBe(1000);
    expect(after.importWh).toBeGreaterThan(before.importWh);
  });

  it("meter.boot builds a new firmware instance over the same flash", () => {
    const s = meterBoot.setup();
    const old = s.meter;
    const energy = old.status().importWh;
    meterBoot.run(s);
    expect(s.meter).not.toBe(old);
    expect(s.meter.restored).toBe(true);
    expect(s.meter.catalog.entries.length).toBe(old.catalog.entries.length);
    expect(s.meter.status().importWh).toBeLessThanOrEqual(energy);
  });

  it("meter.status reads the snapshot", () => {
    const s = meterStatusLine.setup();
    meterStatusLine.run(s);
    expect(s.meter.status().tariff).toBeGreaterThan(0);
  });
});
