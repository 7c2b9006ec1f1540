import { DecodeError } from "../util/errors.js";
import { StorageError, type LogOwner, type LogStore } from "./log-store.js";
import { VarintReader, VarintWriter } from "./varint.js";

/**
 * Profile storage on the log store: rows of (time, status, integer columns)
 * keeping only what cannot be derived.
 *
 * - Time: implicit, previous row + capture period; a row off that grid (a
 *   gap, a clock change, the first row) carries an explicit difference.
 * - Status: one header byte per row; the status byte follows only when not 0.
 * - Cumulative columns (energy registers) as zigzag varint deltas from the
 *   previous row, other columns as zigzag varints.
 *
 * Each capture is committed at once as a one-row chunk record; every
 * `chunkRows` rows they are compacted into one chunk record (a day of a
 * 15-minute profile), after which the one-row records are garbage for the
 * collector. A chunk decodes alone (its first row carries absolute values).
 *
 * The RAM index holds one item per chunk (first entry number, row count,
 * earliest and latest time, address), so a read by entry or by time reads
 * only the chunks it needs. Entry numbers only grow: reset records the
 * number below which rows are gone, capacity expiry (FIFO) is derived from
 * the last entry number, and a chunk resurrected by a half-erased sector is
 * recognised as a duplicate or as expired by its numbers.
 */

export type ColumnKind = "cumulative" | "value";

export interface ProfileStoreConfig {
  /** 0..100: this profile's record types are 16 + 2·stream (chunk) and 17 + 2·stream (reset). */
  readonly stream: number;
  readonly columns: readonly ColumnKind[];
  /** Capture period in seconds; 0 for irregular rows (event logs). */
  readonly periodS: number;
  /** profile_entries: rows kept, oldest dropped first (FIFO). */
  readonly capacity: number;
  /** Rows per compacted chunk (96 = a day of 15-minute rows). */
  readonly chunkRows: number;
}

export interface ProfileRow {
  readonly entryNo: number;
  /** UTC ms, whole seconds. */
  readonly utcMs: number;
  readonly status: number;
  readonly values: readonly number[];
}

interface Item {
  first: number;
  count: number;
  minS: number;
  maxS: number;
  addr: number;
  seq: number;
  /** Body length of the record. */
  bytes: number;
}

const EXPLICIT_TIME = 0x80;
const HAS_STATUS = 0x40;

export class ProfileStore implements LogOwner {
  readonly config: ProfileStoreConfig;
  private readonly log: LogStore;
  private readonly chunkType: number;
  private readonly resetType: number;
  /** Visible chunks, ascending and contiguous by entry number. */
  private items: Item[] = [];
  private readonly byAddr = new Map<number, Item>();
  private candidates: Item[] = [];
  /** Rows since the last compacted chunk (committed as one-row records). */
  private pending: ProfileRow[] = [];
  private nextEntry = 1;
  private resetPoint = 1;
  private resetAddr = -1;
  /** Rows below this were dropped to make room (RAM only: they are gone or will be). */
  private dropBelow = 1;
  private keepFrom = 1;

  /** Registers the profile's record types; call log.mount() afterwards. */
  constructor(log: LogStore, config: ProfileStoreConfig) {
    if (!(config.stream >= 0 && config.stream <= 100) || config.capacity < 1 || config.chunkRows < 1) throw new RangeError("profile store config");
    this.log = log;
    this.config = config;
    this.chunkType = 16 + 2 * config.stream;
    this.resetType = 17 + 2 * config.stream;
    log.register(this.chunkType, this);
    log.register(this.resetType, this);
  }

  /** Entry ranges found missing at start-up (rows that were lost or removed behind the store's back). */
  readonly missing: { from: number; to: number }[] = [];

  /** Entry number of the oldest row kept. */
  get firstEntry(): number {
    return this.items.length ? Math.max(this.items[0].first, this.keepFrom) : this.nextEntry;
  }

  get lastEntry(): number {
    return this.nextEntry - 1;
  }

  get entriesInUse(): number {
    return this.nextEntry - this.firstEntry;
  }

