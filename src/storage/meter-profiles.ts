import { Tag, type Data } from "../cosem/axdr.js";
import { Obis } from "../cosem/obis.js";
import type { BillingSink, BillingSnapshot } from "../tariff/billing.js";
import type { ProfileStatusProvider } from "../tariff/profile-status.js";
import type { LogStore } from "./log-store.js";
import { ProfileStore, type ColumnKind } from "./profile-store.js";
import { CLOCK_TIME, type CaptureObjectDefinition, type ProfileColumn, type ProfileDefinition } from "./profile.js";
import { frozen } from "../util/frozen.js";

/**
 * The profiles of a real meter, as the composition root wires them:
 * - load profile 1.0.99.1.0.255: clock, AMR profile status
 *   (0.0.96.10.1.255, from the tariff's ProfileStatusTracker), four
 *   cumulative energy registers, captured every `periodS`, `capacity` rows;
 * - daily billing values 1.0.99.2.0.255: once a day, the same registers;
 * Periods and depths are the meter configuration's (src/meter/config.ts).
 * - monthly billing 1.0.98.1.0.255 (BillingProfile below, whose method 2
 *   the end-of-billing script runs): the BillingSnapshot of each end of billing —
 *   billing counter, TOU registers, maximum demands and their times.
 * Capture sources are functions returning Data (metrology registers), so
 * nothing here knows metrology; the composition root shows each profile
 * through Profile Generic (class 7) with the meter clock.
 */

export interface CaptureSource {
  readonly definition: CaptureObjectDefinition;
  read(): Data;
}

export const LOAD_PROFILE = Obis.of(1, 0, 99, 1, 0, 255);
export const DAILY_PROFILE = Obis.of(1, 0, 99, 2, 0, 255);
export const MONTHLY_BILLING_PROFILE = Obis.of(1, 0, 98, 1, 0, 255);
const AMR_STATUS: CaptureObjectDefinition = frozen({ classId: 1, logicalName: Obis.of(0, 0, 96, 10, 1, 255), attributeIndex: 2, dataIndex: 0 });

/** Register value definitions (class 3, attribute 2) of the four energy totals the reference meter profiles. */
export function energyRegister(c: number): CaptureObjectDefinition {
  return { classId: 3, logicalName: Obis.of(1, 0, c, 8, 0, 255), attributeIndex: 2, dataIndex: 0 };
}

export interface IntervalProfileOptions {
  readonly logicalName: Obis;
  readonly stream: number;
  readonly periodS: number;
  readonly capacity: number;
  readonly chunkRows: number;
  readonly status: ProfileStatusProvider;
  /** Cumulative registers (energy), in capture order. */
  readonly sources: readonly CaptureSource[];
  /** The profile's own ring of sectors (then `log` is its journal), see src/storage/budget.ts. */
  readonly ring?: LogStore;
}

/** A profile of clock, status and cumulative registers captured on a period. */
function intervalProfile(log: LogStore, o: IntervalProfileOptions): ProfileDefinition {
  const config = { stream: o.stream, columns: o.sources.map((): ColumnKind => "cumulative"), periodS: o.periodS, capacity: o.capacity, chunkRows: o.chunkRows };
  const store = o.ring ? new ProfileStore(o.ring, config, log) : new ProfileStore(log, config);
  const columns: ProfileColumn[] = [
    { definition: CLOCK_TIME, kind: "time" },
    { definition: AMR_STATUS, kind: "status" },
    ...o.sources.map((s, i): ProfileColumn => ({ definition: s.definition, kind: "stored", column: i, tag: tagOf(s.read()), read: () => s.read() })),
  ];
  return { logicalName: o.logicalName, store, columns, status: o.status };
}

/** Period and depth of a profile, from the meter configuration. */
export interface ProfileShape {
  readonly periodS: number;
  readonly capacity: number;
}

/** Rows of the load profile per compacted chunk: a day, at most 96 rows, so a chunk stays well inside a sector. */
export function loadProfileChunkRows(periodS: number): number {
  return Math.max(1, Math.min(96, Math.floor(86400 / periodS)));
}

/** 1.0.99.1.0.255: the load profile, compacted a day per chunk, on its own ring when given one (src/storage/budget.ts). */
export function loadProfile(log: LogStore, status: ProfileStatusProvider, sources: readonly CaptureSource[], shape: ProfileShape, stream = 0, ring?: LogStore): ProfileDefinition {
  return intervalProfile(log, { logicalName: LOAD_PROFILE, stream, periodS: shape.periodS, capacity: shape.capacity, chunkRows: loadProfileChunkRows(shape.periodS), status, sources, ring });
}

