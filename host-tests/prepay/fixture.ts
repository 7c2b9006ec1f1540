/**
 * A prepayment service on the sample tables and DK-A (the vectors' key for
 * PAN 600727000000000009), a relay with feedback that follows the coil, a
 * settable import energy and clock: enough to drive the token rules and
 * credit without a whole meter.
 */
import type { DigitalIn, DigitalOut } from "../../hal/digital.js";
import type { MeterEvent } from "../../src/events.js";
import type { KeyValueStore } from "../../src/persistence.js";
import { MemoryKeyValueStore } from "../../src/persistence.js";
import { DisconnectControl } from "../../src/relay/disconnect.js";
import { SAMPLE_STA_TABLES } from "../../src/prepay/vending/sample-tables.js";
import { PrepayService, defaultPrepayConfig, type PrepayConfig } from "../../src/prepay/service.js";
import { Sta } from "../../src/prepay/sta.js";
import type { KeyData } from "../../src/prepay/state.js";
import { creditToken, encodeToken } from "../../src/prepay/vending/vend.js";
import { encodeAmount } from "../../src/prepay/vending/token-encode.js";
import { fromHex } from "../../src/util/bytes.js";

export const sta = new Sta(SAMPLE_STA_TABLES);
export const DK_A = fromHex("e653341f9d5bf36f");
export const DK_C = fromHex("bcb1b757926bd181");
export const PAN_A = "600727000000000009";
export const KEY_A: KeyData = { key: DK_A, krn: 1, ti: 1, kt: 2, ken: 255 };

export class Env {
  now = Date.UTC(2026, 0, 5, 12, 0); // a Monday, noon
  importWh = 0;
  friendly = false;
  events: MeterEvent[] = [];
  powerLimit: number | undefined;
  tamperCleared = 0;
  coil: 0 | 1 = 1;
  readonly relayOut: DigitalOut = { write: (l) => (this.coil = l), read: () => this.coil };
  readonly feedback: DigitalIn = { read: () => this.coil };
  readonly disconnect: DisconnectControl;
  service!: PrepayService;

  constructor(
    readonly store: KeyValueStore = new MemoryKeyValueStore(),
    readonly config: PrepayConfig = defaultPrepayConfig(KEY_A, PAN_A),
    mode = 6,
  ) {
    this.disconnect = new DisconnectControl(this.relayOut, this.feedback, { record: (e) => this.events.push(e) }, () => this.now, mode);
    this.boot();
  }

  /** Builds the service over the same store (a restart). */
  boot(): PrepayService {
    this.service = new PrepayService(this.config, {
      store: this.store,
      events: { record: (e) => this.events.push(e) },
      sta,
      nowUtc: () => this.now,
      importWh: () => this.importWh,
      isFriendly: () => this.friendly,
      relay: this.disconnect,
      setPowerLimit: (w) => (this.powerLimit = w),
      clearTamper: () => this.tamperCleared++,
    });
    return this.service;
  }

  codes(from = 0): number[] {
    return this.events.slice(from).filter((e) => e.log === "prepayment").map((e) => e.code);
  }
}

/** Credit token of `kwh` kWh (0.1 kWh steps) with this TID under `key`. */
export function credit(kwh: number, tid: number, key = DK_A): string {
  return creditToken(Math.round(kwh * 10), tid, tid & 15, key, sta);
}

export function management(subclass: number, tid: number, value: number, key = DK_A): string {
  return encodeToken({ kind: "value", tokenClass: 2, subclass, rnd: 3, tid, value }, key, sta);
}

export function mpl(watts: number, tid: number, key = DK_A): string {
  return management(0, tid, encodeAmount(watts)!, key);
}
