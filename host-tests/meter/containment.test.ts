/**
 * Issue 15, item 6: containment. A throwing step of the tick or power-fail
 * handler is counted, logged once per kind, visible in the diagnostic object,
 * and costs neither the other steps nor the watchdog kick; the same rule on
 * the simulated and the Moddable system port; a fault at every start brings
 * the meter up in safe mode, where it still meters and serves DLMS.
 * Faults are injected by replacing one domain method on the running meter.
 */
import { describe, expect, it } from "vitest";
import { Tag, type Data } from "../../src/cosem/axdr.js";
import { dateTimeOs } from "../../src/cosem/axdr-helpers.js";
import { DataAccessResult } from "../../src/cosem/interface-class.js";
import { DEVELOPMENT_KEYS } from "../../src/meter/config.js";
import { ClientSap } from "../../src/meter/dlms.js";
import { FaultEvent, FaultKind, SAFE_MODE_AFTER, STABLE_AFTER_MS } from "../../src/meter/faults.js";
import type { Meter } from "../../src/meter/meter.js";
import * as ln from "../../src/meter/obis-codes.js";
import { ModdableDigitalIn } from "../../hal/moddable/digital.js";
import { ModdableSystem } from "../../hal/moddable/system.js";
import { SimClock } from "../../hal/sim/clock.js";
import { SimSystem } from "../../hal/sim/system.js";
import { fromHex } from "../../src/util/bytes.js";
import { SIM_TCP_PORT, SimBoard } from "../../scripts/simulator/board.js";
import { ClientSession } from "../../scripts/lab/client-session.js";
import { wrapperLink } from "../../scripts/lab/link.js";
import { settle } from "./drive.js";

const T0 = Date.UTC(2026, 0, 14, 9, 0);
const MIN = 60_000;
const boom = () => {
  throw new Error("injected fault");
};

function diagnostic(meter: Meter): Data {
  const r = meter.catalog.find(ln.FAULT_DIAGNOSTIC)!.object.get(2, { role: "reader", clientSap: ClientSap.reader, nowUtcMs: meter.clock.now() });
  if (!r.ok || !("tag" in r.value)) throw new Error("diagnostic not readable");
  return r.value;
}

const faultEvents = (meter: Meter, code: number) => meter.events.recent().filter((e) => e.log === "standard" && e.code === code);

