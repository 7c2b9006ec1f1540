import type { BenchOp } from "../op.js";
import { PushLn, defaultPushConfig } from "../../src/meter/push.js";
import type { Meter } from "../../src/meter/meter.js";
import type { PushSetup } from "../../src/push/setup.js";
import { SimBoard } from "../../scripts/simulator/board.js";
import { TX_RESERVATION_BLOCK } from "../../src/cosem/security/counters.js";

const T0 = Date.UTC(2026, 0, 14, 9, 0);
const TX_KEY = "ss.m.tx";

interface PushState {
  board: SimBoard;
  meter: Meter;
  setup: PushSetup;
  /** Transmit-counter reservations written to the store so far. */
  reservations: number;
  bytes: number;
}

/** The sim-board meter (ESP32 partition) with a push destination, past start-up and its power-up push. */
function pushMeter(): PushState {
  const board = new SimBoard({ startUtcMs: T0 });
  const meter = board.boot({ push: { ...defaultPushConfig(), destination: "head-end:4059" } });
  board.clock.advance(60_000);
  const state: PushState = { board, meter, setup: meter.pushes!.setup(PushLn.alarm)!, reservations: 0, bytes: 0 };
  const store = meter.store;
  const put = store.put.bind(store);
  store.put = (key, value) => {
    if (key === TX_KEY) state.reservations++;
    put(key, value);
  };
  return state;
}

/**
 * The worst case: the notification's counter value is the first of a new
 * reservation block, so sealing it commits the block's end to flash first
 * (src/cosem/security/counters.ts). `prepare` takes counter values until
 * the next one starts a block.
 */
export const pushAlarmCiphered: BenchOp<PushState> = {
  name: "push.alarm.ciphered",
  notes: "one alarm data-notification (on-alarm Push Setup: its name, the logical device name, the clock) read from the catalog, built and sealed with general-glo-ciphering on the management transmit counter, in the worst case where its counter value opens a new 1024-value reservation (one store write to flash)",
  setup: pushMeter,
  prepare(s) {
    const tx = s.meter.dlms!.setups.management.tx;
    // Find a block start, then stop one value before the next one.
    const seen = s.reservations;
    while (s.reservations === seen) tx.take();
    for (let i = 0; i < TX_RESERVATION_BLOCK - 1; i++) tx.take();
  },
  run(s) {
    const seen = s.reservations;
    const apdu = s.meter.pushes!.notification(s.setup, s.meter.clock.now());
    if (!apdu || apdu[0] !== 0xdb) throw new Error("bench: no general-glo-ciphered notification");
    if (s.reservations !== seen + 1) throw new Error("bench: the notification did not open a reservation block");
    s.bytes = apdu.length;
  },
  bytes: (s) => s.bytes || s.meter.pushes!.notification(s.setup, s.meter.clock.now())!.length,
  iterations: 3,
};
