/**
 * Benchmark operations of the metrology area, on the SPI rigs the metrology
 * tests use (bench/rigs/metrology.ts; proved by
 * host-tests/metrology/bench-ops.test.ts). One operation = one metrology tick:
 * one second of simulated load, the driver's sample() over the simulated SPI
 * bus (every register read of a tick) and the service's accumulate, quality,
 * averages, demand and persistence check. Runs on XS: no Node APIs.
 */
import type { BenchOp } from "../op.js";
import { defaultAde7953Calibration } from "../../hal/drivers/ade7953.js";
import { defaultAtm90e32Calibration } from "../../hal/drivers/atm90e32.js";
import { MetrologyService } from "../../src/metrology/service.js";
import { MemoryKeyValueStore } from "../../src/persistence.js";
import { RecordingSink, adeRig, e32Rig } from "../rigs/metrology.js";

export interface TickState {
  advance(): void;
  svc: MetrologyService;
  transactions(): number;
}

function e32State(): TickState {
  const rig = e32Rig();
  const svc = new MetrologyService({ ic: rig.driver(), store: new MemoryKeyValueStore(), events: new RecordingSink(), rtc: rig.time, defaultCalibration: defaultAtm90e32Calibration() });
  return { advance: () => (rig.time.t += 1000), svc, transactions: () => rig.bus.stats(5).transactions };
}

function adeState(): TickState {
  const rig = adeRig();
  const svc = new MetrologyService({ ic: rig.driver(), store: new MemoryKeyValueStore(), events: new RecordingSink(), rtc: rig.time, defaultCalibration: defaultAde7953Calibration() });
  return { advance: () => (rig.time.t += 1000), svc, transactions: () => rig.bus.stats(5).transactions };
}

export const metrologyTickAtm90e32: BenchOp<TickState> = {
  name: "metrology.tick.atm90e32",
  notes: "one 1 s tick: ATM90E32 sample over simulated SPI (58 SPI transactions) + accumulate",
  setup: e32State,
  run(s) {
    s.advance();
    s.svc.tick();
  },
};

export const metrologyTickAde7953: BenchOp<TickState> = {
  name: "metrology.tick.ade7953",
  notes: "one 1 s tick: ADE7953 sample over simulated SPI (25 SPI transactions) + accumulate",
  setup: adeState,
  run(s) {
    s.advance();
    s.svc.tick();
  },
};

export const metrologyPowerFailAtm90e32: BenchOp<TickState> = {
  name: "metrology.powerfail.atm90e32",
  notes: "power-fail path: drain 20 ATM90E32 energy registers + persist the energy record",
  setup: e32State,
  run(s) {
    s.advance();
    s.svc.powerFail();
  },
};

export const metrologyPowerFailAde7953: BenchOp<TickState> = {
  name: "metrology.powerfail.ade7953",
  notes: "power-fail path: drain 6 ADE7953 energy registers + persist the energy record",
  setup: adeState,
  run(s) {
    s.advance();
    s.svc.powerFail();
  },
};
