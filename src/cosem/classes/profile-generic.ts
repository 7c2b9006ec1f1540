import { D, Tag, writeData, writeLength, type Data } from "../axdr.js";
import { civilFromDays, dateTimeToUtcMs, dayOfWeekFromDays, type DateTime } from "../datetime.js";
import { ActionResult, DataAccessResult, classTable, defineClass, type AccessContext, type AccessSelection, type ActionOutcome, type CosemObject, type EncodedStream, type GetResult, type TableDefined } from "../interface-class.js";
import { Obis } from "../obis.js";
import { ByteWriter } from "../../util/bytes.js";
import type { ProfileRow, ProfileStore } from "../../storage/profile-store.js";
import { captureProfile, checkProfileColumns, type CaptureObjectDefinition, type IntegerTag, type ProfileDefinition } from "../../storage/profile.js";
import { asDateTime, asInt, asList, asObis } from "../axdr-helpers.js";

/**
 * Profile Generic, class 7 version 1 (Blue Book 4.3.6).
 * Attributes: 2 buffer, 3 capture_objects, 4 capture_period, 5 sort_method,
 * 6 sort_object, 7 entries_in_use, 8 profile_entries. Methods: 1 reset,
 * 2 capture. Selective access on the buffer: 1 range_descriptor (by the
 * clock column), 2 entry_descriptor.
 *
 * A thin adapter over a profile of the storage domain (src/storage/profile.ts,
 * which also captures its entries): the buffer is streamed (EncodedStream)
 * chunk by chunk from flash, so a year of profile never sits in RAM and the
 * server block-transfers it.
 *
 * Layout is fixed at construction (the composition root's catalog): writing
 * capture_objects, capture_period or profile_entries is refused
 * (read-write-denied) because the flash layout of the stored rows depends on
 * them. sort_method is FIFO only.
 */

/** What the profile needs from the meter clock (MeterClock provides both). */
export interface ProfileTimeBase {
  dateTimeAt(utcMs: number): DateTime;
  deviationAt(utcMs: number): number;
  /** Clock status byte at an instant; with it the buffer computes the calendar date once per local day instead of a DateTime per row. */
  statusAt?(utcMs: number): number;
  /** The first instant after utcMs at which deviationAt/statusAt may change: with it, the buffer asks for them once per span, not per row. */
  steadyUntil?(utcMs: number): number;
}

/** A profile of the storage domain as class 7 shows it: with the clock that dates its rows. */
export interface ProfileGenericConfig extends ProfileDefinition {
  readonly timeBase: ProfileTimeBase;
  /**
   * Send null-data for time stamps that follow the capture period (as many
   * meters do, and dlms-cosem's profile read shows); the first row of every
   * response and every row off the grid keep their date-time.
   */
  readonly nullImplicitTime?: boolean;
}

// The class as data (defineClass below): its table and constants live on the prototype, not in a slot per object.
export interface ProfileGeneric extends TableDefined {}
export class ProfileGeneric implements CosemObject {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare readonly logicalName: Obis;
  declare private readonly cfg: ProfileGenericConfig;

  constructor(cfg: ProfileGenericConfig) {
    this.cfg = cfg;
    this.logicalName = cfg.logicalName;
    checkProfileColumns(cfg);
  }

  get store(): ProfileStore {
    return this.cfg.store;
  }

  /** capture(): reads every source now and appends the entry (also method 2). */
  capture(utcMs: number): number {
    return captureProfile(this.cfg, utcMs);
  }

  get(attribute: number, _ctx: AccessContext, selection?: AccessSelection): GetResult {
    const s = this.cfg.store;
    if (selection && attribute !== 2) return { ok: false, error: DataAccessResult.otherReason };
    switch (attribute) {
      case 2:
        return this.buffer(selection);
      case 3:
        return { ok: true, value: { tag: Tag.Array, value: this.cfg.columns.map((c) => definitionData(c.definition)) } };
      case 4:
        return { ok: true, value: D.u32(s.config.periodS) };
      case 5:
        return { ok: true, value: D.enum(1) };
      case 6:
        return { ok: true, value: definitionData({ classId: 0, logicalName: Obis.of(0, 0, 0, 0, 0, 0), attributeIndex: 0, dataIndex: 0 }) };
      case 7:
        return { ok: true, value: D.u32(s.entriesInUse) };
      case 8:
        return { ok: true, value: D.u32(s.config.capacity) };
      default:
        return { ok: false, error: DataAccessResult.objectUndefined };
    }
  }

