/**
 * The object catalog: every COSEM object of the meter with each role's
 * access rights, as data (DESIGN.md section 5). The xDLMS server resolves
 * requests here, object_list is generated from it per association, and
 * script tables resolve their targets here too — one table, so a script can
 * reach exactly what exists.
 */
import type { CosemObject, ObjectEntry, ObjectRights, Role } from "../cosem/interface-class.js";
import { rights } from "../cosem/interface-class.js";
import type { Obis } from "../cosem/obis.js";
import type { SettingsStore } from "./settings.js";

/** Rights of each role as `rights()` strings: [attributes, methods]; an absent role cannot see the object. */
export type RightsSpec = Partial<Record<Role, readonly [string, string?]>>;

export class Catalog {
  readonly entries: ObjectEntry[] = [];
  readonly #byKey = new Map<number, ObjectEntry>();
  /** Objects that scripts may reach but no association sees (internal capture targets). */
  readonly #internal = new Map<number, CosemObject>();
  #settings: SettingsStore | undefined;

  /**
   * From here on each row with settings (ObjectEntry.persist) is bound to
   * the store: its successful writes are kept across a restart. Attach
   * before the first row.
   */
  attachSettings(settings: SettingsStore): void {
    if (this.entries.length > 0) throw new Error("attach the settings store before the first catalog row");
    this.#settings = settings;
  }

  get settings(): SettingsStore | undefined {
    return this.#settings;
  }

  /** `persist`: the attributes kept across a restart when not every writable one ([] when the domain stores its own state). */
  add(object: CosemObject, spec: RightsSpec, persist?: readonly number[]): ObjectEntry {
    const r: Partial<Record<Role, ObjectRights>> = {};
    for (const role of Object.keys(spec) as Role[]) {
      const s = spec[role];
      if (s) r[role] = rights(s[0], s[1] ?? "");
    }
    return this.addEntry(persist ? { object, rights: r, persist } : { object, rights: r });
  }

  /** Adds a row built elsewhere (an area's catalog function), with the same checks. */
  addEntry(entry: ObjectEntry): ObjectEntry {
    const object = entry.object;
    const key = object.logicalName.key;
    if (this.#byKey.has(key) || this.#internal.has(key)) throw new Error(`duplicate logical name ${object.logicalName.toString()}`);
    for (const role of Object.keys(entry.rights) as Role[]) {
      const x = entry.rights[role];
      // A rights row that does not match the object's shape would make object_list lie.
      if (x && (x.attributes.length !== object.attributeCount || x.methods.length !== object.methodCount)) {
        throw new Error(`rights of ${role} on ${object.logicalName.toString()} do not match class ${object.classId} (${object.attributeCount} attributes, ${object.methodCount} methods)`);
      }
    }
    const row = this.#settings ? this.#settings.bind(entry) : entry;
    this.entries.push(row);
    this.#byKey.set(key, row);
    return row;
  }

  addInternal(object: CosemObject): void {
    this.#internal.set(object.logicalName.key, object);
  }

  find(logicalName: Obis): ObjectEntry | undefined {
    return this.#byKey.get(logicalName.key);
  }

  findKey(key: number): ObjectEntry | undefined {
    return this.#byKey.get(key);
  }

  /** ObjectResolver for script tables: visible and internal objects, matched by class. */
  resolve(classId: number, logicalName: Obis): CosemObject | undefined {
    const o = this.#byKey.get(logicalName.key)?.object ?? this.#internal.get(logicalName.key);
    return o && o.classId === classId ? o : undefined;
  }

  /** The entries a role can see (its object_list). */
  visibleTo(role: Role): ObjectEntry[] {
    return this.entries.filter((e) => e.rights[role] !== undefined);
  }
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
