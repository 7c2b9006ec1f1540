import { describe, expect, it } from "vitest";
import { SimDigitalIn } from "../../hal/sim/digital.js";
import { LoadScenario, type LoadEvent } from "../../hal/sim/load-scenario.js";
import { ATM90E32_RESET_WAIT_MS, defaultAtm90e32Calibration } from "../../hal/drivers/atm90e32.js";
import { MetrologyEvent as E } from "../../src/metrology/event-codes.js";
import { MetrologyService } from "../../src/metrology/service.js";
import { MemoryKeyValueStore } from "../../src/persistence.js";
import { NOMINAL, RecordingSink, START_UTC, e32Rig } from "../../bench/rigs/metrology.js";

const MIN = 60000;

function meter(events: LoadEvent[], tamper?: ConstructorParameters<typeof MetrologyService>[0]["tamper"], store = new MemoryKeyValueStore()) {
  const rig = e32Rig(events, NOMINAL);
  const sink = new RecordingSink();
  const ic = rig.driver({ maxCurrent: 60 });
  const svc = new MetrologyService({ ic, store, events: sink, rtc: rig.time, defaultCalibration: defaultAtm90e32Calibration(), tamper, config: { quality: { nominalVoltage: 230, sagFraction: 0.1, swellFraction: 0.1, missingFraction: 0.4, overCurrentA: 15, reverseW: 5 } } });
  const run = (toMs: number, step = 10000) => {
    while (rig.time.t < toMs) {
      rig.time.t = Math.min(toMs, rig.time.t + step);
      svc.tick();
    }
  };
  return { rig, sink, svc, run, ic, store };
}

const at = (ms: number) => START_UTC + ms;

describe("supply quality events with durations (IDIS power quality codes)", () => {
  it("sag, swell, phase loss, reverse flow and over-current each start and end with their duration", () => {
    const m = meter([
      LoadScenario.voltage(0, 2 * MIN, 5 * MIN, 0.8), // L1 sag 184 V for 3 min
      LoadScenario.voltage(1, 10 * MIN, 11 * MIN, 1.15), // L2 swell 264.5 V for 1 min
      LoadScenario.phaseLoss(2, 20 * MIN, 22 * MIN), // L3 lost for 2 min
      LoadScenario.reverse(1, 30 * MIN, 34 * MIN), // L1 exports for 4 min
      { fromMs: 40 * MIN, toMs: 41 * MIN, phases: 2, set: { iRms: 20 } }, // L2 over-current
    ]);
    m.run(50 * MIN);
    const pq = m.sink.events.filter((e) => e.log === "power-quality").map((e) => [e.code, e.utcMs - START_UTC, e.value]);
    expect(pq).toEqual([
      [E.underVoltage(0), 2 * MIN, undefined],
      [E.voltageNormal(0), 5 * MIN, 180],
      [E.overVoltage(1), 10 * MIN, undefined],
      [E.voltageNormal(1), 11 * MIN, 60],
      [E.missingVoltage(2), 20 * MIN, undefined],
      [E.voltageNormal(2), 22 * MIN, 120],
      [E.currentReversal, 30 * MIN, 1],
      [E.currentReversalEnd, 34 * MIN, 240],
      [E.overCurrent(1), 40 * MIN, undefined],
      [E.overCurrentEnd(1), 41 * MIN, 60],
    ]);
    expect(m.svc.quality.voltageStats[0][1]).toEqual({ count: 1, totalS: 180 });
    expect(m.svc.quality.reverseStats).toEqual({ count: 1, totalS: 240 });
    // Export during the reversal is billed as export, the reactive energy in quadrant II.
    expect(m.svc.energy(1, 1)).toBeCloseTo((2300 * 4) / 60, 1);
  });

  it("an outage is a power down and a power up with its duration, in the power-failure log", () => {
    const store = new MemoryKeyValueStore();
    const m = meter([LoadScenario.outage(5 * MIN, 12 * MIN)], undefined, store);
    m.run(5 * MIN);
    m.svc.powerFail();
    m.ic.close();
    m.rig.time.t = 12 * MIN;
    const ic2 = m.rig.driver();
    new MetrologyService({ ic: ic2, store, events: m.sink, rtc: m.rig.time, defaultCalibration: defaultAtm90e32Calibration() });
    expect(m.sink.events.filter((e) => e.log === "power-failure").map((e) => [e.code, e.utcMs, e.value])).toEqual([
      [E.powerDown, at(5 * MIN), undefined],
      // Stamped once the chip is up: the driver waited its reset time after the supply returned.
      [E.powerUp, at(12 * MIN + ATM90E32_RESET_WAIT_MS), 420],
    ]);
    // A further restart (watchdog) does not report the same outage again.
    ic2.close();
    m.rig.time.t += MIN;
    new MetrologyService({ ic: m.rig.driver(), store, events: m.sink, rtc: m.rig.time, defaultCalibration: defaultAtm90e32Calibration() });
    expect(m.sink.codes("power-failure")).toEqual([E.powerDown, E.powerUp]);
  });
});

describe("tamper inputs through the digital HAL (IDIS fraud codes)", () => {
  it("cover and magnetic field edges are recorded when they happen, and a change while off at the next start", () => {
    const terminal = new SimDigitalIn(0);
    const cover = new SimDigitalIn(0);
    const magnet = new SimDigitalIn(0);
    const store = new MemoryKeyValueStore();
    const m = meter([], { terminalCover: terminal, meterCover: cover, magneticField: magnet }, store);
    m.run(MIN);
    terminal.set(1);
    m.run(2 * MIN);
    magnet.set(1);
    magnet.set(0);
    terminal.set(0);
    expect(m.sink.events.filter((e) => e.log === "fraud").map((e) => [e.code, e.utcMs])).toEqual([
      [E.terminalCoverRemoved, at(MIN)],
      [E.strongDcFieldDetected, at(2 * MIN)],
      [E.noStrongDcField, at(2 * MIN)],
      [E.terminalCoverClosed, at(2 * MIN)],
    ]);
    // Opened while the meter was off: seen at start-up; unchanged inputs are not re-reported.
    m.ic.close();
    // The next firmware instance has its own pins; the cover was opened in between.
    const pins = { terminalCover: new SimDigitalIn(0), meterCover: new SimDigitalIn(1), magneticField: new SimDigitalIn(0) };
    const sink2 = new RecordingSink();
    new MetrologyService({ ic: m.rig.driver(), store, events: sink2, rtc: m.rig.time, defaultCalibration: defaultAtm90e32Calibration(), tamper: pins });
    expect(sink2.codes("fraud")).toEqual([E.meterCoverRemoved]);
  });
});

