import { describe, expect, it } from "vitest";
import { stsBenchSetup, stsTokenDecode } from "../../bench/ops/sts.js";
import { TokenResult } from "../../src/prepay/results.js";
import { MIN_TID_MEMORY } from "../../src/prepay/service.js";

describe("bench operation sts.token.decode does what its name says", () => {
  it("each run applies one fresh 12.5 kWh token against a full token-ID memory and commits it", () => {
    const s = stsBenchSetup();
    const p = s.meter.prepay!;
    expect(p.record.tids.length).toBe(MIN_TID_MEMORY);
    for (let i = 0; i < 3; i++) {
      const before = p.record;
      stsTokenDecode.run(s);
      expect(s.lastResult).toBe(TokenResult.accepted);
      const after = p.record;
      expect(after.purchasedWh - before.purchasedWh).toBe(12500);
      expect(after.tids.length).toBe(MIN_TID_MEMORY);
      expect(after.tokensApplied).toBe(before.tokensApplied + 1);
    }
    // Committed: a restart of the firmware on the same flash keeps all of it.
    const m2 = s.board.restart("software");
    expect(m2.prepay!.record.tokensApplied).toBe(MIN_TID_MEMORY + 3);
  });
});
