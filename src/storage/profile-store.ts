import { DecodeError } from "../util/errors.js";
import { StorageError, type LogOwner, type LogStore } from "./log-store.js";
import { VarintReader, VarintWriter } from "./varint.js";

/**
 * Profile storage on the log store: rows of (time, status, integer columns)
 * keeping only what cannot be derived.
 *
 * Chunk record body (all varints):
 *   first entry | row count | first time (s) | first − earliest | latest − earliest
 *   | signed-column mask | exception count | exceptions | column values row by row
 * - Time bounds are in the header, so mount and range reads know a chunk's
 *   span without decoding its rows.
 * - Time: implicit, previous row + capture period; a row off that grid (a
 *   gap, a clock change) is an exception carrying an explicit difference.
 * - Status: run-length, an exception where it changes (DST, power down).
 *   An exception is: row index delta | flags (1 status, 2 time) | status | time.
 * - Cumulative columns (energy registers) as deltas from the previous row,
 *   other columns as values; a column whose values in this chunk are all
 *   ≥ 0 is unsigned, otherwise zigzag (bit c of the mask), so a typical
 *   15-minute energy delta below 128 Wh takes one byte.
 *
 * Each capture is committed at once as a one-row chunk record; every
 * `chunkRows` rows they are compacted into one chunk record (a day of a
 * 15-minute profile), after which the one-row records are garbage for the
 * collector. A chunk decodes alone (its first row carries absolute values).
 *
 * Where the records live: chunks on `log`; one-row records and reset marks
 * on `journal` (the main log) when the profile has a ring of its own. A
 * ring (LogStore policy "oldest") holds only compacted chunks in entry
 * order, and a collection drops its oldest chunks instead of copying them
 * (drop(), FIFO by space): the rows kept are then fewer than `capacity` only
 * if rows came out larger than the ring's budget planned (src/storage/budget.ts).
 *
 * The RAM index holds one item per chunk (first entry number, row count,
 * earliest and latest time, address), so a read by entry or by time reads
 * only the chunks it needs. Items ascend by entry number and are contiguous
 * except where damage destroyed a chunk: such a hole is found at mount and
 * kept (`missing`), so damage loses only the damaged rows and every row on
 * either side of it stays readable. Entry numbers only grow: reset records the
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

/** A LogOwner view of the profile on its journal log (addresses there are another space). */
class JournalOwner implements LogOwner {
  private declare readonly p: ProfileStore;

  constructor(p: ProfileStore) {
    this.p = p;
  }
  recovered(addr: number, seq: number, type: number, body: Uint8Array): void {
    this.p.recoveredOn(true, addr, seq, type, body);
  }
  mounted(): void {
    this.p.mounted();
  }
  isLive(addr: number, type: number): boolean {
    return this.p.isLiveOn(true, addr, type);
  }
  moved(from: number, to: number, type: number): void {
    this.p.movedOn(true, from, to, type);
  }
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
  /** On the journal log (one-row records of a profile with its own ring). */
  j: boolean;
}

const X_STATUS = 1;
const X_TIME = 2;

/** Entry range and time bounds at the head of a chunk body (the rows follow). */
interface ChunkHeader {
  first: number;
  count: number;
  firstS: number;
  minS: number;
  maxS: number;
}

/**
 * The one reader of a chunk header, for the index (header only) and the row
 * decoder (which goes on with the column mask at r). Throws only DecodeError.
 */
function readChunkHeader(r: VarintReader): ChunkHeader {
  const first = r.uint();
  const count = r.uint();
  const firstS = r.uint();
  const minS = firstS - r.uint();
  const maxS = minS + r.uint();
  if (count < 1 || count > r.remaining || first < 1 || minS < 0) throw new DecodeError("bad-count", `chunk of ${count} rows in ${r.remaining} bytes`);
  return { first, count, firstS, minS, maxS };
}

export class ProfileStore implements LogOwner {
  declare readonly config: ProfileStoreConfig;
  private declare readonly log: LogStore;
  private declare readonly journal: LogStore;
  private declare readonly chunkType: number;
  private declare readonly resetType: number;
  /** Visible chunks, ascending by entry number; contiguous except at the holes in `missing`. */
  private declare items: Item[];
  /**
   * The items by record address: the main log's as they are, the journal's
   * as -1 - address (addresses are never negative). One Map for both logs,
   * not one per log: a Map is about 130 B on XS and there are 11 streams (RAM, issue 13).
   */
  private declare readonly byAddr: Map<number, Item>;
  /** mounted() calls still expected (one per log). */
  private declare mountsDue: number;
  /** Rows given up to a ring's collection before capacity expired them (rows larger than budgeted). */
  declare droppedBySpace: number;