  set(attribute: number, value: Data, _ctx: AccessContext): DataAccessResult {
    switch (attribute) {
      case 5: {
        const m = asInt(value, Tag.Enum);
        if (m === undefined) return DataAccessResult.typeUnmatched;
        return m === 1 ? DataAccessResult.success : DataAccessResult.otherReason;
      }
      case 2:
      case 3:
      case 4:
      case 6:
      case 7:
      case 8:
        return DataAccessResult.readWriteDenied;
      default:
        return DataAccessResult.objectUndefined;
    }
  }

  action(method: number, parameters: Data | undefined, ctx: AccessContext): ActionOutcome {
    if (method !== 1 && method !== 2) return { result: ActionResult.objectUndefined };
    if (!parameters || parameters.tag !== Tag.Integer) return { result: ActionResult.typeUnmatched };
    if (method === 1) this.cfg.store.reset();
    else if (this.cfg.captureMethod) this.cfg.captureMethod(ctx.nowUtcMs);
    else this.capture(ctx.nowUtcMs);
    return { result: ActionResult.success };
  }

  // ---------------------------------------------------------------- buffer

  private buffer(selection: AccessSelection | undefined): GetResult {
    const s = this.cfg.store;
    const all = this.cfg.columns.map((_c, i) => i);
    if (!selection) {
      return { ok: true, value: this.stream(s.entriesInUse, s.rows(s.firstEntry, s.lastEntry), all) };
    }
    if (selection.selector === 1) return this.byRange(selection.parameters);
    if (selection.selector === 2) return this.byEntry(selection.parameters);
    return { ok: false, error: DataAccessResult.otherReason };
  }

  /** range_descriptor: {restricting_object, from_value, to_value, selected_values}. */
  private byRange(p: Data): GetResult {
    const f = asList(p, Tag.Structure, 4);
    const restricting = f && definitionOf(f[0]);
    const selected = f && asList(f[3], Tag.Array);
    if (!f || !restricting || !selected) return { ok: false, error: DataAccessResult.typeUnmatched };
    const col = this.columnOf(restricting);
    if (col < 0 || this.cfg.columns[col].kind !== "time") return { ok: false, error: DataAccessResult.otherReason };
    const from = this.utcOf(f[1]);
    const to = this.utcOf(f[2]);
    if (from === undefined || to === undefined) return { ok: false, error: DataAccessResult.typeUnmatched };
    const cols: number[] = [];
    for (let j = 0; j < selected.length; j++) {
      const d = selected[j];
      const def = definitionOf(d);
      const i = def ? this.columnOf(def) : -1;
      if (i < 0) return { ok: false, error: DataAccessResult.otherReason };
      cols.push(i);
    }
    const use = cols.length ? cols : this.cfg.columns.map((_c, i) => i);
    const s = this.cfg.store;
    return { ok: true, value: this.stream(s.countInTime(from, to), s.rowsInTime(from, to), use) };
  }

  /** entry_descriptor: {from_entry, to_entry, from_selected_value, to_selected_value}; 0 means "last". */
  private byEntry(p: Data): GetResult {
    const f = asList(p, Tag.Structure, 4);
    const fromEntry = asInt(f?.[0], Tag.DoubleLongUnsigned);
    const toEntry = asInt(f?.[1], Tag.DoubleLongUnsigned);
    const fromCol = asInt(f?.[2], Tag.LongUnsigned);
    const toCol = asInt(f?.[3], Tag.LongUnsigned);
    if (fromEntry === undefined || toEntry === undefined || fromCol === undefined || toCol === undefined) {
      return { ok: false, error: DataAccessResult.typeUnmatched };
    }
    const n = this.cfg.columns.length;
    const lastCol = toCol === 0 ? n : toCol;
    if (fromEntry < 1 || fromCol < 1 || lastCol > n || fromCol > lastCol || (toEntry !== 0 && toEntry < fromEntry)) {
      return { ok: false, error: DataAccessResult.otherReason };
    }
    const s = this.cfg.store;
    // Buffer entry 1 is the oldest row kept; entries count rows that exist, so they run on across a hole left by damage.
    const inUse = s.entriesInUse;
    const toPos = toEntry === 0 ? inUse : Math.min(toEntry, inUse);
    const first = s.entryAt(fromEntry);
    const last = Math.min(s.lastEntry, s.entryAt(toPos));
    const cols: number[] = [];
    for (let c = fromCol - 1; c < lastCol; c++) cols.push(c);
    return { ok: true, value: this.stream(Math.max(0, toPos - fromEntry + 1), s.rows(first, last), cols) };
  }

