import type { EventLogId, EventSink, MeterEvent } from "../events.js";
import { Tag } from "../cosem/axdr.js";
import { Obis } from "../cosem/obis.js";
import type { LogStore } from "./log-store.js";
import { ProfileStore, type ProfileRow } from "./profile-store.js";
import { CLOCK_TIME, type ProfileDefinition } from "./profile.js";
import { frozen } from "../util/frozen.js";
import { readU32 as u32, writeU32 as put32 } from "../util/bytes.js";

/**
 * The meter's event logs: one profile store per log (time, event code,
 * value), hash-chained so that an altered or removed entry is detected.
 *
 * Each row carries chain_n = first 8 bytes of
 *   SHA-256(chain_{n-1} | entry number | UTC seconds | code | value)
 * (integers as 4 big-endian bytes, value as 8; chain_0 = 8 zero bytes). The
 * chain is stored in the row (two 32-bit columns) but not shown in the
 * COSEM buffer. Verification replays it; once FIFO has dropped old rows the
 * oldest kept row's chain is the anchor. A hole in the entry numbers found at
 * start-up (ProfileStore.missing) is reported as removal too. Truncating the
 * newest rows is not detectable from the log alone (no external anchor).
 *
 * The hash comes from the crypto port (hal/crypto.ts sha256), injected.
 */

export interface Sha256 {
  sha256(data: Uint8Array): Uint8Array;
}

export interface EventLogSpec {
  readonly id: EventLogId;
  readonly logicalName: Obis;
  /** Event code object shown as the second capture object (class 1, attribute 2). */
  readonly codeObject: Obis;
  /** Second value column (power-failure duration) or none. */
  readonly valueObject?: Obis;
  readonly capacity: number;
}

/**
 * Logical names: standard, fraud, disconnector, power quality and power
 * failure as IDIS lists them; security and firmware logs are this project's
 * choice within the same group (to be confirmed against the IDIS object list).
 */
export const EVENT_LOGS: readonly EventLogSpec[] = frozen([
  { id: "standard", logicalName: Obis.of(0, 0, 99, 98, 0, 255), codeObject: Obis.of(0, 0, 96, 11, 0, 255), capacity: 200 },
  { id: "fraud", logicalName: Obis.of(0, 0, 99, 98, 1, 255), codeObject: Obis.of(0, 0, 96, 11, 1, 255), capacity: 100 },
  { id: "disconnector", logicalName: Obis.of(0, 0, 99, 98, 2, 255), codeObject: Obis.of(0, 0, 96, 11, 2, 255), capacity: 100 },
  { id: "power-quality", logicalName: Obis.of(0, 0, 99, 98, 4, 255), codeObject: Obis.of(0, 0, 96, 11, 4, 255), capacity: 100 },
  { id: "power-failure", logicalName: Obis.of(0, 0, 99, 97, 0, 255), codeObject: Obis.of(0, 0, 96, 11, 3, 255), valueObject: Obis.of(0, 0, 96, 7, 19, 255), capacity: 100 },
  { id: "security", logicalName: Obis.of(0, 0, 99, 98, 6, 255), codeObject: Obis.of(0, 0, 96, 11, 6, 255), capacity: 100 },
  { id: "firmware", logicalName: Obis.of(0, 0, 99, 98, 7, 255), codeObject: Obis.of(0, 0, 96, 11, 7, 255), capacity: 50 },
  // Token results and credit events: an STS meter logs one entry per token, which would flood the standard log and
  // needs more codes than its manufacturer range has. Last in the list, so the other logs keep their streams.
  { id: "prepayment", logicalName: Obis.of(0, 0, 99, 98, 8, 255), codeObject: Obis.of(0, 0, 96, 11, 8, 255), capacity: 100 },
]);

/** Entries of every event log together (the storage budget's share for them). */
export const EVENT_LOG_ENTRIES = EVENT_LOGS.reduce((n, l) => n + l.capacity, 0);

export interface ChainReport {
  readonly log: EventLogId;
  readonly ok: boolean;
  /** Rows whose chain was checked. */
  readonly checked: number;
  /** First entry whose stored chain does not match, if any. */
  readonly alteredAt?: number;
  /** Entry ranges missing from the log. */
  readonly removed: readonly { from: number; to: number }[];
}

const CODE = 0;
const VALUE = 1;
const CHAIN_HI = 2;
const CHAIN_LO = 3;

export class EventLogSink implements EventSink {
  private declare readonly stores: Map<EventLogId, ProfileStore>;
  private declare readonly heads: Map<EventLogId, Uint8Array>;

  private declare readonly hash: Sha256;
  declare readonly specs: readonly EventLogSpec[];

