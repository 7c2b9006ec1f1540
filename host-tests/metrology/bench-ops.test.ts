import { describe, expect, it } from "vitest";
import { Qty } from "../../src/metrology/accumulators.js";
import { metrologyTickAde7953, metrologyTickAtm90e32 } from "./bench-ops.js";

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
});
