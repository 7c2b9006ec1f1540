/**
 * Acceptance (issue 19): the daily profile pushed by the push action
 * schedule (class 22 → push script table → Push Setup interval 1) within its
 * communication window, at a randomised instant, ciphered with the
 * management Security Setup's keys and transmit counter.
 */
import { describe, expect, it } from "vitest";
import { Tag, type Data } from "../../src/cosem/axdr.js";
import { dateTimeFromBytes } from "../../src/cosem/datetime.js";
import { PushLn } from "../../src/meter/push.js";
import { bootWithHeadEnd, dailyAt } from "./head-end.js";

/** A daily local time as a 12-byte date-time with the date not specified (what windows and restrictions take). */
// 23:50 CET (UTC+1) on a Wednesday: the daily profile captures at 00:00, the schedule runs at 00:05.
const T0 = Date.UTC(2026, 0, 14, 22, 50);
const MIDNIGHT_UTC = Date.UTC(2026, 0, 14, 23, 0);
const MIN = 60_000;
const HEAD_END = 4060;
const INTERVAL1 = "0.1.25.9.0.255";

const boot = (random?: (n: number) => Uint8Array) => bootWithHeadEnd(T0, HEAD_END, 0, random);

describe("scheduled push of the daily profile", () => {
  it("goes once, randomised within 30 min after 00:05, inside the window, ciphered, with this midnight's row", () => {
    const { board, headEnd, meter } = boot();
    // Just after 00:05 the schedule has triggered: the push waits for its randomised instant.
    board.clock.advance(15 * MIN + 1000);
    const due = meter.pushes!.pending(PushLn.interval1)?.dueUtc ?? 0;
    const trigger = MIDNIGHT_UTC + 5 * MIN;
    expect(due).toBeGreaterThan(trigger + 1000);
    expect(due).toBeLessThanOrEqual(trigger + 30 * MIN);
    expect(headEnd.from(INTERVAL1)).toHaveLength(0);
    board.clock.advance(45 * MIN);
    const pushes = headEnd.from(INTERVAL1);
    expect(headEnd.errors).toEqual([]);
    expect(pushes).toHaveLength(1);
    const p = pushes[0];
    // Not before the schedule, within its randomisation, and so inside the 00:00-06:00 window.
    // It left at the first tick at or after its instant (ticks are 1 s apart; the network adds its latency).
    expect(p.atUtcMs).toBeGreaterThanOrEqual(due);
    expect(p.atUtcMs).toBeLessThanOrEqual(due + 1000 + 10);
    expect(p.ciphered).toBe(true);
    expect([p.source, p.destination]).toEqual([1, 102]);
    // The body: push setup name, logical device name, the daily profile's rows of this midnight.
    const body = p.body.value as Data[];
    expect(body).toHaveLength(3);
    const rows = body[2];
    expect(rows.tag).toBe(Tag.Array);
    expect((rows.value as Data[]).length).toBe(1);
    const row = (rows.value as Data[])[0].value as Data[];
    const stamp = dateTimeFromBytes(row[0].value as Uint8Array);
    expect([stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute]).toEqual([2026, 1, 15, 0, 0]);
    // The notification's own date-time is the sending instant, local.
    const sent = dateTimeFromBytes(p.dateTime);
    expect(sent.hour).toBe(0);
    expect(meter.pushes!.pending(PushLn.interval1)).toBeUndefined();
    // Nothing more: the pending push is gone, the next schedule run is tomorrow.
    board.clock.advance(60 * MIN);
    expect(headEnd.from(INTERVAL1)).toHaveLength(1);
  });

  it("randomises per meter: two meters with other entropy push at different instants", () => {
    const a = boot((n) => new Uint8Array(n).fill(0x11));
    const b = boot((n) => new Uint8Array(n).fill(0xc3));
    a.board.clock.advance(45 * MIN);
    b.board.clock.advance(45 * MIN);
    expect(a.headEnd.from(INTERVAL1)).toHaveLength(1);
    expect(b.headEnd.from(INTERVAL1)).toHaveLength(1);
    expect(a.headEnd.from(INTERVAL1)[0].atUtcMs).not.toBe(b.headEnd.from(INTERVAL1)[0].atUtcMs);
  });

  it("waits for its communication window, then draws the delay again from the window's start", () => {
    const { board, headEnd, meter } = boot();
    // A client moves the window to 02:00-03:00: the 00:05 trigger waits for it.
    const setup = meter.pushes!.setup(PushLn.interval1)!;
    setup.windows = [{ start: dailyAt(2, 0), end: dailyAt(3, 0) }];
    board.clock.advance(60 * MIN);
    expect(headEnd.from(INTERVAL1)).toHaveLength(0);
    expect(meter.pushes!.pending(PushLn.interval1)?.waiting).toBe(true);
    board.clock.advance(3 * 60 * MIN);
    const p = headEnd.from(INTERVAL1);
    expect(p).toHaveLength(1);
    const offset = p[0].atUtcMs - (MIDNIGHT_UTC + 2 * 60 * MIN);
    expect(offset).toBeGreaterThanOrEqual(0);
    expect(offset).toBeLessThanOrEqual(30 * MIN + 1000);
  });
});
