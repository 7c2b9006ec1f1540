/**
 * The metrology rig the metrology tests and bench operations share: simulated time, a load scenario, the simulated SPI bus
 * with a chip on it, and the driver built the way a board builds it
 * ({sensor: {io, select, ...}}).
 */
import { Ade7953, type Ade7953Options } from "../../hal/drivers/ade7953.js";
import { ATM90E32_RESET_WAIT_MS, Atm90e32, type Atm90e32Options } from "../../hal/drivers/atm90e32.js";
import { SimAde7953 } from "../../hal/sim/ade7953.js";
import { SimAtm90e32 } from "../../hal/sim/atm90e32.js";
import { LoadScenario, type LoadEvent, type PhaseLoad } from "../../hal/sim/load-scenario.js";
import { SimSpiBus } from "../../hal/sim/spi-bus.js";

export const H = 3600000;
export const START_UTC = Date.UTC(2026, 0, 5, 0, 0, 0);

/** 230 V, 10 A, PF 0.8 lagging (current lags by acos 0.8 = 36.87°), 50 Hz. */
export const NOMINAL: PhaseLoad = { vRms: 230, iRms: 10, phiDeg: (Math.acos(0.8) * 180) / Math.PI, freqHz: 50 };

/** Monotonic simulated time the chips follow; UTC is START_UTC + monotonic. Also the drivers' blocking wait (hal/delay.ts): waiting moves it on. */
export class TestTime {
  wait(ms: number): void {
    this.t += ms;
  }
  t: number;
  /** `t0`: where time starts; the ATM90E32 rig starts its driver before instant 0 so that its reset wait ends there. */
  constructor(t0 = 0) {
    this.t = t0;
  }
  nowMs(): number {
    return this.t;
  }
  nowUtcMs(): number {
    return START_UTC + this.t;
  }
  setUtcMs(): void {}
  readonly valid = true;
}

export const CS = 5;

/**
 * Time starts ATM90E32_RESET_WAIT_MS before instant 0: the first driver's
 * start (soft reset, then the 6 ms wait) ends at 0, where the scenarios and
 * their analytic energy begin. A later start on a chip that lost its supply
 * waits again, and the load of those 6 ms is not metered, as on a board.
 */
export function e32Rig(events: LoadEvent[] = [], base: PhaseLoad | PhaseLoad[] = NOMINAL) {
  const time = new TestTime(-ATM90E32_RESET_WAIT_MS);
  const scenario = new LoadScenario(base, events, 3);
  const bus = new SimSpiBus();
  const chip = new SimAtm90e32({ scenario, clock: time });
  bus.attach(CS, chip);
  const driver = (extra: Partial<Atm90e32Options> = {}) => new Atm90e32({ sensor: { io: bus.io, select: CS, hz: 1_000_000, mode: 3 }, delay: time, ...extra });
  return { time, scenario, bus, chip, driver };
}

export function adeRig(events: LoadEvent[] = [], base: PhaseLoad | PhaseLoad[] = NOMINAL, channelB: number | "neutral" = "neutral") {
  const time = new TestTime();
  const scenario = new LoadScenario(base, events, Array.isArray(base) ? base.length : 1);
  const bus = new SimSpiBus();
  const chip = new SimAde7953({ scenario, clock: time, channelB });
  bus.attach(CS, chip);
  const driver = (extra: Partial<Ade7953Options> = {}) => new Ade7953({ sensor: { io: bus.io, select: CS, hz: 1_000_000, mode: 0 }, ...extra });
  return { time, scenario, bus, chip, driver };
}

import { defaultAde7953Calibration } from "../../hal/drivers/ade7953.js";
import { defaultAtm90e32Calibration } from "../../hal/drivers/atm90e32.js";
import type { EventSink, MeterEvent } from "../../src/events.js";
import { MemoryKeyValueStore } from "../../src/persistence.js";
import { MetrologyService, type MetrologyConfig } from "../../src/metrology/service.js";
import type { EnergyIc } from "../../hal/energy-ic.js";

export class RecordingSink implements EventSink {
  readonly events: MeterEvent[] = [];
  record(e: MeterEvent): void {
    this.events.push(e);
  }
  codes(log?: string): number[] {
    return this.events.filter((e) => log === undefined || e.log === log).map((e) => e.code);
  }
}

export interface DayOptions {
  ic: "atm90e32" | "ade7953";
  events: LoadEvent[];
  base?: PhaseLoad | PhaseLoad[];
  endMs: number;
  tickMs: number;
  /** Whether the power-fail signal reaches the firmware before each cut. */
  powerFailSignal: boolean;
  store?: MemoryKeyValueStore;
  config?: Partial<MetrologyConfig>;
  adeMode?: "read-reset" | "accumulate";
}

/**
 * A meter over simulated time: ticks every tickMs, and at each supply edge
 * of the scenario it does what the hardware does: the power-fail signal (if
 * it comes) at the cut, the firmware gone while the supply is off, a fresh
 * driver and service (same store) when it returns.
 */
export function runMeter(o: DayOptions) {
  const rig = o.ic === "atm90e32" ? e32Rig(o.events, o.base ?? NOMINAL) : adeRig(o.events, o.base ?? NOMINAL);
  const store = o.store ?? new MemoryKeyValueStore();
  const sink = new RecordingSink();
  let ic: EnergyIc | undefined;
  let boots = 0;
  const boot = () => {
    boots++;
    ic = o.ic === "atm90e32" ? (rig.driver() as EnergyIc) : (rig.driver({ energyMode: o.adeMode ?? "read-reset" }) as EnergyIc);
    return new MetrologyService({
      ic,
      store,
      events: sink,
      rtc: rig.time,
      defaultCalibration: o.ic === "atm90e32" ? defaultAtm90e32Calibration() : defaultAde7953Calibration(),
      config: o.config,
    });
  };
  let svc: MetrologyService | undefined = boot();
  const edges = rig.scenario.supplyEdges(0, o.endMs);
  let e = 0;
  let ticks = 0;
  let last: MetrologyService = svc;
  while (rig.time.t < o.endMs) {
    const nextEdge = e < edges.length ? edges[e].atMs : Infinity;
    const next = Math.min(rig.time.t + o.tickMs, nextEdge, o.endMs);
    rig.time.t = next;
    if (next === nextEdge) {
      const edge = edges[e++];
      if (!edge.on && svc) {
        if (o.powerFailSignal) svc.powerFail();
        ic!.close();
        svc = undefined;
      } else if (edge.on && !svc) {
        svc = boot();
        last = svc;
      }
      continue;
    }
    if (svc) {
      svc.tick();
      ticks++;
    }
  }
  return { rig, store, sink, service: () => last, ticks, boots, transactions: rig.bus.stats(CS).transactions };
}
