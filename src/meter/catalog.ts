/**
 * The meter's object catalog: the one ObjectDirectory (src/cosem/server/
 * directory.ts) of every COSEM object with each role's access rights, which
 * the xDLMS server serves from, object_list is generated from per
 * association, and script tables resolve their targets in — plus the
 * settings binding: a row with settings is wrapped so that its writes
 * survive a restart (src/meter/settings.ts).
 */
import type { CosemObject, ObjectEntry, ObjectRights, Role } from "../cosem/interface-class.js";
import { rights } from "../cosem/interface-class.js";
import { ObjectDirectory } from "../cosem/server/directory.js";
import type { SettingsStore } from "./settings.js";
import { frozen } from "../util/frozen.js";

/** Rights of each role as `rights()` strings: [attributes, methods]; an absent role cannot see the object. */
export type RightsSpec = Partial<Record<Role, readonly [string, string?]>>;

export class Catalog extends ObjectDirectory {
  private settingsStore: SettingsStore | undefined;
  /**
   * Rights rows parsed so far, by their text ("attributes|methods"): the
   * catalog repeats a few dozen texts over its rows, and parsing one costs
   * about 100 times a lookup on XS. Let go at trim(), like the directory's
   * interning lists.
   */
  private parsed: Map<string, ObjectRights> | undefined;

  /**
   * From here on each row with settings (ObjectEntry.persist) is bound to
   * the store: its successful writes are kept across a restart. Attach
   * before the first row.
   */
  attachSettings(settings: SettingsStore): void {
    if (this.size > 0) throw new Error("attach the settings store before the first catalog row");
    this.settingsStore = settings;
  }

  get settings(): SettingsStore | undefined {
    return this.settingsStore;
  }

  /** `persist`: the attributes kept across a restart when not every writable one ([] when the domain stores its own state). */
  add(object: CosemObject, spec: RightsSpec, persist?: readonly number[]): ObjectEntry {
    const r: Partial<Record<Role, ObjectRights>> = {};
    for (const role of Object.keys(spec) as Role[]) {
      const s = spec[role];
      if (!s) continue;
      const text = s[1] ? `${s[0]}|${s[1]}` : s[0];
      const parsed = (this.parsed ??= new Map());
      let row = parsed.get(text);
      if (!row) {
        row = rights(s[0], s[1] ?? "");
        parsed.set(text, row);
      }
      r[role] = row;
    }
    return this.addEntry(persist ? { object, rights: r, persist } : { object, rights: r });
  }

  override trim(): void {
    this.parsed = undefined;
    super.trim();
  }

  /** Adds a row built elsewhere (an area's catalog function), with the same checks, bound to the settings store. */
  addEntry(entry: ObjectEntry): ObjectEntry {
    if (!this.settingsStore) return this.insert(entry);
    // The rights are interned first, so that the settings wrapper carries the shared record.
    const shared = this.internRights(entry.rights);
    return this.insert(this.settingsStore.bind(shared === entry.rights ? entry : { ...entry, rights: shared }));
  }
}

/**
 * The rights most rows have, as one call instead of a literal per row (a
 * rights literal is about 120 B of XS bytecode, issue 13): the reader reads
 * every attribute and calls no method; management has `management` (one
 * word per attribute, as in rights()) and may call all `methods`. Frozen,
 * like readOnly(): a module-level spec is a table in flash (xsl "not
 * frozen" otherwise).
 */
export function managed(management: string, methods = 0): RightsSpec {
  return frozen({ reader: [readAll(management.split(" ").length), noMethods(methods)], management: [management, allMethods(methods)] });
}

/** Both roles read all `attributes` and call none of `methods`. */
export function readOnly(attributes: number, methods = 0): RightsSpec {
  const view = [readAll(attributes), noMethods(methods)] as const;
  return frozen({ reader: view, management: view });
}

/** `n` attributes all readable ("r r r ..."). */
export function readAll(n: number): string {
  return Array(n).fill("r").join(" ");
}

/** `n` methods all denied. */
export function noMethods(n: number): string {
  return Array(n).fill("-").join(" ");
}

/** `n` methods all allowed. */
export function allMethods(n: number): string {
  return Array(n).fill("x").join(" ");
}
