import { describe, expect, it } from "vitest";
import { SimClock } from "../../hal/sim/clock.js";
import { SimSerialLine } from "../../hal/sim/serial.js";
import { SimTimers } from "../../hal/sim/timers.js";
import { pattern } from "./support.js";

function line() {
  const clock = new SimClock({ startUtcMs: 0 });
  const l = new SimSerialLine(new SimTimers(clock), { baud: 9600 });
  const got: { at: number; bytes: Uint8Array }[] = [];
  l.meter.onReceive((bytes) => got.push({ at: clock.nowMs(), bytes: bytes.slice() }));
  return { clock, l, got };
}

describe("simulated serial line", () => {
  it("bytes at the same baud arrive intact, in order, after 10 bit times each", () => {
    const { clock, l, got } = line();
    l.probe.write(pattern(96));
    l.probe.write(pattern(48, 1));
    clock.advance(99);
    expect(got).toEqual([]);
    clock.advance(1);
    expect(got.length).toBe(1);
    expect(got[0]).toEqual({ at: 100, bytes: pattern(96) });
    clock.advance(50);
    expect(got[1]).toEqual({ at: 150, bytes: pattern(48, 1) });
  });

  it("bytes sent at another baud than the receiver's arrive as garbage of the length a UART would see", () => {
    const { clock, l, got } = line();
    l.meter.setBaud(300);
    l.probe.write(pattern(96));
    clock.advance(200);
    expect(got.length).toBe(1);
    expect(got[0].bytes.length).toBe(3);
    l.meter.setBaud(19200);
    l.probe.write(pattern(10));
    clock.advance(20);
    expect(got[1].bytes.length).toBe(20);
    expect(got[1].bytes).not.toEqual(pattern(20));
    expect(l.meter.baudHistory).toEqual([300, 19200]);
  });

  it("a closed end neither sends nor receives", () => {
    const { clock, l, got } = line();
    l.meter.close();
    l.probe.write(pattern(4));
    clock.advance(100);
    expect(got).toEqual([]);
  });
});
