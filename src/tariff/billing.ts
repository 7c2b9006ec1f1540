import { Obis } from "../cosem/obis.js";
import { bytesEqual } from "../util/bytes.js";
import type { RegisterActivation, TouRegisterBank } from "./registers.js";

/**
 * Maximum demand and billing periods.
 *
 * Demand is block demand over the measuring period (default 15 min): the
 * import active energy of each period, as average power (W), against the
 * total maximum (1.0.1.6.0.255) and the maximum of the tariff active at the
 * end of the period (1.0.1.6.t.255), each with the UTC instant of the period
 * end. End of billing period hands a snapshot of the TOU registers and the
 * maxima to the BillingSink (the billing profile in src/storage), resets the
 * maxima and increments the billing period counter (0.0.0.1.0.255).
 */

export interface MaxDemand {
  obis: Obis;
  /** W; 0 when no period closed yet. */
  value: number;
  utcMs: number;
}

export interface BillingSnapshot {
  /** Billing period counter value after this reset (1 for the first). */
  counter: number;
  utcMs: number;
  registers: { obis: Obis; value: number }[];
  maxDemand: MaxDemand[];
}

/** Receives billing snapshots (the billing profile implements it). */
export interface BillingSink {
  capture(snapshot: BillingSnapshot): void;
}

export const BILLING_COUNTER_OBIS = Obis.of(0, 0, 0, 1, 0, 255);

export class DemandTracker {
  readonly maxima: MaxDemand[] = [];
  private energy = 0;

  constructor(
    readonly periodS = 900,
    tariffs = 4,
  ) {
    for (let t = 0; t <= tariffs; t++) this.maxima.push({ obis: Obis.of(1, 0, 1, 6, t, 255), value: 0, utcMs: 0 });
  }

  addImport(wh: number): void {
    this.energy += wh;
  }

  /** Closes a demand period ending at utcMs while tariff `tariff` (1..n, 0 = unknown) is active. */
  closePeriod(utcMs: number, tariff: number): void {
    const w = (this.energy * 3600) / this.periodS;
    this.energy = 0;
    const total = this.maxima[0];
    if (w > total.value) {
      total.value = w;
      total.utcMs = utcMs;
    }
    const m = this.maxima[tariff];
    if (tariff > 0 && m && w > m.value) {
      m.value = w;
      m.utcMs = utcMs;
    }
  }

  /** Demand-register reset at the end of a billing period. */
  reset(): void {
    for (let k = 0; k < this.maxima.length; k++) {
      const m = this.maxima[k];
      m.value = 0;
      m.utcMs = 0;
    }
  }
}

/** Tariff number of the active mask: the E group shared by its registers (0 when mixed or none). */
export function activeTariff(activation: RegisterActivation): number {
  const active = activation.activeMask;
  const mask = active.length === 0 ? undefined : activation.masks.find((m) => bytesEqual(m.name, active));
  if (!mask) return 0;
  let t = -1;
  for (let j = 0; j < mask.indices.length; j++) {
    const i = mask.indices[j];
    const r = activation.assignment[i - 1];
    if (!r) continue;
    if (t < 0) t = r.logicalName.e;
    else if (t !== r.logicalName.e) return 0;
  }
  return t < 0 ? 0 : t;
}

export class Billing {
  counter = 0;

  constructor(
    private readonly bank: TouRegisterBank,
    private readonly demand: DemandTracker,
    private readonly sink: BillingSink,
  ) {}

  /** End of billing period at utcMs. */
  endOfPeriod(utcMs: number): BillingSnapshot {
    this.counter++;
    const snapshot: BillingSnapshot = {
      counter: this.counter,
      utcMs,
      registers: this.bank.obis.map((o) => ({ obis: o, value: this.bank.value(o) })),
      maxDemand: this.demand.maxima.map((m) => ({ obis: m.obis, value: m.value, utcMs: m.utcMs })),
    };
    this.sink.capture(snapshot);
    this.demand.reset();
    return snapshot;
  }
}
