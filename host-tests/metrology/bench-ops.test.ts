import { describe, expect, it } from "vitest";
import { Qty } from "../../src/metrology/accumulators.js";
import { metrologyPowerFailAde7953, metrologyPowerFailAtm90e32, metrologyTickAde7953, metrologyTickAtm90e32 } from "../../bench/ops/metrology.js";

describe("metrology bench operations measure a real tick", () => {
  for (const op of [metrologyTickAtm90e32, metrologyTickAde7953]) {
    it(`${op.name}: each run is one second of energy read over the bus`, () => {
      const s = op.setup();
      const before = s.transactions();
      op.run(s);
      const perTick = s.transactions() - before;
      op.run(s);
      expect(s.transactions() - before).toBe(2 * perTick);
      expect(perTick).toBeGreaterThan(10);
      const wh = s.svc.energy(0, Qty.importActive);
      const perPhase = 1840 / 3600;
      const phases = op === metrologyTickAtm90e32 ? 3 : 1;
      expect(Math.abs(wh - 2 * phases * perPhase)).toBeLessThan(0.01);
    });
  }

  for (const [op, frames] of [[metrologyPowerFailAtm90e32, 20], [metrologyPowerFailAde7953, 6]] as const) {
    it(`${op.name}: drains only the energy registers and persists`, () => {
      const s = op.setup();
      const before = s.transactions();
      const writes = s.svc.persistCount;
      op.run(s);
      expect(s.transactions() - before).toBe(frames);
      expect(s.svc.persistCount).toBe(writes + 1);
      expect(s.svc.energy(0, Qty.importActive)).toBeGreaterThan(0.5);
    });
  }
});