/** 1.0.99.2.0.255: daily values, compacted a month per chunk. */
export function dailyProfile(log: LogStore, status: ProfileStatusProvider, sources: readonly CaptureSource[], capacity: number, stream = 1): ProfileDefinition {
  return intervalProfile(log, { logicalName: DAILY_PROFILE, stream, periodS: 86400, capacity, chunkRows: 31, status, sources });
}

/**
 * Monthly billing profile fed by the tariff's Billing (BillingSink): one row
 * per end of billing with the counter, the registers, each maximum demand
 * and its time. Its layout follows the register and demand lists given here,
 * which must match the snapshots' order.
 */
export class BillingProfile implements BillingSink {
  declare readonly profile: ProfileDefinition;
  private declare readonly store: ProfileStore;

  declare readonly registers: readonly Obis[];
  declare readonly demands: readonly Obis[];

  constructor(
    log: LogStore,
    registers: readonly Obis[],
    demands: readonly Obis[],
    options: { logicalName?: Obis; stream?: number; capacity: number; endOfBilling?: (utcMs: number) => void },
  ) {
    this.registers = registers;
    this.demands = demands;
    const kinds: ColumnKind[] = ["value", ...registers.map((): ColumnKind => "cumulative"), ...demands.map((): ColumnKind => "value"), ...demands.map((): ColumnKind => "value")];
    this.store = new ProfileStore(log, { stream: options.stream ?? 2, columns: kinds, periodS: 0, capacity: options.capacity, chunkRows: 1 });
    const n = registers.length;
    const m = demands.length;
    const columns: ProfileColumn[] = [
      { definition: CLOCK_TIME, kind: "time" },
      { definition: { classId: 1, logicalName: Obis.of(0, 0, 0, 1, 0, 255), attributeIndex: 2, dataIndex: 0 }, kind: "stored", column: 0, tag: Tag.Unsigned },
      ...registers.map((o, i): ProfileColumn => ({ definition: { classId: 3, logicalName: o, attributeIndex: 2, dataIndex: 0 }, kind: "stored", column: 1 + i, tag: Tag.DoubleLongUnsigned })),
      ...demands.flatMap((o, i): ProfileColumn[] => [
        { definition: { classId: 4, logicalName: o, attributeIndex: 2, dataIndex: 0 }, kind: "stored", column: 1 + n + i, tag: Tag.DoubleLongUnsigned },
        { definition: { classId: 4, logicalName: o, attributeIndex: 5, dataIndex: 0 }, kind: "storedTime", column: 1 + n + m + i },
      ]),
    ];
    // Method 2 (the end-of-billing script's target) closes the period through the tariff's Billing, which calls capture() below.
    this.profile = { logicalName: options.logicalName ?? MONTHLY_BILLING_PROFILE, store: this.store, columns, captureMethod: options.endOfBilling };
  }

  capture(s: BillingSnapshot): void {
    const values: number[] = [s.counter & 0xff];
    for (let i = 0; i < this.registers.length; i++) {
      const o = this.registers[i];
      values.push(Math.round(s.registers.find((r) => r.obis.key === o.key)?.value ?? 0));
    }
    for (let i = 0; i < this.demands.length; i++) {
      const o = this.demands[i];
      values.push(Math.round(s.maxDemand.find((d) => d.obis.key === o.key)?.value ?? 0));
    }
    for (let i = 0; i < this.demands.length; i++) {
      const o = this.demands[i];
      values.push(Math.floor((s.maxDemand.find((d) => d.obis.key === o.key)?.utcMs ?? 0) / 1000));
    }
    this.store.append(s.utcMs, 0, values);
  }
}

function tagOf(d: Data): typeof Tag.DoubleLongUnsigned | typeof Tag.DoubleLong | typeof Tag.Long64Unsigned | typeof Tag.Long64 | typeof Tag.LongUnsigned | typeof Tag.Unsigned {
  switch (d.tag) {
    case Tag.DoubleLong:
    case Tag.Long64Unsigned:
    case Tag.Long64:
    case Tag.LongUnsigned:
    case Tag.Unsigned:
      return d.tag;
    default:
      return Tag.DoubleLongUnsigned;
  }
}
