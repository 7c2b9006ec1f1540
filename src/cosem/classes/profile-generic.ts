import { Tag, writeData, writeLength, type Data } from "../axdr.js";
import { dateTimeToUtcMs, type DateTime } from "../datetime.js";
import {
  ActionResult,
  DataAccessResult,
  type AccessContext,
  type AccessSelection,
  type ActionOutcome,
  type CosemObject,
  type EncodedStream,
  type GetResult,
} from "../interface-class.js";
import { Obis } from "../obis.js";
import { ByteWriter, concatBytes } from "../../util/bytes.js";
import type { ProfileRow, ProfileStore } from "../../storage/profile-store.js";
import { asDateTime, asInt, asList, asObis, dateTimeOs, en, st, u16, u32, os, i8 } from "../axdr-helpers.js";
import { frozen } from "../../util/frozen.js";

/**
 * Profile Generic, class 7 version 1 (Blue Book 4.3.6).
 * Attributes: 2 buffer, 3 capture_objects, 4 capture_period, 5 sort_method,
 * 6 sort_object, 7 entries_in_use, 8 profile_entries. Methods: 1 reset,
 * 2 capture. Selective access on the buffer: 1 range_descriptor (by the
 * clock column), 2 entry_descriptor.
 *
 * A thin adapter over ProfileStore (src/storage): the buffer is streamed
 * (EncodedStream) chunk by chunk from flash, so a year of profile never sits
 * in RAM and the server block-transfers it. Capture sources are plain
 * functions giving Data, so the profile knows nothing of metrology.
 *
 * Layout is fixed at construction (the composition root's catalog): writing
 * capture_objects, capture_period or profile_entries is refused
 * (read-write-denied) because the flash layout of the stored rows depends on
 * them. sort_method is FIFO only.
 */

export interface CaptureObjectDefinition {
  readonly classId: number;
  readonly logicalName: Obis;
  readonly attributeIndex: number;
  readonly dataIndex: number;
}

/** Integer A-XDR types a stored column can have. */
export type IntegerTag =
  | typeof Tag.DoubleLong
  | typeof Tag.DoubleLongUnsigned
  | typeof Tag.Integer
  | typeof Tag.Long
  | typeof Tag.Unsigned
  | typeof Tag.LongUnsigned
  | typeof Tag.Enum
  | typeof Tag.Long64
  | typeof Tag.Long64Unsigned;

/**
 * One capture object: the entry's time stamp (the clock), its status byte,
 * or an integer value read from a source at capture and kept in store
 * column `column`.
 */
export type ProfileColumn =
  | { readonly definition: CaptureObjectDefinition; readonly kind: "time" }
  | { readonly definition: CaptureObjectDefinition; readonly kind: "status" }
  | { readonly definition: CaptureObjectDefinition; readonly kind: "stored"; readonly column: number; readonly tag: IntegerTag; readonly read?: () => Data }
  /** A UTC instant in whole seconds kept in store column `column`, shown as a date-time (0 = not set: null-data). */
  | { readonly definition: CaptureObjectDefinition; readonly kind: "storedTime"; readonly column: number };

/** What the profile needs from the meter clock (MeterClock provides both). */
export interface ProfileTimeBase {
  dateTimeAt(utcMs: number): DateTime;
  deviationAt(utcMs: number): number;
}

export interface ProfileStatusSource {
  takeStatus(utcMs: number): number;
}

export interface ProfileGenericConfig {
  readonly logicalName: Obis;
  readonly store: ProfileStore;
  readonly columns: readonly ProfileColumn[];
  readonly timeBase: ProfileTimeBase;
  readonly status?: ProfileStatusSource;
  /**
   * Send null-data for time stamps that follow the capture period (as many
   * meters do, and dlms-cosem's profile read shows); the first row of every
   * response and every row off the grid keep their date-time.
   */
  readonly nullImplicitTime?: boolean;
  /**
   * What method 2 (capture) does instead of reading the sources: the
   * billing profile hands it to the end-of-billing service, which takes the
   * snapshot and appends it itself.
   */
  readonly captureMethod?: (utcMs: number) => void;
}

export const CLOCK_TIME: CaptureObjectDefinition = frozen({ classId: 8, logicalName: Obis.of(0, 0, 1, 0, 0, 255), attributeIndex: 2, dataIndex: 0 });

export class ProfileGeneric implements CosemObject {
  readonly classId = 7;
  readonly version = 1;
  readonly attributeCount = 8;
  readonly methodCount = 2;
  readonly logicalName: Obis;
  private readonly cfg: ProfileGenericConfig;

  constructor(cfg: ProfileGenericConfig) {
    this.cfg = cfg;
    this.logicalName = cfg.logicalName;
    const stored = cfg.columns.filter((c) => c.kind === "stored" || c.kind === "storedTime").length;
    if (stored > cfg.store.config.columns.length) throw new RangeError("profile columns exceed the store's");
  }

  get store(): ProfileStore {
    return this.cfg.store;
  }