  /** Chunks found while the logs mount; none after (an empty array per stream is RAM for nothing, issue 13). */
  private declare candidates: Item[] | undefined;
  /** Rows since the last compacted chunk (committed as one-row records). */
  private declare pending: ProfileRow[];
  private declare nextEntry: number;
  private declare resetPoint: number;
  private declare resetAddr: number;
  /** Rows below this were dropped to make room (RAM only: they are gone or will be). */
  private declare dropBelow: number;
  private declare keepFrom: number;
  /** Newest row time (s), -1 when empty. */
  private declare newestS: number;

  /**
   * Registers the profile's record types; call mount() on the log(s)
   * afterwards. With a `journal`, `log` is the profile's own ring.
   */
  constructor(log: LogStore, config: ProfileStoreConfig, journal: LogStore = log) {
    this.items = [];
    this.byAddr = new Map<number, Item>();
    this.droppedBySpace = 0;
    this.pending = [];
    this.nextEntry = 1;
    this.resetPoint = 1;
    this.resetAddr = -1;
    this.dropBelow = 1;
    this.keepFrom = 1;
    this.newestS = -1;
    this.missing = [];
    if (!(config.stream >= 0 && config.stream <= 100) || config.capacity < 1 || config.chunkRows < 1) throw new RangeError("profile store config");
    this.log = log;
    this.journal = journal;
    this.config = config;
    this.chunkType = 16 + 2 * config.stream;
    this.resetType = 17 + 2 * config.stream;
    log.register(this.chunkType, this);
    if (journal === log) {
      log.register(this.resetType, this);
      this.mountsDue = 1;
    } else {
      const j = new JournalOwner(this);
      journal.register(this.chunkType, j);
      journal.register(this.resetType, j);
      this.mountsDue = 2;
    }
  }

  private get ring(): boolean {
    return this.journal !== this.log;
  }

  /**
   * Holes: entry ranges found missing at start-up (rows lost to damage or
   * removed behind the store's back), ascending, between kept rows. Nothing
   * legitimate makes one (compaction keeps the one-row records until the chunk
   * is committed; FIFO and reset drop from the oldest end), so none appears
   * at run time; they leave when FIFO passes them.
   */
  declare readonly missing: { from: number; to: number }[];

  /** Entry number of the oldest row kept. */
  get firstEntry(): number {
    return this.items.length ? Math.max(this.items[0].first, this.keepFrom) : this.nextEntry;
  }

  get lastEntry(): number {
    return this.nextEntry - 1;
  }

  /** Rows kept (Blue Book entries_in_use): entry numbers from the oldest kept to the newest, less the holes. */
  get entriesInUse(): number {
    const first = this.firstEntry;
    let n = this.nextEntry - first;
    for (let i = 0; i < this.missing.length; i++) {
      const h = this.missing[i];
      if (h.from >= first) n -= h.to - h.from + 1;
    }
    return n;
  }

  /**
   * The entry number of the row at buffer position `position` (1 = the oldest
   * row kept; Blue Book entry_descriptor counts rows that exist, so positions
   * run on across a hole). Beyond the newest row: lastEntry + the excess.
   */
  entryAt(position: number): number {
    let e = this.firstEntry + position - 1;
    for (let i = 0; i < this.missing.length; i++) {
      const h = this.missing[i];
      if (h.from >= this.firstEntry && h.from <= e) e += h.to - h.from + 1;
    }
    return e;
  }

  /** Time of the newest row (UTC ms), 0 when empty. */
  get lastUtcMs(): number {
    return Math.max(0, this.newestS * 1000);
  }

