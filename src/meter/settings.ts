/**
 * Settings: every attribute a client writes survives a restart.
 *
 * The catalog knows which attributes are settings (ObjectEntry.persist,
 * by default every attribute some role may write). Each catalog row with
 * settings gets its object wrapped here: a set() that succeeds is stored in
 * the KeyValueStore before it returns, so before the server encodes the
 * response; an action that succeeds stores the settings it changed (special
 * days inserted, masks added). One key per attribute, written only when the
 * value changed: a write costs one small record, never the whole set.
 *
 * At boot, before the meter serves, restore() applies every stored value
 * through the object's own set(), which validates it as it validates a
 * client's write. A stored value carries the class id, class version and
 * settings layout it was written under; after a firmware update that
 * changed them the object's migrateSetting() converts it or it is dropped
 * with an event, and a value set() refuses is dropped the same way, so a
 * setting is never misread. Keys no catalog row claims any more (an object
 * removed by an update) are dropped too.
 *
 * Record: format (1), class id (u16), class version, layout, A-XDR value.
 * Key: "S", the logical name in hex, the attribute in hex ("S0000110000ff04").
 */
import { decodeData, encodeData, type Data } from "../cosem/axdr.js";
import {
  ActionResult,
  DataAccessResult,
  persistentAttributes,
  type AccessContext,
  type AccessSelection,
  type ActionOutcome,
  type ClassTable,
  type CosemObject,
  type GetResult,
  type ObjectEntry,
} from "../cosem/interface-class.js";
import type { Obis } from "../cosem/obis.js";
import type { EventSink } from "../events.js";
import type { KeyValueStore } from "../persistence.js";
import { StorageError } from "../storage/log-store.js";
import { bytesEqual, toHex } from "../util/bytes.js";
import { DecodeError } from "../util/errors.js";
import type { Meter } from "./meter.js";
import type { UtcClock } from "./faults.js";

const SETTINGS_FORMAT = 1;
const SETTINGS_KEY_PREFIX = "S";
const HEADER = 5;

/** Standard event log codes of the settings (manufacturer-specific range; value = class id * 256 + attribute, or a count). */
export const SettingsEvent = Object.freeze({
  /** A stored setting could not be applied after an update (class changed, value refused, object gone). */
  settingDropped: 250,
  /** Factory defaults: every stored setting cleared (value: how many). */
  factoryDefaults: 251,
} as const);

export function settingKey(logicalName: Obis, attribute: number): string {
  return SETTINGS_KEY_PREFIX + toHex(logicalName.toBytes()).toLowerCase() + (attribute < 16 ? "0" : "") + attribute.toString(16);
}

export interface DroppedSetting {
  readonly key: string;
  readonly reason: "format" | "class" | "undecodable" | "version" | "refused" | "orphan";
  readonly classId: number;
  readonly attribute: number;
}

export interface RestoreReport {
  restored: number;
  dropped: DroppedSetting[];
}

/** Encoded value of a readable, non-stream attribute; undefined otherwise. */
function encodedGet(o: CosemObject, attribute: number, ctx: AccessContext): Uint8Array | undefined {
  const r = o.get(attribute, ctx);
  if (!r.ok || "kind" in r.value) return undefined;
  return encodeData(r.value);
}

const EMPTY = new Uint8Array(0);

function recordOf(o: CosemObject, encoded: Uint8Array): Uint8Array {
  const record = new Uint8Array(HEADER + encoded.length);
  record[0] = SETTINGS_FORMAT;
  record[1] = o.classId >> 8;
  record[2] = o.classId & 0xff;
  record[3] = o.version;
  record[4] = o.settingsLayout ?? 0;
  record.set(encoded, HEADER);
  return record;
}

/** A bound row, as the store sees it: the wrapped object and the attributes it keeps (the wrapper itself, no record beside it: RAM, issue 13). */
interface Bound {
  readonly object: CosemObject;
  readonly attributes: readonly number[];
}

