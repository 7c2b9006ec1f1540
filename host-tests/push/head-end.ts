/**
 * A head-end on the simulated network for the push tests: accepts the
 * meter's connections on a port, cuts wrapper frames and opens each
 * data-notification with the project's DLMS client under the meter's keys
 * (the same path as `lab listen`), recording when it arrived and the wPorts.
 */
import { DlmsClient } from "../../src/cosem/client/client.js";
import type { Data } from "../../src/cosem/axdr.js";
import type { SimTcpListener } from "../../hal/sim/tcp.js";
import { DEVELOPMENT_KEYS } from "../../src/meter/config.js";
import { WrapperReader } from "../../src/transport/wrapper/wrapper.js";
import { SimBoard } from "../../scripts/simulator/board.js";
import { defaultPushConfig } from "../../src/meter/push.js";

export interface Received {
  atUtcMs: number;
  source: number;
  destination: number;
  ciphered: boolean;
  longInvokeId: number;
  dateTime: Uint8Array;
  body: Data;
  /** The first element of the body: the push setup's logical name (6 bytes), as the meter's bodies start. */
  setup: string;
}

export class HeadEnd {
  readonly got: Received[] = [];
  readonly errors: string[] = [];
  readonly listener: SimTcpListener;
  readonly #client: DlmsClient;

  constructor(board: SimBoard, port: number) {
    this.#client = new DlmsClient({
      exchange: async () => undefined,
      ciphering: {
        crypto: board.crypto,
        systemTitle: new Uint8Array(8),
        keys: { encryptionKey: DEVELOPMENT_KEYS.globalUnicastKey, authenticationKey: DEVELOPMENT_KEYS.authenticationKey },
        invocationCounter: 1,
      },
    });
    this.listener = board.network.listen(port);
    this.listener.onConnection((c) => {
      const reader = new WrapperReader(
        65535,
        (m) => {
          try {
            const n = this.#client.notification(m.apdu);
            const first = n.body.tag === 2 ? (n.body.value as Data[])[0] : undefined;
            const setup = first && first.tag === 9 ? Array.from(first.value as Uint8Array).join(".") : "";
            this.got.push({
              atUtcMs: board.clock.nowUtcMs(),
              source: m.header.source,
              destination: m.header.destination,
              ciphered: m.apdu[0] !== 0x0f,
              longInvokeId: n.longInvokeId,
              dateTime: n.dateTime,
              body: n.body,
              setup,
            });
          } catch (e) {
            this.errors.push((e as Error).message);
          }
        },
        (e) => this.errors.push(e.message),
      );
      c.onData((b) => reader.push(b));
    });
  }

  from(setup: string): Received[] {
    return this.got.filter((r) => r.setup === setup);
  }
}

/**
 * A sim-board meter booted at `startUtcMs` with the default pushes sent to a
 * head-end on `port`; `settleMs` of simulated time first (boot's power-up
 * push goes out in it), `random` for the push randomisation.
 */
export function bootWithHeadEnd(startUtcMs: number, port: number, settleMs = 0, random?: (n: number) => Uint8Array) {
  const board = new SimBoard({ startUtcMs, ...(random ? { random } : {}) });
  const headEnd = new HeadEnd(board, port);
  const meter = board.boot({ push: { ...defaultPushConfig(), destination: `head-end:${port}` } });
  if (settleMs > 0) board.clock.advance(settleMs);
  return { board, headEnd, meter };
}

/** A push schedule's execution time as the Blue Book writes it: every day at hour:minute (date and seconds not specified). */
export function dailyAt(hour: number, minute: number): Uint8Array {
  return Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, hour, minute, 0, 0, 0x80, 0x00, 0xff);
}
