import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultAtm90e32Calibration } from "../../hal/drivers/atm90e32.js";
import { decodeData, Tag, type Data } from "../../src/cosem/axdr.js";
import { DataAccessResult, ActionResult, type AccessContext } from "../../src/cosem/interface-class.js";
import { metrologyCatalog } from "../../src/meter/metrology.js";
import { MetrologyService, decodeCalibration, decodeEnergyState } from "../../src/metrology/service.js";
import { MemoryKeyValueStore } from "../../src/persistence.js";
import { runtime } from "../support/report.js";
import { CS, RecordingSink, adeRig, e32Rig } from "../../bench/rigs/metrology.js";

const runs = runtime === "xs" ? 60 : 400;
const ctx: AccessContext = { role: "management", clientSap: 1, nowUtcMs: 0 };
const results = new Set<number>(Object.values(DataAccessResult));
const actionResults = new Set<number>(Object.values(ActionResult));

/** Any A-XDR value: whatever random bytes decode to (the wire is where set values come from). */
const anyData = fc.uint8Array({ minLength: 1, maxLength: 60 }).map((b): Data => {
  try {
    return decodeData(b);
  } catch {
    return { tag: Tag.NullData, value: null };
  }
});

describe("metrology decoders and adapters are total", () => {
  it("every catalog object answers any set/action with a result code, never an exception", () => {
    const rig = e32Rig();
    const svc = new MetrologyService({ ic: rig.driver(), store: new MemoryKeyValueStore(), events: new RecordingSink(), rtc: rig.time, defaultCalibration: defaultAtm90e32Calibration() });
    rig.time.t += 1000;
    svc.tick();
    const rows = metrologyCatalog(svc, { nowUtc: () => rig.time.nowUtcMs() });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: rows.length - 1 }), fc.integer({ min: 0, max: 12 }), anyData, (i, attr, value) => {
        const o = rows[i].object;
        expect(results.has(o.set(attr, value, ctx))).toBe(true);
        expect(actionResults.has(o.action(attr % 4, value, ctx).result)).toBe(true);
        const g = o.get(attr, ctx);
        expect(g.ok || results.has(g.error)).toBe(true);
      }),
      { numRuns: runs },
    );
  });

  it("the energy and calibration records decode any bytes to a value or undefined", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (b, versioned) => {
        if (versioned && b.length > 0) b[0] = 1;
        decodeEnergyState(b);
        decodeCalibration(b);
      }),
      { numRuns: runs },
    );
  });

  it("the simulated chips take any frame on the bus without throwing", () => {
    const e = e32Rig();
    const a = adeRig();
    const eio = new e.bus.io({ select: CS, mode: 3 });
    const aio = new a.bus.io({ select: CS, mode: 0 });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 9 }), fc.integer({ min: 0, max: 5000 }), (frame, dt) => {
        e.time.t += dt;
        a.time.t += dt;
        eio.transfer(frame.slice());
        aio.transfer(frame.slice());
      }),
      { numRuns: runs * 5 },
    );
  });
});