  private columnOf(def: CaptureObjectDefinition): number {
    return this.cfg.columns.findIndex(
      (c) =>
        c.definition.classId === def.classId &&
        c.definition.logicalName.key === def.logicalName.key &&
        c.definition.attributeIndex === def.attributeIndex &&
        c.definition.dataIndex === def.dataIndex,
    );
  }

  /** A range bound: a date-time (octet-string or tag); unspecified deviation means the meter's local time. */
  private utcOf(d: Data): number | undefined {
    const dt = asDateTime(d);
    if (!dt) return undefined;
    const guess = dateTimeToUtcMs(dt, 0);
    if (guess === undefined) return undefined;
    return dateTimeToUtcMs(dt, this.cfg.timeBase.deviationAt(guess));
  }

  private stream(count: number, rows: Iterator<ProfileRow>, cols: readonly number[]): EncodedStream {
    return new BufferStream(count, rows, cols, this.cfg);
  }
}
const PROFILE_GENERIC_CLASS = classTable({
  classId: 7,
  version: 1,
  attributes: [
    "buffer:array:s1,2",
    "capture_objects:array",
    "capture_period:double-long-unsigned",
    "sort_method:enum:w",
    "sort_object:structure",
    "entries_in_use:double-long-unsigned",
    "profile_entries:double-long-unsigned",
  ],
  methods: ["reset", "capture"],
});
defineClass(ProfileGeneric, PROFILE_GENERIC_CLASS);

/**
 * A script target with Profile Generic's class and its capture method (2)
 * only, so that the standard end-of-billing script (execute method 2 of
 * the billing profile) closes the period where no billing Profile Generic
 * is in the catalog: it reaches no association (ObjectDirectory.addInternal).
 */
export interface ProfileCaptureTarget extends TableDefined {}
export class ProfileCaptureTarget implements CosemObject {
  declare readonly logicalName: Obis;
  declare private readonly onCapture: (utcMs: number) => void;

  constructor(
    logicalName: Obis,
    onCapture: (utcMs: number) => void,
  ) {
    this.logicalName = logicalName;
    this.onCapture = onCapture;
  }

  get(): GetResult {
    return { ok: false, error: DataAccessResult.objectUnavailable };
  }

  set(): DataAccessResult {
    return DataAccessResult.readWriteDenied;
  }

  action(method: number, _parameters: Data | undefined, ctx: AccessContext): ActionOutcome {
    if (method !== 2) return { result: ActionResult.objectUndefined };
    this.onCapture(ctx.nowUtcMs);
    return { result: ActionResult.success };
  }
}
defineClass(ProfileCaptureTarget, PROFILE_GENERIC_CLASS);

/** Bytes of an integer column's value after its tag (Blue Book 4.1.5 A-XDR fixed sizes). */
function integerBytes(tag: IntegerTag): number {
  switch (tag) {
    case Tag.DoubleLong:
    case Tag.DoubleLongUnsigned:
      return 4;
    case Tag.Long:
    case Tag.LongUnsigned:
      return 2;
    case Tag.Long64:
    case Tag.Long64Unsigned:
      return 8;
    default:
      return 1;
  }
}

/** The largest encoded row: structure header, then per column at most a 12-octet date-time (14 bytes) or a 64-bit integer (9). */
function rowMaxBytes(columns: number): number {
  return 3 + columns * 14;
}