/** The store key of a bound attribute: made when used, not kept per attribute (RAM, issue 13). */
function keyOf(b: Bound, attribute: number): string {
  return settingKey(b.object.logicalName, attribute);
}

export class SettingsStore {
  private readonly store: KeyValueStore;
  private readonly events: EventSink;
  /** The meter's clock (an object, not a closure per domain: RAM on XS). */
  private readonly clock: UtcClock;
  private bound: Bound[];
  private readonly lists: (readonly number[])[];
  /** Flash writes done for settings since boot (what "only what changed" is checked by). */
  writes: number;

  private readonly maxEntry: number;

  /**
   * `maxEntryBytes`: the largest entry the store holds, counted as the flash
   * KeyValueStore lays it out (key length, key, value: one log record body);
   * unbounded on a RAM store.
   */
  constructor(store: KeyValueStore, events: EventSink, clock: UtcClock, maxEntryBytes = Infinity) {
    this.store = store;
    this.events = events;
    this.clock = clock;
    this.maxEntry = maxEntryBytes;
    this.bound = [];
    this.lists = [];
    this.writes = 0;
  }

  /** Whether a value of this attribute fits one store entry. */
  fits(b: Bound, attribute: number, encoded: Uint8Array): boolean {
    return 1 + keyOf(b, attribute).length + HEADER + encoded.length <= this.maxEntry;
  }

  /** The catalog row as the server must see it: its object wrapped when it has settings. */
  bind(entry: ObjectEntry): ObjectEntry {
    const attributes = this.intern(persistentAttributes(entry));
    if (attributes.length === 0) return entry;
    const bound = new PersistedObject(entry.object, attributes, this);
    this.bound.push(bound);
    return { ...entry, object: bound };
  }

  /** Equal attribute lists are kept once (most rows share a few): RAM on XS, issue 13. */
  private intern(list: readonly number[]): readonly number[] {
    const lists = this.lists;
    for (let n = 0; n < lists.length; n++) {
      const l = lists[n];
      if (l.length === list.length && l.every((a, i) => a === list[i])) return l;
    }
    lists.push(list);
    return list;
  }

  /** Every (object, attribute) the store keeps, in catalog order. */
  settings(): { object: CosemObject; attribute: number; key: string }[] {
    const out: { object: CosemObject; attribute: number; key: string }[] = [];
    this.bound.forEach((b) => b.attributes.forEach((a) => out.push({ object: b.object, attribute: a, key: keyOf(b, a) })));
    return out;
  }

  /** After a successful action: stores the settings whose value the action changed. */
  saveChanged(b: Bound, before: (Uint8Array | undefined)[], ctx: AccessContext): boolean {
    let ok = true;
    b.attributes.forEach((a, i) => {
      const after = encodedGet(b.object, a, ctx);
      const was = before[i];
      if (after && !(was && bytesEqual(was, after)) && !this.save(b, a, after)) ok = false;
    });
    return ok;
  }

  /**
   * Stores the current value of settings a domain changed on its own (the
   * calendar's scheduled activation), where it differs from what is stored.
   */
  saveCurrent(logicalName: Obis, attributes: readonly number[]): boolean {
    let ok = true;
    const ctx: AccessContext = { role: "management", clientSap: 0, nowUtcMs: this.clock.now() };
    this.bound.forEach((b) => {
      if (b.object.logicalName.key !== logicalName.key) return;
      attributes.forEach((a) => {
        const now = b.attributes.indexOf(a) >= 0 ? encodedGet(b.object, a, ctx) : undefined;
        if (now && !this.save(b, a, now)) ok = false;
      });
    });
    return ok;
  }

  snapshot(b: Bound, ctx: AccessContext): (Uint8Array | undefined)[] {
    return b.attributes.map((a) => encodedGet(b.object, a, ctx));
  }