  /** capture(): reads every source now and appends the entry (also method 2). */
  capture(utcMs: number): number {
    const values = new Array<number>(this.cfg.store.config.columns.length).fill(0);
    let status = 0;
    let hasStatus = false;
    for (const c of this.cfg.columns) {
      if (c.kind === "status") hasStatus = true;
      else if (c.kind === "stored" && c.read) values[c.column] = integerOf(c.read());
    }
    if (hasStatus && this.cfg.status) status = this.cfg.status.takeStatus(utcMs);
    return this.cfg.store.append(utcMs, status, values);
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
        return { ok: true, value: u32(s.config.periodS) };
      case 5:
        return { ok: true, value: en(1) };
      case 6:
        return { ok: true, value: definitionData({ classId: 0, logicalName: Obis.of(0, 0, 0, 0, 0, 0), attributeIndex: 0, dataIndex: 0 }) };
      case 7:
        return { ok: true, value: u32(s.entriesInUse) };
      case 8:
        return { ok: true, value: u32(s.config.capacity) };
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

  accessSelectors(attribute: number): readonly number[] {
    return attribute === 2 ? [1, 2] : [];
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
    for (const d of selected) {
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
    const base = s.firstEntry - 1; // buffer entry 1 is the oldest row kept
    const first = base + fromEntry;
    const last = Math.min(s.lastEntry, toEntry === 0 ? s.lastEntry : base + toEntry);
    const cols: number[] = [];
    for (let c = fromCol - 1; c < lastCol; c++) cols.push(c);
    return { ok: true, value: this.stream(Math.max(0, last - first + 1), s.rows(first, last), cols) };
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

/**
 * The buffer's A-XDR bytes produced on demand: the array header, then one
 * structure per row as the server asks for more. Never more than one row
 * beyond maxBytes is held.
 */
class BufferStream implements EncodedStream {
  readonly kind = "stream";
  private pending: Uint8Array = new Uint8Array(0);
  private left: number;
  private prevUtcMs = Number.NaN;

  constructor(
    count: number,
    private readonly rows: Iterator<ProfileRow>,
    private readonly cols: readonly number[],
    private readonly cfg: ProfileGenericConfig,
  ) {
    this.left = count;
    const w = new ByteWriter(8);
    w.u8(Tag.Array);
    writeLength(w, count);
    this.pending = w.toBytes();
  }

  next(maxBytes: number): Uint8Array | undefined {
    // Rows are joined once per block, not once per row.
    const parts = [this.pending];
    let length = this.pending.length;
    while (length < maxBytes && this.left > 0) {
      const r = this.rows.next();
      // Fewer rows than announced (FIFO moved on during the read): pad so the array stays well formed.
      const row = this.row(r.done ? undefined : r.value);
      parts.push(row);
      length += row.length;
      this.left--;
    }
    if (parts.length > 1) this.pending = concatBytes(...parts);
    if (this.pending.length === 0) return undefined;
    const n = Math.min(maxBytes, this.pending.length);
    const out = this.pending.slice(0, n);
    this.pending = this.pending.subarray(n);
    return out;
  }

  private row(r: ProfileRow | undefined): Uint8Array {
    const w = new ByteWriter(64);
    w.u8(Tag.Structure);
    writeLength(w, this.cols.length);
    const period = this.cfg.store.config.periodS * 1000;
    for (const i of this.cols) {
      const c = this.cfg.columns[i];
      if (!r) {
        w.u8(Tag.NullData);
        continue;
      }
      if (c.kind === "time") {
        if (this.cfg.nullImplicitTime && period > 0 && r.utcMs === this.prevUtcMs + period) w.u8(Tag.NullData);
        else writeData(w, dateTimeOs(this.cfg.timeBase.dateTimeAt(r.utcMs)));
      } else if (c.kind === "status") writeData(w, { tag: Tag.Unsigned, value: r.status });
      else if (c.kind === "storedTime") {
        const sec = r.values[c.column] ?? 0;
        if (sec > 0) writeData(w, dateTimeOs(this.cfg.timeBase.dateTimeAt(sec * 1000)));
        else w.u8(Tag.NullData);
      } else writeData(w, dataOf(c.tag, r.values[c.column] ?? 0));
    }
    if (r) this.prevUtcMs = r.utcMs;
    return w.toBytes();
  }
}


export function definitionData(d: CaptureObjectDefinition): Data {
  return st([u16(d.classId), os(d.logicalName.toBytes()), i8(d.attributeIndex), u16(d.dataIndex)]);
}

/** capture_object_definition {class_id, logical_name, attribute_index, data_index}, or undefined. */
export function definitionOf(d: Data | undefined): CaptureObjectDefinition | undefined {
  const f = asList(d, Tag.Structure, 4);
  const classId = asInt(f?.[0], Tag.LongUnsigned);
  const ln = asObis(f?.[1]);
  const attributeIndex = asInt(f?.[2], Tag.Integer);
  const dataIndex = asInt(f?.[3], Tag.LongUnsigned);
  if (classId === undefined || !ln || attributeIndex === undefined || dataIndex === undefined) return undefined;
  return { classId, logicalName: ln, attributeIndex, dataIndex };
}

/** A captured value as the integer the store keeps (non-integers count as 0). */
function integerOf(d: Data): number {
  if (typeof d.value === "number" && Number.isSafeInteger(d.value)) return d.value;
  if (typeof d.value === "bigint") {
    const n = Number(d.value);
    return Number.isSafeInteger(n) ? n : 0;
  }
  if (typeof d.value === "boolean") return d.value ? 1 : 0;
  return 0;
}

function dataOf(tag: IntegerTag, v: number): Data {
  if (tag === Tag.Long64 || tag === Tag.Long64Unsigned) return { tag, value: BigInt(v) };
  return { tag, value: v };
}
