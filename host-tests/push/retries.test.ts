/**
 * Acceptance (issue 19): retries and repetition delay against a head-end
 * that refuses the first connections; a push triggered with no randomisation
 * leaves within one tick; pending pushes and their retry state survive a
 * power cut, so an alarm raised before or during an outage is pushed when
 * power returns.
 */
import { describe, expect, it } from "vitest";
import { PushLn, defaultPushConfig } from "../../src/meter/push.js";
import { PushReason, type PushOutcome } from "../../src/push/engine.js";
import { SimBoard } from "../../scripts/simulator/board.js";
import { HeadEnd, bootWithHeadEnd } from "./head-end.js";

const T0 = Date.UTC(2026, 0, 14, 9, 0);
const HEAD_END = 4061;
const ALARM = "0.4.25.9.0.255";

// Boot's power-up push goes first; the tests look at the alarm setup only.
const boot = () => bootWithHeadEnd(T0, HEAD_END, 15_000);

describe("push retries, repetition delay and persistence", () => {
  it("a triggered alarm push leaves within one tick", () => {
    const { board, headEnd, meter } = boot();
    const t = board.clock.nowUtcMs();
    expect(meter.pushes!.trigger(PushLn.alarm, PushReason.alarm)).toBe(true);
    board.clock.advance(meter.config.tickMs);
    const got = headEnd.from(ALARM);
    expect(got).toHaveLength(1);
    expect(got[0].atUtcMs - t).toBeLessThanOrEqual(meter.config.tickMs);
    expect(got[0].ciphered).toBe(true);
    // High priority (bit 31 of long-invoke-id-and-priority), unconfirmed (bit 30 clear).
    expect(got[0].longInvokeId >>> 30).toBe(2);
  });

  it("retries number_of_retries times, repetition_delay apart, and is delivered on the third connection", () => {
    const { board, headEnd, meter } = boot();
    const setup = meter.pushes!.setup(PushLn.alarm)!;
    setup.retries = 3;
    setup.repetitionDelayS = 60;
    headEnd.listener.refuseNext = 2;
    const seen = headEnd.listener.attempts;
    const outcomes: PushOutcome[] = [];
    const times: number[] = [];
    meter.pushes!.onOutcome((o) => {
      outcomes.push(o);
      times.push(board.clock.nowUtcMs());
    });
    const t = board.clock.nowUtcMs();
    meter.pushes!.trigger(PushLn.alarm, PushReason.alarm);
    board.clock.advance(59_000);
    expect(headEnd.listener.attempts - seen).toBe(1);
    expect(meter.pushes!.pending(PushLn.alarm)?.attempts).toBe(1);
    board.clock.advance(62_000);
    expect(headEnd.listener.attempts - seen).toBe(2);
    expect(headEnd.from(ALARM)).toHaveLength(0);
    board.clock.advance(60_000);
    expect(headEnd.listener.attempts - seen).toBe(3);
    const got = headEnd.from(ALARM);
    expect(got).toHaveLength(1);
    // Each attempt starts at the first tick repetition_delay after the previous one failed.
    expect(times[0] - t).toBeLessThanOrEqual(10);
    for (const i of [1, 2]) {
      expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(60_000);
      expect(times[i] - times[i - 1]).toBeLessThanOrEqual(60_000 + meter.config.tickMs + 10);
    }
    expect(outcomes.map((o) => [o.ok, o.attempt])).toEqual([
      [false, 1],
      [false, 2],
      [true, 3],
    ]);
    expect(meter.pushes!.pending(PushLn.alarm)).toBeUndefined();
  });

  it("drops the push after its last retry and forgets it", () => {
    const { board, headEnd, meter } = boot();
    const setup = meter.pushes!.setup(PushLn.alarm)!;
    setup.retries = 2;
    setup.repetitionDelayS = 10;
    headEnd.listener.refuseNext = 100;
    const seen = headEnd.listener.attempts;
    meter.pushes!.trigger(PushLn.alarm, PushReason.alarm);
    board.clock.advance(120_000);
    expect(headEnd.listener.attempts - seen).toBe(3);
    expect(meter.pushes!.dropped).toBe(1);
    expect(meter.pushes!.pending(PushLn.alarm)).toBeUndefined();
    expect(meter.store.get("push.0004190900ff")).toBeUndefined();
  });

  it("a connection that never comes up is a failed attempt after the connect time-out, and the tick goes on", () => {
    const { board, headEnd, meter } = boot();
    headEnd.listener.answerDelayMs = 60_000;
    meter.pushes!.setup(PushLn.alarm)!.repetitionDelayS = 5;
    const captures = meter.captures;
    const ticked = meter.metrology.persistCount;
    meter.pushes!.trigger(PushLn.alarm, PushReason.alarm);
    board.clock.advance(11_000);
    expect(meter.pushes!.pending(PushLn.alarm)?.attempts).toBe(1);
    expect(headEnd.from(ALARM)).toHaveLength(0);
    headEnd.listener.answerDelayMs = 0;
    board.clock.advance(20_000);
    expect(headEnd.from(ALARM)).toHaveLength(1);
    expect(meter.captures).toBeGreaterThanOrEqual(captures);
    expect(meter.metrology.persistCount).toBeGreaterThanOrEqual(ticked);
  });

  it("an alarm raised while the head-end is down is pushed after a power cut, when power returns", () => {
    const { board, headEnd, meter } = boot();
    const setup = meter.pushes!.setup(PushLn.alarm)!;
    setup.retries = 5;
    setup.repetitionDelayS = 600;
    headEnd.listener.refuseNext = 1;
    meter.pushes!.trigger(PushLn.alarm, PushReason.alarm);
    board.clock.advance(2_000);
    expect(meter.pushes!.pending(PushLn.alarm)?.attempts).toBe(1);
    // The supply goes without warning for 20 minutes; the stored pending push and its retry state come back.
    const after = board.restart("power-on", false, 20 * 60_000);
    const p = after.pushes!.pending(PushLn.alarm);
    expect(p?.attempts).toBe(1);
    expect(p?.reason).toBe(PushReason.alarm);
    // Its repetition delay has passed during the outage: it goes at the first tick (plus the network's latency).
    board.clock.advance(after.config.tickMs + 10);
    expect(headEnd.from(ALARM)).toHaveLength(1);
    expect(after.pushes!.pending(PushLn.alarm)).toBeUndefined();
  });
});