/**
 * The buffer's A-XDR bytes produced on demand: the array header, then one
 * structure per row as the server asks for more. Rows are written straight
 * into one buffer per read (no Data tree, no buffer per row), and the local
 * calendar date of the time column is computed once per local day: each
 * row's deviation and clock status still come from the time base, so DST
 * switches and outage gaps are exact. Never more than one row beyond
 * maxBytes is held. The bytes next() returns are valid until the next call
 * (the server's BlockSource copies them at once).
 */
class BufferStream implements EncodedStream {
  declare private readonly rows: Iterator<ProfileRow>;
  declare private readonly cols: readonly number[];
  declare private readonly cfg: ProfileGenericConfig;
  declare readonly kind: "stream";
  declare private buf: Uint8Array;
  /** buf[start, end) is encoded and not yet handed out. */
  declare private start: number;
  declare private end: number;
  declare private left: number;
  declare private prevUtcMs: number;
  declare private readonly periodMs: number;
  /** Civil date of the local day `days` (days since 1970-01-01), computed once per day. */
  declare private days: number;
  declare private year: number;
  declare private month: number;
  declare private day: number;
  declare private dayOfWeek: number;
  /** Deviation and clock status hold for time stamps in [steadyFrom, steadyTo) (ProfileTimeBase.steadyUntil); re-asked at each block. */
  declare private steadyFrom: number;
  declare private steadyTo: number;
  declare private deviation: number;
  declare private status: number;

  constructor(
    count: number,
    rows: Iterator<ProfileRow>,
    cols: readonly number[],
    cfg: ProfileGenericConfig,
  ) {
    this.rows = rows;
    this.cols = cols;
    this.cfg = cfg;
    this.kind = "stream";
    this.start = 0;
    this.end = 0;
    this.prevUtcMs = Number.NaN;
    this.days = Number.NaN;
    this.year = 0;
    this.month = 0;
    this.day = 0;
    this.dayOfWeek = 0;
    this.steadyFrom = Number.NaN;
    this.steadyTo = Number.NaN;
    this.deviation = 0;
    this.status = 0;
    this.left = count;
    this.periodMs = cfg.store.config.periodS * 1000;
    this.buf = new Uint8Array(256);
    const w = new ByteWriter(8);
    w.u8(Tag.Array);
    writeLength(w, count);
    const head = w.toBytes();
    this.buf.set(head);
    this.end = head.length;
  }

