import { Tag, type Data } from "../cosem/axdr.js";
import { Obis } from "../cosem/obis.js";
import { frozen } from "../util/frozen.js";
import type { ProfileStore } from "./profile-store.js";

/**
 * A profile as the meter keeps it (the domain behind COSEM class 7): its
 * store, what each capture object is, and how an entry is captured. Load
 * profile, daily and billing values and the event logs are profiles; the
 * Profile Generic interface class (src/cosem/classes/profile-generic.ts)
 * shows one over DLMS and knows nothing of how it is captured.
 *
 * Capture sources are plain functions giving Data, so a profile knows
 * nothing of metrology either.
 */

/** capture_object_definition: which attribute (and element) of which object a column shows. */
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

/** Where the status column's byte comes from at each capture (the AMR profile status). */
export interface ProfileStatusSource {
  takeStatus(utcMs: number): number;
}

/** A profile: its name, store and capture objects, and how a capture is taken. */
export interface ProfileDefinition {
  readonly logicalName: Obis;
  readonly store: ProfileStore;
  readonly columns: readonly ProfileColumn[];
  readonly status?: ProfileStatusSource;
  /**
   * What a capture request (class 7 method 2) does instead of reading the
   * sources: the billing profile hands it to the end-of-billing service,
   * which takes the snapshot and appends it itself.
   */
  readonly captureMethod?: (utcMs: number) => void;
}

/** The clock's time attribute: the time stamp column of every profile. */
export const CLOCK_TIME: CaptureObjectDefinition = frozen({ classId: 8, logicalName: Obis.of(0, 0, 1, 0, 0, 255), attributeIndex: 2, dataIndex: 0 });

/** Throws when the profile names more stored columns than its store keeps. */
export function checkProfileColumns(p: ProfileDefinition): void {
  const stored = p.columns.filter((c) => c.kind === "stored" || c.kind === "storedTime").length;
  if (stored > p.store.config.columns.length) throw new RangeError("profile columns exceed the store's");
}

/** Reads every source now and appends the entry; returns its entry number. */
export function captureProfile(p: ProfileDefinition, utcMs: number): number {
  const values = new Array<number>(p.store.config.columns.length).fill(0);
  let status = 0;
  let hasStatus = false;
  for (let i = 0; i < p.columns.length; i++) {
    const c = p.columns[i];
    if (c.kind === "status") hasStatus = true;
    else if (c.kind === "stored" && c.read) values[c.column] = integerOf(c.read());
  }
  if (hasStatus && p.status) status = p.status.takeStatus(utcMs);
  return p.store.append(utcMs, status, values);
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
