import { describe, expect, it } from "vitest";
import type { Delay } from "../../hal/delay.js";
import { ATM90E32_RESET_WAIT_MS, Atm90e32 } from "../../hal/drivers/atm90e32.js";
import { E32, E32_RESET, E32_RESET_MS, E32_UNLOCK } from "../../hal/sim/atm90e32.js";
import { SimClock } from "../../hal/sim/clock.js";
import { simDelay } from "../../hal/sim/delay.js";
import { SimTimers } from "../../hal/sim/timers.js";
import { CS, e32Rig } from "../../bench/rigs/metrology.js";

/**
 * The ATM90E32 is not ready for 5 ms after its soft reset. The chip model
 * drops every access inside that time, so the driver works only because it
 * waits through the board's delay port (hal/delay.ts); with a delay that does
 * not wait it fails to start, as it would on a board.
 */
describe("ATM90E32 soft-reset wait through the delay port", () => {
  it("the model ignores accesses for 5 ms after SoftReset and answers again after", () => {
    const { bus, chip, time } = e32Rig();
    const io = new bus.io({ select: CS, mode: 3 });
    const frame = (read: boolean, a: number, v = 0) => {
      const f = Uint8Array.of((read ? 0x80 : 0) | ((a >> 8) & 3), a & 0xff, v >> 8, v & 0xff);
      io.transfer(f);
      return (f[2] << 8) | f[3];
    };
    frame(false, E32.SoftReset, E32_RESET);
    time.t += E32_RESET_MS - 1;
    frame(false, E32.CfgRegAccEn, E32_UNLOCK);
    expect(frame(true, E32.LastSPIData)).toBe(0);
    expect(chip.counts.accessesWhileResetting).toBe(2);
    time.t += 1;
    frame(false, E32.CfgRegAccEn, E32_UNLOCK);
    expect(frame(true, E32.LastSPIData)).toBe(E32_UNLOCK);
    expect(chip.counts.accessesWhileResetting).toBe(2);
  });

  it("the driver waits 6 ms after each soft reset and starts; without the wait it cannot", () => {
    const { bus, chip, time } = e32Rig();
    const waits: number[] = [];
    const delay: Delay = { wait: (ms) => (waits.push(ms), time.wait(ms)) };
    const ic = new Atm90e32({ sensor: { io: bus.io, select: CS, mode: 3 }, delay });
    expect(waits).toEqual([ATM90E32_RESET_WAIT_MS]);
    expect(chip.counts.accessesWhileResetting).toBe(0);
    time.t += 10_000;
    expect(ic.sample().phases[0].vRms).toBeCloseTo(230, 1);
    ic.close();
    // A firmware restart finds the chip metering with its configuration intact: no reset, no wait, no lost energy.
    const resets = chip.counts.resets;
    new Atm90e32({ sensor: { io: bus.io, select: CS, mode: 3 }, delay }).close();
    expect(waits).toEqual([ATM90E32_RESET_WAIT_MS]);
    expect(chip.counts.resets).toBe(resets);

    const fresh = e32Rig();
    const noWait: Delay = { wait: () => {} };
    expect(() => new Atm90e32({ sensor: { io: fresh.bus.io, select: CS, mode: 3 }, delay: noWait })).toThrow("not answering");
    expect(fresh.chip.counts.accessesWhileResetting).toBeGreaterThan(0);
  });

  it("the simulated delay moves simulated time without running timers; they run late at the next advance", () => {
    const clock = new SimClock({ startUtcMs: Date.UTC(2026, 0, 1) });
    const timers = new SimTimers(clock);
    const fired: number[] = [];
    timers.once(3, () => fired.push(clock.nowMs()));
    simDelay(clock).wait(ATM90E32_RESET_WAIT_MS);
    expect(clock.nowMs()).toBe(6);
    expect(fired).toEqual([]);
    clock.advance(0);
    expect(fired).toEqual([6]);
    expect(() => simDelay(clock).wait(-1)).toThrow(RangeError);
  });
});
