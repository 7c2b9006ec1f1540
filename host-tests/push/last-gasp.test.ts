/**
 * Acceptance (issue 19): the last gasp. On the power-fail signal the
 * on-power-down notification is built, sealed and its connection asked for
 * before the power-fail path writes flash, and it reaches the head-end
 * within the board's hold-up budget (boards/sim/board.ts: hold-up minus the
 * save's share). When power returns the on-connectivity (power-up)
 * notification follows, under a higher invocation counter.
 */
import { describe, expect, it } from "vitest";
import type { FlashPartition } from "../../hal/flash.js";
import type { TcpConnector } from "../../hal/tcp-client.js";
import { Tag, type Data } from "../../src/cosem/axdr.js";
import { PushLn } from "../../src/meter/push.js";
import type { PushOutcome } from "../../src/push/engine.js";
import { board as simBoardData } from "../../boards/sim/board.js";
import { SimBoard } from "../../scripts/simulator/board.js";
import { bootWithHeadEnd } from "./head-end.js";

const T0 = Date.UTC(2026, 0, 14, 9, 0);
const HEAD_END = 4062;
const POWER_DOWN = "0.5.25.9.0.255";
const CONNECTIVITY = "0.0.25.9.0.255";
const { holdUpMs, saveMs } = simBoardData.holdUp!;
const BUDGET = holdUpMs - saveMs;

const boot = () => bootWithHeadEnd(T0, HEAD_END, 15_000);

/** Records flash programs and erases and connection requests, in the order they happen. */
function trace(flash: FlashPartition, connector: TcpConnector): string[] {
  const log: string[] = [];
  const write = flash.write.bind(flash);
  const erase = flash.eraseSector.bind(flash);
  const connect = connector.connect.bind(connector);
  flash.write = (offset, bytes) => {
    log.push("flash");
    write(offset, bytes);
  };
  flash.eraseSector = (sector) => {
    log.push("flash");
    erase(sector);
  };
  connector.connect = (host, port, handler) => {
    log.push("connect");
    return connect(host, port, handler);
  };
  return log;
}

describe("last gasp and power-up notifications", () => {
  it("the last gasp is asked for before the flash save and arrives within the hold-up budget; power-up follows after the outage", () => {
    const { board, headEnd, meter } = boot();
    expect(headEnd.from(CONNECTIVITY)).toHaveLength(1); // this start's power-up push
    const log = trace(board.flash!, meter.ports.tcpClient!);
    const signal = board.clock.nowUtcMs();
    expect(board.system.raisePowerFail()).toEqual([]);
    // The connection was requested (notification built and sealed) before the power-fail path's first flash write, which did follow.
    expect(log[0]).toBe("connect");
    expect(log.filter((x) => x === "flash").length).toBeGreaterThan(0);
    board.clock.advance(BUDGET);
    const gasp = headEnd.from(POWER_DOWN);
    expect(gasp).toHaveLength(1);
    expect(gasp[0].atUtcMs - signal).toBeLessThanOrEqual(BUDGET);
    expect(gasp[0].ciphered).toBe(true);
    // Short: the push setup's name and the logical device name only.
    expect((gasp[0].body.value as Data[]).length).toBe(2);
    // The MCU stops at the end of the hold-up; power returns a minute later.
    const after = board.restart("power-on", false, 60_000);
    board.clock.advance(12_000);
    const up = headEnd.from(CONNECTIVITY);
    expect(up).toHaveLength(2);
    expect((up[1].body.value as Data[])[2].tag).toBe(Tag.OctetString); // the clock
    // The listener refuses a counter that does not increase: none was refused across the power cut.
    expect(headEnd.errors).toEqual([]);
    expect(after.pushes!.pending(PushLn.connectivity)).toBeUndefined();
  });

  it("a connection that cannot come up within the budget is abandoned, not stored for later", () => {
    const { board, headEnd, meter } = boot();
    headEnd.listener.answerDelayMs = BUDGET + 500;
    const outcomes: PushOutcome[] = [];
    meter.pushes!.onOutcome((o) => outcomes.push(o));
    board.system.raisePowerFail();
    board.clock.advance(holdUpMs + 1000);
    expect(headEnd.from(POWER_DOWN)).toHaveLength(0);
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0].ok).toBe(false);
    expect(outcomes[0].dropped).toBe(true);
    expect(meter.pushes!.pending(PushLn.powerDown)).toBeUndefined();
  });

  it("without a destination nothing is attempted and the power-fail path still saves", () => {
    const board = new SimBoard({ startUtcMs: T0 });
    const meter = board.boot();
    const log = trace(board.flash!, meter.ports.tcpClient!);
    expect(board.system.raisePowerFail()).toEqual([]);
    expect(log.includes("connect")).toBe(false);
    expect(log.includes("flash")).toBe(true);
    expect(meter.faults.total).toBe(0);
  });
});
