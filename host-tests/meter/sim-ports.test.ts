import { describe, expect, it } from "vitest";
import { SimClock } from "../../hal/sim/clock.js";
import { SimSystem } from "../../hal/sim/system.js";
import { SimTimers } from "../../hal/sim/timers.js";

const T0 = Date.UTC(2026, 0, 15, 12, 0);

describe("SimClock", () => {
  it("keeps RTC and monotonic time together; a time setting moves only the RTC", () => {
    const c = new SimClock({ startUtcMs: T0 });
    c.advance(1500);
    expect(c.nowMs()).toBe(1500);
    expect(c.nowUtcMs()).toBe(T0 + 1500);
    c.setUtcMs(T0 - 3600000);
    expect(c.nowMs()).toBe(1500);
    c.advance(500);
    expect(c.nowUtcMs()).toBe(T0 - 3600000 + 500);
    expect(c.nowMs()).toBe(2000);
  });

  it("accelerates host time by the speed factor and carries fractions", () => {
    const c = new SimClock({ startUtcMs: T0, speed: 60 });
    c.elapse(1000);
    expect(c.nowMs()).toBe(60000);
    c.speed = 0.25;
    c.elapse(1);
    c.elapse(1);
    c.elapse(1);
    expect(c.nowMs()).toBe(60000);
    c.elapse(1);
    expect(c.nowMs()).toBe(60001);
    expect(() => (c.speed = 0)).toThrow(RangeError);
    expect(() => c.advance(-1)).toThrow(RangeError);
  });

  it("a power loss keeps a backed-up RTC running, or makes it invalid until set", () => {
    const c = new SimClock({ startUtcMs: T0 });
    c.powerLoss(60000);
    expect(c.nowUtcMs()).toBe(T0 + 60000);
    expect(c.valid).toBe(true);
    c.powerLoss(1000, true);
    expect(c.valid).toBe(false);
    c.setUtcMs(T0);
    expect(c.valid).toBe(true);
  });
});

describe("SimTimers", () => {
  it("runs callbacks at their own instant, in due then creation order", () => {
    const c = new SimClock({ startUtcMs: T0 });
    const t = new SimTimers(c);
    const seen: string[] = [];
    t.once(300, () => seen.push(`b@${c.nowMs()}`));
    t.once(100, () => seen.push(`a@${c.nowMs()}`));
    t.once(300, () => seen.push(`c@${c.nowMs()}`));
    c.advance(250);
    expect(seen).toEqual(["a@100"]);
    c.advance(1000);
    expect(seen).toEqual(["a@100", "b@300", "c@300"]);
    expect(c.nowMs()).toBe(1250);
    expect(t.pending).toBe(0);
  });

  it("a repeating timer keeps its phase across coarse steps and can clear itself", () => {
    const c = new SimClock({ startUtcMs: T0 });
    const t = new SimTimers(c);
    const at: number[] = [];
    const id = t.repeat(1000, () => {
      at.push(c.nowMs());
      if (at.length === 5) t.clear(id);
    });
    c.advance(2500);
    expect(at).toEqual([1000, 2000]);
    c.advance(1e6);
    expect(at).toEqual([1000, 2000, 3000, 4000, 5000]);
    expect(t.pending).toBe(0);
  });

  it("a timer scheduled from a callback fires in the same advance when due", () => {
    const c = new SimClock({ startUtcMs: T0 });
    const t = new SimTimers(c);
    const at: number[] = [];
    t.once(10, () => {
      at.push(c.nowMs());
      t.once(0, () => at.push(c.nowMs()));
      t.once(5, () => at.push(c.nowMs()));
    });
    c.advance(100);
    expect(at).toEqual([10, 10, 15]);
  });

  it("clear() stops a pending timer; zero and non-finite delays are clamped, a zero period is one ms", () => {
    const c = new SimClock({ startUtcMs: T0 });
    const t = new SimTimers(c);
    let fired = 0;
    const id = t.once(50, () => fired++);
    t.clear(id);
    t.clear(9999);
    let ticks = 0;
    t.repeat(0, () => ticks++);
    t.once(NaN, () => fired++);
    c.advance(10);
    expect(fired).toBe(1);
    expect(ticks).toBe(11);
  });

  it("dispose() detaches the timers of a restarted firmware instance", () => {
    const c = new SimClock({ startUtcMs: T0 });
    const t = new SimTimers(c);
    let fired = 0;
    t.repeat(10, () => fired++);
    c.advance(30);
    t.dispose();
    c.advance(100);
    expect(fired).toBe(3);
  });

  it("two runs of the same schedule give the same trace (determinism)", () => {
    const trace = () => {
      const c = new SimClock({ startUtcMs: T0 });
      const t = new SimTimers(c);
      const out: string[] = [];
      for (let i = 1; i <= 7; i++) t.repeat(i * 13, () => out.push(`${i}:${c.nowMs()}`));
      for (let k = 0; k < 50; k++) c.advance((k * 37) % 101);
      return out.join(",");
    };
    const a = trace();
    expect(a.length).toBeGreaterThan(100);
    expect(trace()).toBe(a);
  });
});

describe("SimSystem", () => {
  it("records a reboot as a software restart due, once", () => {
    const c = new SimClock({ startUtcMs: T0 });
    const s = new SimSystem(c, { resetCause: "brown-out" });
    const restarts: string[] = [];
    s.onRestart = (cause) => restarts.push(cause);
    expect(s.resetCause()).toBe("brown-out");
    expect(s.nextResetCause).toBe(undefined);
    s.reboot();
    s.reboot();
    expect(s.nextResetCause).toBe("software");
    expect(restarts).toEqual(["software"]);
  });

  it("runs every power-fail handler even when one throws, and reports the errors", () => {
    const c = new SimClock({ startUtcMs: T0 });
    const s = new SimSystem(c);
    const order: number[] = [];
    s.onPowerFail(() => order.push(1));
    s.onPowerFail(() => {
      throw new Error("flash busy");
    });
    s.onPowerFail(() => order.push(3));
    const errors = s.raisePowerFail();
    expect(order).toEqual([1, 3]);
    expect(errors.length).toBe(1);
  });

  it("the watchdog bites at the instant its timeout passes without a kick", () => {
    const c = new SimClock({ startUtcMs: T0 });
    const t = new SimTimers(c);
    const s = new SimSystem(c, { watchdogMs: 1000 });
    let biteAt = -1;
    s.onRestart = (cause) => {
      if (cause === "watchdog") biteAt = c.nowMs();
    };
    const kicker = t.repeat(500, () => s.kickWatchdog());
    c.advance(10000);
    expect(s.nextResetCause).toBe(undefined);
    t.clear(kicker);
    c.advance(5000);
    expect(s.nextResetCause).toBe("watchdog");
    expect(biteAt).toBe(11001);
  });

  it("without a timeout the watchdog never bites", () => {
    const c = new SimClock({ startUtcMs: T0 });
    const s = new SimSystem(c);
    c.advance(1e9);
    expect(s.checkWatchdog()).toBe(false);
    expect(s.nextResetCause).toBe(undefined);
  });
});
