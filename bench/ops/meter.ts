/**
 * Benchmark operations of the whole meter (proved by
 * host-tests/meter/bench-ops.test.ts). Synchronous, on the sim board, so
 * they run on XS and Node.
 */
import type { BenchOp } from "../op.js";
import type { Meter } from "../../src/meter/meter.js";
import { formatStatus } from "../../src/meter/status.js";
import { SimBoard } from "../../scripts/simulator/board.js";

const T0 = Date.UTC(2026, 0, 14, 9, 0);

export interface MeterState {
  board: SimBoard;
  meter: Meter;
}

function running(): MeterState {
  const board = new SimBoard({ startUtcMs: T0 });
  const meter = board.boot();
  // Past start-up effects (first persist, tariff sync) so that the op is a steady-state tick.
  board.clock.advance(60_000);
  return { board, meter };
}

export const meterTick: BenchOp<MeterState> = {
  name: "meter.tick",
  notes: "one 1 s tick of the whole meter: ATM90E32 sample over SPI, tariff engine, limiter, register monitor, relay check",
  setup: running,
  run(s) {
    s.board.clock.advance(1000);
  },
};

export const meterBoot: BenchOp<MeterState> = {
  name: "meter.boot",
  notes: "firmware start on a used flash partition: mount scan, every domain restored, the whole catalog (129 objects on the sim board when written), xDLMS server, links; on an almost empty partition (a full year's partition: meter.boot.full-year)",
  setup() {
    const s = running();
    s.meter.persist();
    return s;
  },
  run(s) {
    s.meter = s.board.restart("software");
  },
};

export const meterStatusLine: BenchOp<MeterState> = {
  name: "meter.status",
  notes: "the live status snapshot and its one-line text",
  setup: running,
  run(s) {
    formatStatus(s.meter.status());
  },
  batch: 10,
};
