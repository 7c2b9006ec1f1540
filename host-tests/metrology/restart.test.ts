import { describe, expect, it } from "vitest";
import { defaultAde7953Calibration } from "../../hal/drivers/ade7953.js";
import { defaultAtm90e32Calibration } from "../../hal/drivers/atm90e32.js";
import { Qty } from "../../src/metrology/accumulators.js";
import { MetrologyService } from "../../src/metrology/service.js";
import { MemoryKeyValueStore } from "../../src/persistence.js";
import { H, RecordingSink, adeRig, e32Rig } from "../../bench/rigs/metrology.js";

/**
 * A firmware restart without a power loss (watchdog, software update, crash):
 * the chip keeps metering, the firmware's RAM is gone. The driver drains the
 * chip before resetting it, so only what RAM held beyond the last persist can
 * be lost; a restart that persists first (an orderly reboot) loses nothing.
 */
for (const kind of ["atm90e32", "ade7953"] as const) {
  describe(`firmware restart with the ${kind} still metering`, () => {
    const build = () => {
      const rig = kind === "atm90e32" ? e32Rig() : adeRig();
      const store = new MemoryKeyValueStore();
      const start = () => {
        const ic = kind === "atm90e32" ? rig.driver() : rig.driver({ energyMode: "read-reset" });
        const svc = new MetrologyService({
          ic,
          store,
          events: new RecordingSink(),
          rtc: rig.time,
          defaultCalibration: kind === "atm90e32" ? defaultAtm90e32Calibration() : defaultAde7953Calibration(),
          config: { persistEnergyWh: 50 },
        });
        return { ic, svc };
      };
      return { rig, start };
    };
    const lsb = kind === "atm90e32" ? 0.003125 : 1 / (154 * 154);
    const truth = (rig: ReturnType<typeof build>["rig"]) => rig.scenario.energy(0, rig.time.t).totalImportWh;

    it("orderly reboot (persist, then restart): nothing lost, nothing twice", () => {
      const { rig, start } = build();
      let m = start();
      for (let k = 0; k < 37; k++) {
        rig.time.t += 13000;
        m.svc.tick();
      }
      rig.time.t += 7000; // energy only the chip holds
      m.svc.persist();
      m.ic.close();
      m = start();
      for (let k = 0; k < 20; k++) {
        rig.time.t += 13000;
        m.svc.tick();
      }
      const lost = truth(rig) - m.svc.energy(0, Qty.importActive);
      expect(lost).toBeGreaterThanOrEqual(0);
      expect(lost).toBeLessThan(lsb + 1e-9);
    });

    it("watchdog restart (no persist): loses less than persistEnergyWh of RAM, never the chip's share, never counts twice", () => {
      const { rig, start } = build();
      let m = start();
      for (let k = 0; k < 0.5 * H / 13000; k++) {
        rig.time.t += 13000;
        m.svc.tick();
      }
      rig.time.t += 9000;
      m.ic.close();
      m = start();
      rig.time.t += 13000;
      m.svc.tick();
      const lost = truth(rig) - m.svc.energy(0, Qty.importActive);
      expect(lost).toBeGreaterThanOrEqual(0);
      expect(lost).toBeLessThan(50 + lsb);
    });
  });
}

describe("persistence policy", () => {
  it("persists on the energy threshold and on the period, and keeps the period after the clock is set back", () => {
    const rig = e32Rig();
    let utcOffset = 0;
    const rtc = { nowUtcMs: () => rig.time.nowUtcMs() + utcOffset };
    const svc = new MetrologyService({ ic: rig.driver(), store: new MemoryKeyValueStore(), events: new RecordingSink(), rtc, defaultCalibration: defaultAtm90e32Calibration(), config: { persistEnergyWh: 100, persistPeriodMs: 15 * 60000 } });
    // 5520 W: 100 Wh on the total register every 65.2 s.
    for (let k = 0; k < 10; k++) {
      rig.time.t += 10000;
      svc.tick();
    }
    expect(svc.persistCount).toBe(1);
    const idle = e32Rig([{ fromMs: 0, toMs: 10 * H, phases: 7, set: { iRms: 0 } }]);
    const quiet = new MetrologyService({ ic: idle.driver(), store: new MemoryKeyValueStore(), events: new RecordingSink(), rtc: { nowUtcMs: () => idle.time.nowUtcMs() + utcOffset }, defaultCalibration: defaultAtm90e32Calibration() });
    for (let k = 0; k < 6; k++) {
      idle.time.t += 5 * 60000;
      quiet.tick();
    }
    expect(quiet.persistCount).toBe(2); // at 15 and 30 min
    utcOffset = -H; // clock set back one hour
    for (let k = 0; k < 3; k++) {
      idle.time.t += 5 * 60000;
      quiet.tick();
    }
    expect(quiet.persistCount).toBe(2);
    for (let k = 0; k < 3; k++) {
      idle.time.t += 5 * 60000;
      quiet.tick();
    }
    expect(quiet.persistCount).toBe(3); // 15 min after the setting, not 60 + 15
  });
});