  next(maxBytes: number): Uint8Array | undefined {
    const want = Math.max(1, maxBytes);
    // The clock's state (invalid, doubtful, a new time zone) may have changed since the last block.
    this.steadyTo = Number.NaN;
    // What was not handed out moves to the front; rows are added behind it up to the block.
    if (this.start > 0) {
      this.buf.copyWithin(0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
    }
    const rowMax = rowMaxBytes(this.cols.length);
    while (this.end < want && this.left > 0) {
      if (this.end + rowMax > this.buf.length) {
        const grown = new Uint8Array(Math.max(this.buf.length * 2, want + rowMax));
        grown.set(this.buf.subarray(0, this.end));
        this.buf = grown;
      }
      const r = this.rows.next();
      // Fewer rows than announced (FIFO moved on during the read): pad so the array stays well formed.
      this.end = this.row(r.done ? undefined : r.value, this.end);
      this.left--;
    }
    if (this.end === 0) return undefined;
    const n = Math.min(want, this.end);
    this.start = n;
    return this.buf.subarray(0, n);
  }

  /** Writes one row at `at`; returns the offset after it. */
  private row(r: ProfileRow | undefined, at: number): number {
    const b = this.buf;
    let i = at;
    b[i++] = Tag.Structure;
    b[i++] = this.cols.length; // a profile has fewer than 128 capture objects
    for (let j = 0; j < this.cols.length; j++) {
      const ci = this.cols[j];
      const c = this.cfg.columns[ci];
      if (!r) {
        b[i++] = Tag.NullData;
        continue;
      }
      if (c.kind === "time") {
        if (this.cfg.nullImplicitTime && this.periodMs > 0 && r.utcMs === this.prevUtcMs + this.periodMs) b[i++] = Tag.NullData;
        else i = this.dateTime(r.utcMs, i);
      } else if (c.kind === "status") {
        b[i++] = Tag.Unsigned;
        b[i++] = r.status & 0xff;
      } else if (c.kind === "storedTime") {
        const sec = r.values[c.column] ?? 0;
        if (sec > 0) i = this.dateTime(sec * 1000, i);
        else b[i++] = Tag.NullData;
      } else i = this.integer(c.tag, r.values[c.column] ?? 0, i);
    }
    if (r) this.prevUtcMs = r.utcMs;
    return i;
  }

  private integer(tag: IntegerTag, v: number, at: number): number {
    const b = this.buf;
    let i = at;
    const n = integerBytes(tag);
    if (n === 8) {
      // 64-bit values go through the general encoder (BigInt): rare in profiles.
      const w = new ByteWriter(9);
      writeData(w, dataOf(tag, v));
      const bytes = w.toBytes();
      b.set(bytes, i);
      return i + bytes.length;
    }
    b[i++] = tag;
    for (let k = n - 1; k >= 0; k--) b[i++] = (v >>> (8 * k)) & 0xff;
    return i;
  }

  /** A date-time octet-string of a UTC instant as the time base shows it. */
  private dateTime(utcMs: number, at: number): number {
    const tb = this.cfg.timeBase;
    let deviation: number;
    let status: number;
    if (utcMs >= this.steadyFrom && utcMs < this.steadyTo) {
      // Stepped: within a span where the time base gives the same deviation and status.
      deviation = this.deviation;
      status = this.status;
    } else if (tb.statusAt) {
      deviation = tb.deviationAt(utcMs);
      status = tb.statusAt(utcMs);
      if (tb.steadyUntil) {
        this.steadyFrom = utcMs;
        this.steadyTo = tb.steadyUntil(utcMs);
        this.deviation = deviation;
        this.status = status;
      }
    } else {
      const dt = tb.dateTimeAt(utcMs);
      deviation = dt.deviation;
      status = dt.status;
    }
    const localMs = utcMs - deviation * 60000;
    const days = Math.floor(localMs / 86400000);
    const msOfDay = localMs - days * 86400000;
    if (days !== this.days) {
      const c = civilFromDays(days);
      this.days = days;
      this.year = c.year;
      this.month = c.month;
      this.day = c.day;
      this.dayOfWeek = dayOfWeekFromDays(days);
    }
    const b = this.buf;
    let i = at;
    b[i++] = Tag.OctetString;
    b[i++] = 12;
    b[i++] = this.year >> 8;
    b[i++] = this.year & 0xff;
    b[i++] = this.month;
    b[i++] = this.day;
    b[i++] = this.dayOfWeek;
    b[i++] = Math.floor(msOfDay / 3600000);
    b[i++] = Math.floor(msOfDay / 60000) % 60;
    b[i++] = Math.floor(msOfDay / 1000) % 60;
    b[i++] = Math.floor(msOfDay / 10) % 100;
    b[i++] = (deviation >> 8) & 0xff;
    b[i++] = deviation & 0xff;
    b[i++] = status;
    return i;
  }
}

export function definitionData(d: CaptureObjectDefinition): Data {
  return D.struct(D.u16(d.classId), D.octets(d.logicalName.toBytes()), D.i8(d.attributeIndex), D.u16(d.dataIndex));
}

/** capture_object_definition {class_id, logical_name, attribute_index, data_index}, or undefined. */
function definitionOf(d: Data | undefined): CaptureObjectDefinition | undefined {
  const f = asList(d, Tag.Structure, 4);
  const classId = asInt(f?.[0], Tag.LongUnsigned);
  const ln = asObis(f?.[1]);
  const attributeIndex = asInt(f?.[2], Tag.Integer);
  const dataIndex = asInt(f?.[3], Tag.LongUnsigned);
  if (classId === undefined || !ln || attributeIndex === undefined || dataIndex === undefined) return undefined;
  return { classId, logicalName: ln, attributeIndex, dataIndex };
}

function dataOf(tag: IntegerTag, v: number): Data {
  if (tag === Tag.Long64 || tag === Tag.Long64Unsigned) return { tag, value: BigInt(v) };
  return { tag, value: v };
}