describe("containment of firmware faults (issue 15, item 6)", () => {
  it("a throwing tick step is counted and logged once; the other steps and the watchdog kick still run", () => {
    const board = new SimBoard({ startUtcMs: T0, watchdogMs: 10_000 });
    const meter = board.boot();
    board.clock.advance(2 * MIN);
    const wh0 = meter.metrology.energy(0, 0);
    meter.limiter.poll = boom;
    meter.engine.tick = boom;
    board.clock.advance(30 * MIN);
    expect(board.system.nextResetCause).toBeUndefined(); // the watchdog was kicked every tick
    expect(meter.metrology.energy(0, 0)).toBeGreaterThan(wh0); // metrology still ran
    expect(meter.faults.count(FaultKind.limiter)).toBe(30 * 60);
    expect(meter.faults.count(FaultKind.tariff)).toBe(30 * 60);
    expect(faultEvents(meter, FaultEvent.faultContained).map((e) => e.value).sort()).toEqual([FaultKind.tariff, FaultKind.limiter].sort());
    const d = diagnostic(meter);
    expect(d).toEqual({
      tag: Tag.Structure,
      value: [
        { tag: Tag.DoubleLongUnsigned, value: 3600 },
        { tag: Tag.Boolean, value: false },
        { tag: Tag.LongUnsigned, value: 1 },
        {
          tag: Tag.Array,
          value: [FaultKind.tariff, FaultKind.limiter].map((k) => ({ tag: Tag.Structure, value: [{ tag: Tag.Unsigned, value: k }, { tag: Tag.DoubleLongUnsigned, value: 1800 }] })),
        },
      ],
    });
  });

  it("an event log that cannot take an event does not undo the change that reported it: success, applied, counted", () => {
    const board = new SimBoard({ startUtcMs: T0 });
    const meter = board.boot();
    meter.eventLogs!.record = boom; // the flash event logs fail
    const target = Date.UTC(2026, 0, 14, 12, 0);
    const ok = meter.catalog.find(ln.CLOCK)!.object.set(2, dateTimeOs(meter.clock.dateTimeAt(target)), { role: "management", clientSap: ClientSap.management, nowUtcMs: meter.clock.now() });
    expect(ok).toBe(DataAccessResult.success);
    expect(meter.clock.now()).toBe(target);
    board.clock.advance(1000);
    expect(meter.faults.count(FaultKind.events)).toBe(2); // clock adjusted: old time, new time
  });

  it("power-fail handlers: each runs even if an earlier one throws, on the simulated and the Moddable port alike", () => {
    const ran: string[] = [];
    const sim = new SimSystem(new SimClock({ startUtcMs: T0 }));
    let level: 0 | 1 = 1;
    const line = new ModdableDigitalIn().attach({ read: () => level, write() {} });
    const dev = new ModdableSystem({ restart() {}, resetCause: "power-on", powerFail: line });
    for (const [name, port] of [["sim", sim], ["moddable", dev]] as const) {
      port.onPowerFail(boom);
      port.onPowerFail(() => ran.push(name));
    }
    expect(sim.raisePowerFail().length).toBe(1);
    level = 0;
    line.changed();
    expect(dev.powerFailErrors.length).toBe(1);
    expect(ran).toEqual(["sim", "moddable"]);
  });

  it("a throwing metrology power-fail handler is contained: the meter's own handler still saves the registers", () => {
    const board = new SimBoard({ startUtcMs: T0 });
    const meter = board.boot();
    board.clock.advance(20 * MIN);
    meter.metrology.powerFail = boom;
    let saved = 0;
    const put = meter.store.put.bind(meter.store);
    meter.store.put = (k, v) => {
      saved++;
      put(k, v);
    };
    expect(board.system.raisePowerFail()).toEqual([]);
    expect(meter.faults.count(FaultKind.powerFailMetrology)).toBe(1);
    expect(saved).toBeGreaterThan(0);
  });

  it(`a fault at every start: after ${SAFE_MODE_AFTER} unstable starts the meter starts in safe mode, meters and serves DLMS; a stable run clears the count`, async () => {
    const board = new SimBoard({ startUtcMs: T0 });
    let meter = board.boot();
    for (let start = 1; start <= SAFE_MODE_AFTER; start++) {
      expect(meter.boot.safeMode).toBe(false);
      expect(meter.boot.attempts).toBe(start);
      meter.engine.tick = boom; // a setting that makes the tariff step throw, read back at every start
      board.clock.advance(STABLE_AFTER_MS + MIN);
      expect(meter.boot.stable).toBe(false);
      meter = board.restart("power-on", false);
    }
    expect(meter.boot.safeMode).toBe(true);
    expect(faultEvents(meter, FaultEvent.safeMode).length).toBe(1);
    meter.engine.tick = boom; // left out in safe mode
    const wh = meter.metrology.energy(0, 0);
    const rates = meter.rateSum(1);
    board.clock.advance(5 * MIN);
    expect(meter.metrology.energy(0, 0)).toBeGreaterThan(wh);
    expect(meter.faults.total).toBe(0);
    // The rate registers still receive the energy (to the tariff the activation mask selects).
    expect(meter.rateSum(1) - rates).toBeCloseTo(meter.metrology.energy(0, 0) - wh, 6);

    const end = board.network.connect(SIM_TCP_PORT)!;
    const link = wrapperLink(end, board.worldTimers, { clientSap: ClientSap.management, serverLogical: 1, serverPhysical: 0x10, responseTimeoutMs: 5000 }, "sim tcp");
    const s = await settle(board, ClientSession.open(link, { auth: "hls-gmac", akey: DEVELOPMENT_KEYS.authenticationKey, ekey: DEVELOPMENT_KEYS.globalUnicastKey, systemTitle: fromHex("4D4B544C41423031"), crypto: board.crypto }));
    const d = await settle(board, s.get(1, ln.FAULT_DIAGNOSTIC, 2));
    expect(d.ok && d.value.tag === Tag.Structure && d.value.value[1]).toEqual({ tag: Tag.Boolean, value: true });
    const energy = await settle(board, s.get(3, ln.ENERGY_IMPORT_TOTAL, 2));
    expect(energy.ok).toBe(true);
    await settle(board, s.close());

    board.clock.advance(STABLE_AFTER_MS);
    expect(meter.boot.stable).toBe(true);
    meter = board.restart("power-on");
    expect(meter.boot.safeMode).toBe(false);
    expect(meter.boot.attempts).toBe(1);
  });
});