  /** Appends a row (committed when it returns); returns its entry number. */
  append(utcMs: number, status: number, values: readonly number[]): number {
    if (values.length !== this.config.columns.length) throw new RangeError("profile row has the wrong number of columns");
    const row: ProfileRow = { entryNo: this.nextEntry, utcMs: Math.floor(utcMs / 1000) * 1000, status: status & 0xff, values: values.slice() };
    const body = this.encode([row]);
    const addr = this.appendRecord(this.chunkType, body);
    this.addItem({ first: row.entryNo, count: 1, minS: row.utcMs / 1000, maxS: row.utcMs / 1000, addr, seq: 0, bytes: body.length });
    this.nextEntry++;
    this.expire();
    if (this.config.chunkRows > 1) {
      this.pending.push(row);
      if (this.pending.length >= this.config.chunkRows) this.compact();
    }
    return row.entryNo;
  }

  /** Drops every row (Profile Generic reset); entry numbers continue. */
  reset(): void {
    const w = new VarintWriter(8);
    w.uint(this.nextEntry);
    this.resetAddr = this.appendRecord(this.resetType, w.bytes());
    this.resetPoint = this.nextEntry;
    this.pending = [];
    this.expire();
  }

  /**
   * Rows with entry numbers in [from, to], oldest first, reading only the
   * chunks that hold them. Safe while captures go on: it follows entry
   * numbers, not index positions, and skips rows the FIFO dropped meanwhile.
   */
  *rows(from: number, to: number): Generator<ProfileRow> {
    let e = Math.max(from, this.firstEntry);
    while (e <= to && e <= this.lastEntry) {
      if (e < this.firstEntry) e = this.firstEntry;
      const it = this.items[this.itemAt(e)];
      if (!it || it.first > e || it.first + it.count <= e) break;
      let next = it.first + it.count;
      for (const r of this.chunk(it)) {
        if (r.entryNo < e || r.entryNo > to) continue;
        next = r.entryNo + 1;
        yield r;
      }
      e = Math.max(e + 1, next);
    }
  }

  /** Rows whose time is in [fromMs, toMs], reading only chunks whose time span meets the range. */
  *rowsInTime(fromMs: number, toMs: number): Generator<ProfileRow> {
    const fromS = Math.ceil(fromMs / 1000);
    const toS = Math.floor(toMs / 1000);
    const items = this.items.slice();
    for (const it of items) {
      if (it.maxS < fromS || it.minS > toS) continue;
      for (const r of this.chunk(it)) {
        if (r.entryNo < this.firstEntry) continue;
        const s = r.utcMs / 1000;
        if (s >= fromS && s <= toS) yield r;
      }
    }
  }

  /** Number of rows rowsInTime would give; decodes only chunks that straddle a bound. */
  countInTime(fromMs: number, toMs: number): number {
    const fromS = Math.ceil(fromMs / 1000);
    const toS = Math.floor(toMs / 1000);
    let n = 0;
    for (const it of this.items) {
      if (it.maxS < fromS || it.minS > toS) continue;
      if (it.minS >= fromS && it.maxS <= toS && it.first >= this.firstEntry) {
        n += it.count;
        continue;
      }
      for (const r of this.chunk(it)) {
        const s = r.utcMs / 1000;
        if (r.entryNo >= this.firstEntry && s >= fromS && s <= toS) n++;
      }
    }
    return n;
  }

  /** Flash bytes of the live records holding the rows (record framing included). */
  storedBytes(): number {
    let n = 0;
    for (const it of this.items) n += this.log.span(it.bytes);
    return n;
  }

  /** The newest row, if any (from RAM when it is pending). */
  last(): ProfileRow | undefined {
    if (this.pending.length) return this.pending[this.pending.length - 1];
    let out: ProfileRow | undefined;
    for (const r of this.rows(this.lastEntry, this.lastEntry)) out = r;
    return out;
  }

  // ---------------------------------------------------------------- LogOwner