  /** Appends a row (committed when it returns); returns its entry number. */
  append(utcMs: number, status: number, values: readonly number[]): number {
    if (values.length !== this.config.columns.length) throw new RangeError("profile row has the wrong number of columns");
    const row: ProfileRow = { entryNo: this.nextEntry, utcMs: Math.floor(utcMs / 1000) * 1000, status: status & 0xff, values: values.slice() };
    const body = this.encode([row]);
    const j = this.ring && this.config.chunkRows > 1;
    const addr = this.appendRecord(this.chunkType, body, j);
    this.addItem({ first: row.entryNo, count: 1, minS: row.utcMs / 1000, maxS: row.utcMs / 1000, addr, seq: 0, bytes: body.length, j });
    this.nextEntry++;
    if (row.utcMs / 1000 > this.newestS) this.newestS = row.utcMs / 1000;
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
    const old = this.resetAddr;
    this.resetAddr = this.appendRecord(this.resetType, w.bytes(), this.ring);
    if (old >= 0) this.journal.release(old, 4);
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
      const i = this.itemAt(e);
      let it = this.items[i];
      if (!it) break;
      // In a hole (rows lost to damage): on to the next rows kept.
      if (it.first + it.count <= e) it = this.items[i + 1];
      if (!it) break;
      if (it.first > e) {
        e = it.first;
        if (e > to) break;
      }
      let next = it.first + it.count;
      const inChunk = this.chunk(it);
      for (let i = 0; i < inChunk.length; i++) {
        const r = inChunk[i];
        if (r.entryNo < e || r.entryNo > to) continue;
        next = r.entryNo + 1;
        yield r;
      }
      e = Math.max(e + 1, next);
    }
  }

  /**
   * Rows whose time is in [fromMs, toMs], reading only chunks whose time span
   * (in the RAM index) meets the range, and making row objects only for rows
   * in it. Safe while captures go on: after each chunk the next is found by
   * entry number, not by index position (as rows()).
   */
  *rowsInTime(fromMs: number, toMs: number): Generator<ProfileRow> {
    const fromS = Math.ceil(fromMs / 1000);
    const toS = Math.floor(toMs / 1000);
    let e = 0;
    for (;;) {
      const items = this.items;
      let i = e === 0 ? 0 : this.itemAt(e);
      while (i < items.length && (items[i].first + items[i].count <= e || items[i].maxS < fromS || items[i].minS > toS)) i++;
      if (i >= items.length) return;
      const it = items[i];
      e = it.first + it.count;
      const rows: ProfileRow[] = [];
      this.chunkIn(it, fromS, toS, rows, 0);
      for (let k = 0; k < rows.length; k++) if (rows[k].entryNo >= this.firstEntry) yield rows[k];
    }
  }

  /** Number of rows rowsInTime would give; reads only the times of chunks that straddle a bound (no values, no rows). */
  countInTime(fromMs: number, toMs: number): number {
    const fromS = Math.ceil(fromMs / 1000);
    const toS = Math.floor(toMs / 1000);
    const keep = this.firstEntry;
    let n = 0;
    for (let i = 0; i < this.items.length; i++) {
      const it = this.items[i];
      if (it.maxS < fromS || it.minS > toS) continue;
      if (it.minS >= fromS && it.maxS <= toS && it.first >= keep) n += it.count;
      else n += this.chunkIn(it, fromS, toS, undefined, keep);
    }
    return n;
  }

  /** Flash bytes of the live records holding the rows (record framing included). */
  storedBytes(): number {
    let n = 0;
    for (let i = 0; i < this.items.length; i++) {
      const it = this.items[i];
      n += this.log.span(it.bytes);
    }
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
    this.recoveredOn(false, addr, seq, type, body);
  }

  /** @internal recovered() of either log. */
  recoveredOn(j: boolean, addr: number, seq: number, type: number, body: Uint8Array): void {
    try {
      if (type === this.resetType) {
        const p = new VarintReader(body).uint();
        if (p >= this.resetPoint) {
          this.resetPoint = p;
          this.resetAddr = addr;
        }
        return;
      }
      // Only the header: the rows are decoded when read.
      const h = this.header(body);
      (this.candidates ??= []).push({ first: h.first, count: h.count, minS: h.minS, maxS: h.maxS, addr, seq, bytes: body.length, j });
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e; // a CRC-valid record we cannot read is ignored, like any unknown record
      (j ? this.journal : this.log).reportDamage();
    }
  }

  mounted(): void {
    if (--this.mountsDue > 0) return;
    const c = this.candidates ?? [];
    this.candidates = undefined;
    // Longest chunk first at each start, newest copy first: compacted chunks hide their one-row records.
    c.sort((a, b) => a.first - b.first || b.count - a.count || b.seq - a.seq);
    let next = -1;
    for (let i = 0; i < c.length; i++) {
      const it = c[i];
      if (it.first + it.count <= this.resetPoint) continue;
      if (next >= 0 && it.first < next) continue;
      if (it.first < this.resetPoint) continue; // cannot straddle a reset by construction
      this.addItem(it);
      next = it.first + it.count;
    }
    // A break in the entry numbers means a chunk was lost (nothing legitimate leaves one): a hole, the rows on both sides kept.
    for (let i = 1; i < this.items.length; i++) {
      const prev = this.items[i - 1];
      if (this.items[i].first !== prev.first + prev.count) this.missing.push({ from: prev.first + prev.count, to: this.items[i].first - 1 });
    }
    const lastItem = this.items[this.items.length - 1];
    for (let i = 0; i < this.items.length; i++) {
      const it = this.items[i];
      if (it.maxS > this.newestS) this.newestS = it.maxS;
    }
    this.nextEntry = Math.max(this.resetPoint, lastItem ? lastItem.first + lastItem.count : 1);
    this.dropBelow = 1;
    this.expire();
    // Rows after the last compacted chunk are pending compaction: the newest contiguous run of one-row
    // records (a chunk holds consecutive entries; one-row records before a hole stay as they are until FIFO).
    this.pending = [];
    let k = this.items.length;
    while (k > 0 && this.items[k - 1].count === 1 && this.config.chunkRows > 1 && (k === this.items.length || this.items[k].first === this.items[k - 1].first + 1)) k--;
    for (let i = k; i < this.items.length; i++) {
      const inChunk = this.chunk(this.items[i]);
      for (let j = 0; j < inChunk.length; j++) {
        const r = inChunk[j];
        this.pending.push(r);
      }
    }
  }

  isLive(addr: number, type: number): boolean {
    return this.isLiveOn(false, addr, type);
  }

  /** @internal */
  isLiveOn(j: boolean, addr: number, type: number): boolean {
    if (type === this.resetType) return j === this.ring && addr === this.resetAddr;
    return this.byAddr.has(j ? -1 - addr : addr);
  }

  moved(from: number, to: number, type: number): void {
    this.movedOn(false, from, to, type);
  }

  /** @internal */
  movedOn(j: boolean, from: number, to: number, type: number): void {
    if (type === this.resetType) {
      if (j === this.ring && from === this.resetAddr) this.resetAddr = to;
      return;
    }
    const map = this.byAddr;
    const it = map.get(j ? -1 - from : from);
    if (!it) return;
    map.delete(j ? -1 - from : from);
    it.addr = to;
    map.set(j ? -1 - to : to, it);
  }

  /** A ring's collection reclaims the sector of this chunk: the rows up to it go (oldest first) instead of being copied. */
  drop(addr: number, type: number): boolean {
    if (!this.ring || type !== this.chunkType) return false;
    const it = this.byAddr.get(addr);
    if (!it) return false;
    const keepFrom = Math.max(this.resetPoint, this.dropBelow, this.nextEntry - this.config.capacity);
    const upTo = it.first + it.count;
    if (upTo > keepFrom) this.droppedBySpace += upTo - Math.max(keepFrom, this.firstEntry);
    this.dropBelow = Math.max(this.dropBelow, upTo);
    this.expire();
    return true;
  }

  // ---------------------------------------------------------------- internals

  private appendRecord(type: number, body: Uint8Array, j = false): number {
    for (;;) {
      try {
        return (j ? this.journal : this.log).append(type, body);
      } catch (e) {
        // FIFO: when the log is full of live rows, the oldest chunk goes first.
        if (!(e instanceof StorageError) || e.code !== "full" || this.items.length < 2) throw e;
        const it = this.items[0];
        if (it.first + it.count > this.firstEntry) this.droppedBySpace += it.first + it.count - this.firstEntry;
        this.dropBelow = it.first + it.count;
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
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      minS = Math.min(minS, r.utcMs / 1000);
      maxS = Math.max(maxS, r.utcMs / 1000);
    }
    // The one-row records of these rows leave the index (and so become garbage).
    while (this.items.length && this.items[this.items.length - 1].first >= first) {
      this.unindex(this.items.pop() as Item);
    }
    this.addItem({ first, count: rows.length, minS, maxS, addr, seq: 0, bytes: body.length, j: false });
    this.pending = [];
  }

  private addItem(it: Item): void {
    this.items.push(it);
    this.byAddr.set(it.j ? -1 - it.addr : it.addr, it);
  }

  /** The item's record is dead: out of the index, garbage for its log's collector. */
  private unindex(it: Item): void {
    const key = it.j ? -1 - it.addr : it.addr;
    if (this.byAddr.get(key) !== it) return;
    this.byAddr.delete(key);
    if (this.mountsDue <= 0) (it.j ? this.journal : this.log).release(it.addr, it.bytes);
  }

  /** Removes chunks wholly below the oldest row kept (capacity, reset, drops). */
  private expire(): void {
    const keepFrom = Math.max(this.resetPoint, this.dropBelow, this.nextEntry - this.config.capacity);
    let n = 0;
    while (n < this.items.length && this.items[n].first + this.items[n].count <= keepFrom) {
      this.unindex(this.items[n]);
      n++;
    }
    if (n) this.items = this.items.slice(n);
    // A partly expired chunk stays stored until wholly expired; reads start at keepFrom.
    this.keepFrom = keepFrom;
    // Holes FIFO has passed are no longer between kept rows.
    const first = this.firstEntry;
    while (this.missing.length && this.missing[0].from < first) this.missing.shift();
  }

  /** Rows of one chunk; none when its record is gone (collected while a read was under way). */
  private chunk(it: Item): ProfileRow[] {
    const out: ProfileRow[] = [];
    this.chunkIn(it, -Infinity, Infinity, out, 0);
    return out;
  }

  /**
   * The rows of one chunk with a time in [fromS, toS] and an entry number from
   * minEntry, pushed to `out` (or, without it, only counted); returns how many.
   * None when the record is gone or damaged.
   */
  private chunkIn(it: Item, fromS: number, toS: number, out: ProfileRow[] | undefined, minEntry: number): number {
    const log = it.j ? this.journal : this.log;
    const indexed = this.byAddr.get(it.j ? -1 - it.addr : it.addr) === it;
    const body = log.read(it.addr);
    // Unreadable while still indexed: damage (a record collected during a read is simply gone).
    if (!body) {
      if (indexed) log.reportDamage();
      return 0;
    }
    const kept = out ? out.length : 0;
    try {
      return this.scan(body, fromS, toS, out, minEntry);
    } catch (e) {
      if (e instanceof DecodeError) {
        log.reportDamage();
        if (out) out.length = kept;
        return 0;
      }
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
    const w = new VarintWriter(24 + rows.length * (1 + cols.length * 2));
    const firstS = rows[0].utcMs / 1000;
    let minS = firstS;
    let maxS = firstS;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      const t = r.utcMs / 1000;
      if (t < minS) minS = t;
      if (t > maxS) maxS = t;
    }
    // Signed columns: any negative value (delta for cumulative columns) in this chunk.
    let mask = 0;
    for (let c = 0; c < cols.length; c++) {
      let prev = 0;
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i];
        const v = cols[c] === "cumulative" ? r.values[c] - prev : r.values[c];
        prev = r.values[c];
        if (v < 0) {
          mask += 2 ** c;
          break;
        }
      }
    }
    w.uint(rows[0].entryNo);
    w.uint(rows.length);
    w.uint(firstS);
    w.uint(firstS - minS);
    w.uint(maxS - minS);
    w.uint(mask);
    // Exceptions: explicit times and status changes.
    let nx = 0;
    let prevS = firstS - period;
    let status = 0;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      const s = r.utcMs / 1000;
      if (s !== prevS + period || r.status !== status) nx++;
      prevS = s;
      status = r.status;
    }
    w.uint(nx);
    prevS = firstS - period;
    status = 0;
    let lastX = 0;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      const s = r.utcMs / 1000;
      const expected = prevS + period;
      const flags = (r.status !== status ? X_STATUS : 0) | (s !== expected ? X_TIME : 0);
      if (flags) {
        w.uint(i - lastX);
        lastX = i;
        w.byte(flags);
        if (flags & X_STATUS) w.byte(r.status);
        if (flags & X_TIME) w.sint(s - expected);
      }
      prevS = s;
      status = r.status;
    }
    const prev = new Array<number>(cols.length).fill(0);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      for (let c = 0; c < cols.length; c++) {
        const v = r.values[c];
        const x = cols[c] === "cumulative" ? v - prev[c] : v;
        prev[c] = v;
        if (Math.floor(mask / 2 ** c) % 2) w.sint(x);
        else w.uint(x);
      }
    }
    return w.bytes();
  }

  /** The header of a chunk body: entry range and time bounds, without the rows. Throws only DecodeError. */
  header(body: Uint8Array): ChunkHeader {
    return readChunkHeader(new VarintReader(body));
  }

  /** Total: any bytes give rows or a DecodeError. */
  decode(body: Uint8Array): ProfileRow[] {
    const out: ProfileRow[] = [];
    this.scan(body, -Infinity, Infinity, out, 0);
    return out;
  }

  /**
   * The one chunk decoder. Rows with a time in [fromS, toS] and an entry
   * number from minEntry are pushed to `out`, their values decoded; without
   * `out` they are only counted and no value is read (the times need only the
   * header and the exceptions). A chunk whose times never go back stops at
   * its first row after toS; a whole decode checks every byte (totality).
   * Returns the number of rows in range.
   */
  private scan(body: Uint8Array, fromS: number, toS: number, out: ProfileRow[] | undefined, minEntry: number): number {
    const cols = this.config.columns;
    const nc = cols.length;
    const period = this.config.periodS;
    const r = new VarintReader(body);
    const { first, count, firstS, minS, maxS } = readChunkHeader(r);
    const mask = r.uint();
    if (count > r.remaining || mask >= 2 ** nc) throw new DecodeError("bad-count", `chunk of ${count} rows in ${r.remaining} bytes`);
    const nx = r.uint();
    if (nx > count) throw new DecodeError("bad-row", `${nx} exceptions in ${count} rows`);
    const xAt = new Array<number>(nx);
    const xStatus = new Array<number>(nx);
    const xTime = new Array<number>(nx);
    const xFlags = new Array<number>(nx);
    let ordered = true;
    let at = 0;
    for (let k = 0; k < nx; k++) {
      at += r.uint();
      const flags = r.byte();
      if (at >= count || flags === 0 || flags > (X_STATUS | X_TIME) || (k > 0 && at <= xAt[k - 1])) throw new DecodeError("bad-row", `exception ${k} at row ${at}`, r.pos);
      xAt[k] = at;
      xFlags[k] = flags;
      xStatus[k] = flags & X_STATUS ? r.byte() : -1;
      xTime[k] = flags & X_TIME ? r.sint() : 0;
      if (xTime[k] < -period) ordered = false;
    }
    const whole = fromS === -Infinity && toS === Infinity && minEntry <= first;
    // Per column: zigzag (signed) or not, and cumulative (a delta) or not.
    const signed = new Array<boolean>(nc);
    const cumulative = new Array<boolean>(nc);
    for (let c = 0; c < nc; c++) {
      signed[c] = Math.floor(mask / 2 ** c) % 2 === 1;
      cumulative[c] = cols[c] === "cumulative";
    }
    let prevS = firstS - period;
    let status = 0;
    let k = 0;
    let n = 0;
    const prev = out ? new Array<number>(nc).fill(0) : undefined;
    for (let i = 0; i < count; i++) {
      let s = prevS + period;
      if (k < nx && xAt[k] === i) {
        if (xFlags[k] & X_STATUS) status = xStatus[k];
        s += xTime[k];
        k++;
      }
      if (s < minS || s > maxS) throw new DecodeError("bad-row", `row ${i} at ${s} s outside the chunk's bounds`, r.pos);
      prevS = s;
      if (s > toS && ordered) return n;
      const wanted = s >= fromS && s <= toS && first + i >= minEntry;
      if (wanted) n++;
      if (!prev) continue;
      let values: number[] | undefined;
      if (wanted) values = new Array<number>(nc);
      for (let c = 0; c < nc; c++) {
        const d = signed[c] ? r.sint() : r.uint();
        const v = cumulative[c] ? (prev[c] += d) : d;
        if (values) values[c] = v;
      }
      if (values) (out as ProfileRow[]).push({ entryNo: first + i, utcMs: s * 1000, status, values });
    }
    if (whole && r.remaining !== 0) throw new DecodeError("trailing", "bytes after the last row", r.pos);
    return n;
  }
}
// Generator methods carry a prototype object each; frozen like the class's
// own tables so that a Moddable build keeps them in flash.
Object.freeze((ProfileStore.prototype.rows as unknown as { prototype: object }).prototype);
Object.freeze((ProfileStore.prototype.rowsInTime as unknown as { prototype: object }).prototype);
