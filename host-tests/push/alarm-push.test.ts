/**
 * Acceptance (issue 19): alarms (src/alarm) push. Opening the meter cover
 * (a tamper input edge) raises the fraud-attempt bit of alarm register 1,
 * which passes the default filter and pushes the on-alarm Push Setup within
 * one tick, ciphered, its body carrying alarm descriptor 1. A cover opened
 * while the power was out is found at the next start and pushed then.
 */
import { describe, expect, it } from "vitest";
import { SimDigitalIn } from "../../hal/sim/digital.js";
import { AlarmBit } from "../../src/alarm/alarm-map.js";
import { Tag, type Data } from "../../src/cosem/axdr.js";
import { createMeter } from "../../src/meter/meter.js";
import { defaultPushConfig } from "../../src/meter/push.js";
import { SimBoard } from "../../scripts/simulator/board.js";
import { HeadEnd } from "./head-end.js";

const T0 = Date.UTC(2026, 0, 14, 9, 0);
const HEAD_END = 4063;
const ALARM = "0.4.25.9.0.255";
const COVER = (1 << AlarmBit.fraudAttempt) >>> 0;

function bootWithCover(board: SimBoard, cover: SimDigitalIn) {
  const meter = createMeter({ ...board.ports(), tamper: { meterCover: cover } }, { push: { ...defaultPushConfig(), destination: `head-end:${HEAD_END}` } });
  meter.start();
  return meter;
}

function descriptor1(body: Data): number {
  const v = (body.value as Data[])[2];
  expect(v.tag).toBe(Tag.DoubleLongUnsigned);
  return v.value as number;
}

describe("alarm pushes", () => {
  it("a cover opened is pushed within one tick, ciphered, high priority, with alarm descriptor 1", () => {
    const board = new SimBoard({ startUtcMs: T0 });
    const headEnd = new HeadEnd(board, HEAD_END);
    const cover = new SimDigitalIn(0);
    const meter = bootWithCover(board, cover);
    board.clock.advance(15_000);
    const before = headEnd.from(ALARM).length;
    const t = board.clock.nowUtcMs();
    cover.set(1);
    board.clock.advance(meter.config.tickMs);
    const got = headEnd.from(ALARM).slice(before);
    expect(got).toHaveLength(1);
    expect(got[0].atUtcMs - t).toBeLessThanOrEqual(meter.config.tickMs);
    expect(got[0].ciphered).toBe(true);
    expect(got[0].longInvokeId >>> 31).toBe(1);
    expect(descriptor1(got[0].body) & COVER).toBe(COVER);
    // The bit stays set: the cover closing and opening again pushes nothing until a client clears it.
    cover.set(0);
    cover.set(1);
    board.clock.advance(5 * meter.config.tickMs);
    expect(headEnd.from(ALARM).slice(before)).toHaveLength(1);
    meter.stop();
  });

  it("a cover opened during an outage is pushed when power returns", () => {
    const board = new SimBoard({ startUtcMs: T0 });
    const headEnd = new HeadEnd(board, HEAD_END);
    const first = bootWithCover(board, new SimDigitalIn(0));
    board.clock.advance(15_000);
    first.stop();
    const before = headEnd.from(ALARM).length;
    board.clock.advance(10 * 60_000);
    const t = board.clock.nowUtcMs();
    const meter = bootWithCover(board, new SimDigitalIn(1));
    board.clock.advance(meter.config.tickMs + 10);
    const got = headEnd.from(ALARM).slice(before);
    expect(got).toHaveLength(1);
    expect(got[0].atUtcMs - t).toBeLessThanOrEqual(meter.config.tickMs + 10);
    expect(descriptor1(got[0].body) & COVER).toBe(COVER);
    expect(headEnd.errors).toEqual([]);
    meter.stop();
  });
});