  recovered(addr: number, seq: number, type: number, body: Uint8Array): void {
    try {
      if (type === this.resetType) {
        const p = new VarintReader(body).uint();
        if (p >= this.resetPoint) {
          this.resetPoint = p;
          this.resetAddr = addr;
        }
        return;
      }
      const rows = this.decode(body);
      let minS = Infinity;
      let maxS = -Infinity;
      for (const r of rows) {
        minS = Math.min(minS, r.utcMs / 1000);
        maxS = Math.max(maxS, r.utcMs / 1000);
      }
      if (rows.length) this.candidates.push({ first: rows[0].entryNo, count: rows.length, minS, maxS, addr, seq, bytes: body.length });
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e; // a CRC-valid record we cannot read is ignored, like any unknown record
    }
  }

  mounted(): void {
    const c = this.candidates;
    this.candidates = [];
    // Longest chunk first at each start, newest copy first: compacted chunks hide their one-row records.
    c.sort((a, b) => a.first - b.first || b.count - a.count || b.seq - a.seq);
    let next = -1;
    for (const it of c) {
      if (it.first + it.count <= this.resetPoint) continue;
      if (next >= 0 && it.first < next) continue;
      if (it.first < this.resetPoint) continue; // cannot straddle a reset by construction
      this.addItem(it);
      next = it.first + it.count;
    }
    // Rows are contiguous from the oldest kept: a break would mean a chunk went missing; keep the newest run.
    let start = 0;
    // Nothing legitimate leaves a hole (compaction keeps the one-row records until the chunk is committed): report it.
    for (let i = 1; i < this.items.length; i++) {
      const prev = this.items[i - 1];
      if (this.items[i].first !== prev.first + prev.count) {
        this.missing.push({ from: prev.first + prev.count, to: this.items[i].first - 1 });
        start = i;
      }
    }
    for (let i = 0; i < start; i++) this.byAddr.delete(this.items[i].addr);
    if (start) this.items = this.items.slice(start);
    const lastItem = this.items[this.items.length - 1];
    this.nextEntry = Math.max(this.resetPoint, lastItem ? lastItem.first + lastItem.count : 1);
    this.dropBelow = 1;
    this.expire();
    // Rows after the last compacted chunk are pending compaction.
    this.pending = [];
    let k = this.items.length;
    while (k > 0 && this.items[k - 1].count === 1 && this.config.chunkRows > 1) k--;
    for (let i = k; i < this.items.length; i++) {
      for (const r of this.chunk(this.items[i])) this.pending.push(r);
    }
  }

  isLive(addr: number, type: number): boolean {
    if (type === this.resetType) return addr === this.resetAddr;
    return this.byAddr.has(addr);
  }

  moved(from: number, to: number, type: number): void {
    if (type === this.resetType) {
      if (from === this.resetAddr) this.resetAddr = to;
      return;
    }
    const it = this.byAddr.get(from);
    if (!it) return;
    this.byAddr.delete(from);
    it.addr = to;
    this.byAddr.set(to, it);
  }

  // ---------------------------------------------------------------- internals

  private appendRecord(type: number, body: Uint8Array): number {
    for (;;) {
      try {
        return this.log.append(type, body);
      } catch (e) {
        // FIFO: when the log is full of live rows, the oldest chunk goes first.
        if (!(e instanceof StorageError) || e.code !== "full" || this.items.length < 2) throw e;
        this.dropBelow = this.items[0].first + this.items[0].count;
        this.expire();
      }
    }
  }

  private compact(): void {
    const rows = this.pending;
    const body = this.encode(rows);
    const addr = this.appendRecord(this.chunkType, body);
    const first = rows[0].entryNo;
    let minS = Infinity;
    let maxS = -Infinity;
    for (const r of rows) {
      minS = Math.min(minS, r.utcMs / 1000);
      maxS = Math.max(maxS, r.utcMs / 1000);
    }
    // The one-row records of these rows leave the index (and so become garbage).
    while (this.items.length && this.items[this.items.length - 1].first >= first) {
      this.byAddr.delete((this.items.pop() as Item).addr);
    }
    this.addItem({ first, count: rows.length, minS, maxS, addr, seq: 0, bytes: body.length });
    this.pending = [];
  }

