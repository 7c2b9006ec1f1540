import { describe, expect, it } from "vitest";
import { defaultAtm90e32Calibration } from "../../hal/drivers/atm90e32.js";
import { LoadScenario } from "../../hal/sim/load-scenario.js";
import { Obis } from "../../src/cosem/obis.js";
import { Qty } from "../../src/metrology/accumulators.js";
import { MetrologyService } from "../../src/metrology/service.js";
import { MemoryKeyValueStore } from "../../src/persistence.js";
import { runtime } from "../support/report.js";
import { buildMeter } from "../tariff/fixture.js";
import { H, NOMINAL, RecordingSink, START_UTC, e32Rig } from "../../bench/rigs/metrology.js";

describe("metrology feeds the tariff engine (EnergyFeed)", () => {
  it("each tick's take() goes to engine.tick(): the TOU registers add up to the metrology totals, with reverse flow on export", () => {
    const rig = e32Rig([LoadScenario.reverse(7, 13 * H, 14 * H)], NOMINAL);
    const svc = new MetrologyService({ ic: rig.driver(), store: new MemoryKeyValueStore(), events: new RecordingSink(), rtc: rig.time, defaultCalibration: defaultAtm90e32Calibration() });
    const tariff = buildMeter(START_UTC);
    const step = runtime === "xs" ? 60000 : 20000;
    while (rig.time.t < 24 * H) {
      rig.time.t += step;
      tariff.rtc.t = rig.time.nowUtcMs();
      svc.tick();
      tariff.engine.tick(tariff.rtc.t, svc.take());
    }
    const tou = (c: number) => [1, 2, 3, 4].reduce((a, t) => a + tariff.bank.value(Obis.of(1, 0, c, 8, t, 255)), 0);
    expect(tou(1)).toBeCloseTo(svc.energy(0, Qty.importActive), 6);
    expect(tou(2)).toBeCloseTo(svc.energy(0, Qty.exportActive), 6);
    expect(tou(3)).toBeCloseTo(svc.energy(0, Qty.reactiveQ1) + svc.energy(0, Qty.reactiveQ2), 6);
    expect(tou(4)).toBeCloseTo(svc.energy(0, Qty.reactiveQ3) + svc.energy(0, Qty.reactiveQ4), 6);
    expect(svc.energy(0, Qty.exportActive)).toBeGreaterThan(6000); // one hour of 3 × 2300 W (phi 180°)
    // More than one tariff received energy (the calendar switched during the day).
    expect([1, 2, 3, 4].filter((t) => tariff.bank.value(Obis.of(1, 0, 1, 8, t, 255)) > 0).length).toBeGreaterThan(1);
  });
});