  /**
   * Stores a value (set() just accepted it, or an action or the domain
   * changed it) unless the store holds that very record or, with nothing
   * stored and `before` given, the attribute reads back as it did before
   * the write (a fresh meter stores only what a client changed). False when
   * the store refused it.
   */
  save(b: Bound, attribute: number, encoded: Uint8Array, before?: Uint8Array, ctx?: AccessContext): boolean {
    const key = keyOf(b, attribute);
    const record = recordOf(b.object, encoded);
    const stored = this.store.get(key);
    if (stored ? bytesEqual(stored, record) : before !== undefined && bytesEqual(before, encodedGet(b.object, attribute, ctx!) ?? EMPTY)) return true;
    try {
      this.store.put(key, record);
    } catch (e) {
      // A full or broken store: the value is in RAM but not durable, which the client must learn.
      if (e instanceof StorageError) return false;
      throw e;
    }
    this.writes++;
    return true;
  }

  /**
   * Applies every stored setting through the objects' set(); call once, at
   * boot, before the meter serves. Refused or stale values are deleted and
   * reported; the caller records the events (recordDrops) once the domains'
   * own change events are no longer suppressed.
   */
  restore(): RestoreReport {
    // The catalog is whole: the list shrinks to its rows (an array grown by push keeps spare room on XS).
    this.bound = this.bound.slice();
    const report: RestoreReport = { restored: 0, dropped: [] };
    const ctx: AccessContext = { role: "management", clientSap: 0, nowUtcMs: this.clock.now() };
    const claimed = new Set<string>();
    this.bound.forEach((b) =>
      b.attributes.forEach((attribute) => {
        const key = keyOf(b, attribute);
        claimed.add(key);
        const record = this.store.get(key);
        if (!record) return;
        const reason = applySetting(b.object, attribute, record, ctx);
        if (reason === undefined) report.restored++;
        else this.drop(report, key, reason, b.object.classId, attribute);
      }),
    );
    // Only a store that can list its keys has orphans to find (on one that cannot, every listed key is bound).
    (this.store.keys?.() ?? []).forEach((key) => {
      if (key.charAt(0) !== SETTINGS_KEY_PREFIX) return;
      if (claimed.has(key)) return;
      const record = this.store.get(key);
      const attribute = parseInt(key.slice(13), 16);
      this.drop(report, key, "orphan", record && record.length >= 3 ? (record[1] << 8) | record[2] : 0, attribute >= 0 ? attribute : 0);
    });
    return report;
  }

  /** The store's keys of settings (every key the store lists, or the bound ones on a store that cannot list). */
  private settingKeys(): readonly string[] {
    const keys = this.store.keys ? this.store.keys() : this.settings().map((s) => s.key);
    return keys.filter((key) => key.charAt(0) === SETTINGS_KEY_PREFIX);
  }

  private drop(report: RestoreReport, key: string, reason: DroppedSetting["reason"], classId: number, attribute: number): void {
    try {
      this.store.delete(key);
    } catch (e) {
      // A full store must not stop the meter from starting: the value was not applied, and the next start drops it again.
      if (!(e instanceof StorageError)) throw e;
    }
    report.dropped.push({ key, reason, classId, attribute });
  }

  recordDrops(report: RestoreReport): void {
    report.dropped.forEach((d) => this.events.record({ log: "standard", code: SettingsEvent.settingDropped, utcMs: this.clock.now(), value: d.classId * 256 + d.attribute }));
  }

  /** Stored settings as (key, record) pairs: what the flash holds for them. */
  stored(): { key: string; record: Uint8Array }[] {
    const out: { key: string; record: Uint8Array }[] = [];
    this.settingKeys().forEach((key) => {
      const record = this.store.get(key);
      if (record) out.push({ key, record });
    });
    return out;
  }

  /**
   * Factory defaults: deletes every stored setting and records the event.
   * The values in RAM stay until the restart that the caller requests, after
   * which every object starts from the meter configuration again.
   */
  clear(): number {
    const stored = this.stored();
    stored.forEach((s) => this.store.delete(s.key));
    this.events.record({ log: "standard", code: SettingsEvent.factoryDefaults, utcMs: this.clock.now(), value: stored.length });
    return stored.length;
  }
}

