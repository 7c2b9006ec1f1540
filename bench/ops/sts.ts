/**
 * Prepayment benchmark: one STS token from its 20 digits to applied credit
 * on the simulator's meter (its real 512 KiB data partition, ESP32 NOR):
 * digit parsing, transposition, EA07 decryption (sample tables: the same
 * work as any table set), CRC, TID rules against a full 50-entry memory
 * (the worst case: search, insert, drop the oldest), the credit record's
 * flash commit, and the relay/threshold check. Tokens are vended in setup,
 * outside the measurement.
 */
import type { BenchOp } from "../op.js";
import type { Meter } from "../../src/meter/meter.js";
import { SimBoard } from "../../scripts/simulator/board.js";
import { simDecoderKey, simPrepaySetup } from "../../scripts/sts/sim-setup.js";
import { SAMPLE_STA_TABLES } from "../../src/prepay/vending/sample-tables.js";
import { Sta } from "../../src/prepay/sta.js";
import { creditToken, tidAt } from "../../src/prepay/vending/vend.js";
import { MIN_TID_MEMORY } from "../../src/prepay/service.js";

const T0 = Date.UTC(2026, 2, 3, 10, 0);
/** More than either harness runs (Node: 30 warm-up + at most 31 samples; XS: 3 + 5). */
const TOKENS = 128;

export interface StsBenchState {
  board: SimBoard;
  meter: Meter;
  tokens: string[];
  next: number;
  lastResult: number;
}

export function stsBenchSetup(): StsBenchState {
  const board = new SimBoard({ startUtcMs: T0 });
  const meter = board.boot({ prepay: simPrepaySetup(), disconnectMode: 6 });
  const sta = new Sta(SAMPLE_STA_TABLES);
  const key = simDecoderKey();
  let tid = tidAt(T0) - 10000;
  // Fill the token-ID memory so every measured token meets a full memory.
  for (let i = 0; i < MIN_TID_MEMORY; i++) meter.prepay!.enterToken(creditToken(10, (tid += 3), tid & 15, key, sta), "remote");
  board.clock.advance(60_000);
  const tokens: string[] = [];
  for (let i = 0; i < TOKENS; i++) tokens.push(creditToken(125, (tid += 3), tid & 15, key, sta));
  return { board, meter, tokens, next: 0, lastResult: -1 };
}

export const stsTokenDecode: BenchOp<StsBenchState> = {
  name: "sts.token.decode",
  notes: "one STS credit token from 20 digits to applied credit: decode (EA07), CRC, TID rules on a full 50-TID memory, credit record committed to flash, relay check",
  setup: stsBenchSetup,
  run(s) {
    s.lastResult = s.meter.prepay!.enterToken(s.tokens[s.next++ % TOKENS], "remote").result;
  },
};