  /** Registers one profile store per log on `log` (streams firstStream.. one per log); call log.mount() afterwards. */
  constructor(
    log: LogStore,
    hash: Sha256,
    specs: readonly EventLogSpec[] = EVENT_LOGS,
    firstStream = 8,
  ) {
    this.stores = new Map<EventLogId, ProfileStore>();
    this.heads = new Map<EventLogId, Uint8Array>();
    this.hash = hash;
    this.specs = specs;
    specs.forEach((spec, i) => {
      this.stores.set(spec.id, new ProfileStore(log, { stream: firstStream + i, columns: ["value", "value", "value", "value"], periodS: 0, capacity: spec.capacity, chunkRows: 16 }));
    });
  }

  store(id: EventLogId): ProfileStore {
    const s = this.stores.get(id);
    if (!s) throw new RangeError(`no event log ${id}`);
    return s;
  }

  record(event: MeterEvent): void {
    const store = this.stores.get(event.log);
    if (!store) return;
    const prev = this.head(event.log, store);
    const utcMs = Math.floor(event.utcMs / 1000) * 1000;
    // Any number a domain reports is storable: not-a-number as 0, beyond 2^53 clamped (the varint rows hold safe integers).
    const v = event.value ?? 0;
    const value = v === v ? Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, Math.round(v))) : 0;
    const chain = this.link(prev, store.lastEntry + 1, utcMs, event.code, value);
    store.append(utcMs, 0, [event.code, value, u32(chain, 0), u32(chain, 4)]);
    this.heads.set(event.log, chain);
  }

  /** Replays the chain of one log. */
  verify(id: EventLogId): ChainReport {
    const store = this.store(id);
    let prev: Uint8Array | undefined = store.firstEntry === 1 ? new Uint8Array(8) : undefined;
    let checked = 0;
    let alteredAt: number | undefined;
    let expectNo = store.firstEntry;
    const removed: { from: number; to: number }[] = [];
    for (const r of store.rows(store.firstEntry, store.lastEntry)) {
      if (r.entryNo !== expectNo) {
        // A hole (ProfileStore.missing): reported; the row after it anchors the chain again.
        removed.push({ from: expectNo, to: r.entryNo - 1 });
        prev = undefined;
      }
      expectNo = r.entryNo + 1;
      const stored = chainOf(r);
      if (prev !== undefined) {
        const want = this.link(prev, r.entryNo, r.utcMs, r.values[CODE], r.values[VALUE]);
        if (alteredAt === undefined && !same(want, stored)) alteredAt = r.entryNo;
        checked++;
      }
      prev = stored;
    }
    return { log: id, ok: alteredAt === undefined && removed.length === 0, checked, alteredAt, removed };
  }

  verifyAll(): ChainReport[] {
    return this.specs.map((s) => this.verify(s.id));
  }

  /** Every log as a profile (time, code, value), which the catalog shows through class 7. */
  profiles(): ProfileDefinition[] {
    return this.specs.map(
      (spec): ProfileDefinition => ({
        logicalName: spec.logicalName,
        store: this.store(spec.id),
        columns: [
          { definition: CLOCK_TIME, kind: "time" },
          { definition: { classId: 1, logicalName: spec.codeObject, attributeIndex: 2, dataIndex: 0 }, kind: "stored", column: CODE, tag: spec.id === "standard" || spec.id === "fraud" ? Tag.Unsigned : Tag.LongUnsigned },
          ...(spec.valueObject ? [{ definition: { classId: 3, logicalName: spec.valueObject, attributeIndex: 2, dataIndex: 0 }, kind: "stored" as const, column: VALUE, tag: Tag.DoubleLongUnsigned }] : []),
        ],
      }),
    );
  }

  private head(id: EventLogId, store: ProfileStore): Uint8Array {
    let h = this.heads.get(id);
    if (!h) {
      const last = store.last();
      h = last ? chainOf(last) : new Uint8Array(8);
      this.heads.set(id, h);
    }
    return h;
  }

  private link(prev: Uint8Array, entryNo: number, utcMs: number, code: number, value: number): Uint8Array {
    const m = new Uint8Array(8 + 4 + 4 + 4 + 8);
    m.set(prev, 0);
    put32(m, 8, entryNo);
    put32(m, 12, Math.floor(utcMs / 1000));
    put32(m, 16, code);
    put32(m, 20, Math.floor(value / 0x100000000));
    put32(m, 24, value >>> 0);
    return this.hash.sha256(m).slice(0, 8);
  }
}

function chainOf(r: ProfileRow): Uint8Array {
  const c = new Uint8Array(8);
  put32(c, 0, r.values[CHAIN_HI]);
  put32(c, 4, r.values[CHAIN_LO]);
  return c;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 8; i++) if (a[i] !== b[i]) return false;
  return true;
}