describe("push timing and the clock", () => {
  it("a clock set back does not postpone a pending push beyond its repetition delay", () => {
    const { board, headEnd, meter } = boot();
    const setup = meter.pushes!.setup(PushLn.alarm)!;
    setup.repetitionDelayS = 60;
    headEnd.listener.refuseNext = 1;
    meter.pushes!.trigger(PushLn.alarm, PushReason.alarm);
    board.clock.advance(2_000);
    expect(meter.pushes!.pending(PushLn.alarm)?.attempts).toBe(1);
    // A client sets the clock back a day: the retry still comes within its 60 s.
    expect(meter.clock.setUtc(meter.clock.now() - 86_400_000)).toBe(true);
    board.clock.advance(62_000);
    expect(headEnd.from(ALARM)).toHaveLength(1);
  });
});

describe("push addressing", () => {
  it("the wrapper goes from wPort 1 to the setup's client SAP (IDIS 102 unless configured)", () => {
    const board = new SimBoard({ startUtcMs: T0 });
    const headEnd = new HeadEnd(board, HEAD_END);
    const config = defaultPushConfig();
    const meter = board.boot({ push: { ...config, destination: `head-end:${HEAD_END}`, setups: config.setups.map((s) => (s.logicalName.equals(PushLn.alarm) ? { ...s, clientSap: 103 } : s)) } });
    board.clock.advance(15_000);
    meter.pushes!.trigger(PushLn.alarm, PushReason.alarm);
    board.clock.advance(1_000);
    expect(headEnd.from("0.0.25.9.0.255").map((r) => [r.source, r.destination])).toEqual([[1, 102]]);
    expect(headEnd.from(ALARM).map((r) => [r.source, r.destination])).toEqual([[1, 103]]);
  });
});
