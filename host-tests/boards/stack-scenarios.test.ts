import { describe, expect, it } from "vitest";
import { bootScenario, dlmsScenario } from "../../bench/rigs/stack-scenarios.js";

/** The stack probe's scenarios do what their names say (the probe only sees whether they overflow). */
describe("stack scenarios", () => {
  it("boot starts the esp32 board's meter", () => {
    const steps = bootScenario.steps();
    for (const s of steps) {
      s.prepare();
      s.run();
    }
    expect(steps.length).toBe(1);
  });

  it("dlms associates with HLS-GMAC and reads the whole ciphered object_list in blocks", () => {
    const steps = dlmsScenario.steps();
    let exchanges = 0;
    for (const s of steps) {
      s.prepare();
      s.run();
      exchanges++;
    }
    // The management object_list of the esp32 meter takes several 1024-byte blocks; the last one came.
    expect(exchanges).toBe(steps.length);
    expect(steps.outcome?.().done).toBe(true);
    expect(steps.outcome?.().blocks).toBeGreaterThan(3);
  });
});