  private addItem(it: Item): void {
    this.items.push(it);
    this.byAddr.set(it.addr, it);
  }

  /** Removes chunks wholly below the oldest row kept (capacity, reset, drops). */
  private expire(): void {
    const keepFrom = Math.max(this.resetPoint, this.dropBelow, this.nextEntry - this.config.capacity);
    let n = 0;
    while (n < this.items.length && this.items[n].first + this.items[n].count <= keepFrom) {
      this.byAddr.delete(this.items[n].addr);
      n++;
    }
    if (n) this.items = this.items.slice(n);
    // A partly expired chunk stays stored until wholly expired; reads start at keepFrom.
    this.keepFrom = keepFrom;
  }

  /** Rows of one chunk; none when its record is gone (collected while a read was under way). */
  private chunk(it: Item): ProfileRow[] {
    const body = this.log.read(it.addr);
    if (!body) return [];
    try {
      return this.decode(body);
    } catch (e) {
      if (e instanceof DecodeError) return [];
      throw e;
    }
  }

  private itemAt(entry: number): number {
    let lo = 0;
    let hi = this.items.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.items[mid].first <= entry) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  encode(rows: readonly ProfileRow[]): Uint8Array {
    const cols = this.config.columns;
    const period = this.config.periodS;
    const w = new VarintWriter(16 + rows.length * (2 + cols.length * 2));
    const firstS = rows[0].utcMs / 1000;
    w.uint(rows[0].entryNo);
    w.uint(rows.length);
    w.uint(firstS);
    let prevS = firstS - period;
    const prev = new Array<number>(cols.length).fill(0);
    for (const r of rows) {
      const s = r.utcMs / 1000;
      const expected = prevS + period;
      let h = 0;
      if (s !== expected) h |= EXPLICIT_TIME;
      if (r.status !== 0) h |= HAS_STATUS;
      w.byte(h);
      if (r.status !== 0) w.byte(r.status);
      if (s !== expected) w.sint(s - expected);
      for (let c = 0; c < cols.length; c++) {
        const v = r.values[c];
        if (cols[c] === "cumulative") {
          w.sint(v - prev[c]);
          prev[c] = v;
        } else w.sint(v);
      }
      prevS = s;
    }
    return w.bytes();
  }

  /** Total: any bytes give rows or a DecodeError. */
  decode(body: Uint8Array): ProfileRow[] {
    const cols = this.config.columns;
    const period = this.config.periodS;
    const r = new VarintReader(body);
    const first = r.uint();
    const count = r.uint();
    const firstS = r.uint();
    if (count < 1 || count > r.remaining) throw new DecodeError("bad-count", `chunk of ${count} rows in ${r.remaining} bytes`);
    let prevS = firstS - period;
    const prev = new Array<number>(cols.length).fill(0);
    const out: ProfileRow[] = [];
    for (let i = 0; i < count; i++) {
      const h = r.byte();
      if (h & ~(EXPLICIT_TIME | HAS_STATUS)) throw new DecodeError("bad-row", `row header ${h}`, r.pos - 1);
      const status = h & HAS_STATUS ? r.byte() : 0;
      let s = prevS + period;
      if (h & EXPLICIT_TIME) s += r.sint();
      const values = new Array<number>(cols.length);
      for (let c = 0; c < cols.length; c++) {
        const d = r.sint();
        if (cols[c] === "cumulative") {
          prev[c] += d;
          values[c] = prev[c];
        } else values[c] = d;
      }
      out.push({ entryNo: first + i, utcMs: s * 1000, status, values });
      prevS = s;
    }
    if (r.remaining !== 0) throw new DecodeError("trailing", "bytes after the last row", r.pos);
    return out;
  }
}
// Generator methods carry a prototype object each; frozen like the class's
// own tables so that a Moddable build keeps them in flash.
Object.freeze((ProfileStore.prototype.rows as unknown as { prototype: object }).prototype);
Object.freeze((ProfileStore.prototype.rowsInTime as unknown as { prototype: object }).prototype);