/** Applies one stored record through the object's set(): undefined when applied, else why it is dropped. */
function applySetting(o: CosemObject, attribute: number, record: Uint8Array, ctx: AccessContext): DroppedSetting["reason"] | undefined {
  if (record.length <= HEADER || record[0] !== SETTINGS_FORMAT) return "format";
  if (((record[1] << 8) | record[2]) !== o.classId) return "class";
  let value: Data;
  try {
    value = decodeData(record.subarray(HEADER));
  } catch (e) {
    if (e instanceof DecodeError) return "undecodable";
    throw e;
  }
  const version = record[3];
  const layout = record[4];
  if (version !== o.version || layout !== (o.settingsLayout ?? 0)) {
    const migrated = o.migrateSetting?.(attribute, { version, layout }, value);
    if (migrated === undefined) return "version";
    value = migrated;
  }
  return o.set(attribute, value, ctx) === DataAccessResult.success ? undefined : "refused";
}

/** The object as the server and scripts see it: the same object, whose successful writes are stored. */
class PersistedObject implements CosemObject, Bound {
  /** The wrapped object (Bound.object) and its settings: public for the store, which the server never sees (it sees a CosemObject). */
  readonly object: CosemObject;
  readonly attributes: readonly number[];
  private readonly store: SettingsStore;

  constructor(object: CosemObject, attributes: readonly number[], store: SettingsStore) {
    this.object = object;
    this.attributes = attributes;
    this.store = store;
  }

  get classId(): number {
    return this.object.classId;
  }
  get version(): number {
    return this.object.version;
  }
  get logicalName(): Obis {
    return this.object.logicalName;
  }
  get attributeCount(): number {
    return this.object.attributeCount;
  }
  get methodCount(): number {
    return this.object.methodCount;
  }
  get classTable(): ClassTable {
    return this.object.classTable;
  }

  get(attribute: number, ctx: AccessContext, selection?: AccessSelection): GetResult {
    return this.object.get(attribute, ctx, selection);
  }

  set(attribute: number, value: Data, ctx: AccessContext): DataAccessResult {
    if (this.attributes.indexOf(attribute) < 0) return this.object.set(attribute, value, ctx);
    const encoded = encodeData(value);
    // A value the store cannot keep is refused before it is applied, rather than lost at the next restart.
    if (!this.store.fits(this, attribute, encoded)) return DataAccessResult.otherReason;
    const before = encodedGet(this.object, attribute, ctx);
    const r = this.object.set(attribute, value, ctx);
    if (r !== DataAccessResult.success) return r;
    return this.store.save(this, attribute, encoded, before, ctx) ? r : DataAccessResult.hardwareFault;
  }

  action(method: number, parameters: Data | undefined, ctx: AccessContext): ActionOutcome {
    const before = this.store.snapshot(this, ctx);
    const out = this.object.action(method, parameters, ctx);
    if (out.result !== ActionResult.success) return out;
    return this.store.saveChanged(this, before, ctx) ? out : { result: ActionResult.hardwareFault };
  }
}

/**
 * The settings on the meter's store: every catalog row with settings is
 * bound to it as it is added; restoreSettings() runs once the catalog is
 * whole. On flash one setting is one KV record, which one log record body bounds.
 */
export function wireSettings(m: Meter): SettingsStore {
  const settings = new SettingsStore(m.store, m.events, m.clock, m.log ? m.log.maxBody : Infinity);
  m.catalog.attachSettings(settings);
  return settings;
}

/**
 * Before the meter serves (the links deliver bytes only through timers,
 * which run after the constructor): what clients wrote comes back. The
 * domains' change events were logged when the client made the change.
 */
export function restoreSettings(m: Meter): RestoreReport {
  const restored = m.events.quiet(() => m.settings.restore());
  m.settings.recordDrops(restored);
  return restored;
}
