import { AttributeAccess, MethodAccess, ROLES, type CosemObject, type ObjectEntry, type ObjectRights, type Role } from "../interface-class.js";
import { Obis } from "../obis.js";

/** The "current association" name that always means the caller's own Association LN object. */
export const CURRENT_ASSOCIATION = Obis.of(0, 0, 40, 0, 0, 255);

/**
 * The object catalog: every COSEM object of the meter with each role's
 * access rights, as data (DESIGN.md section 5), indexed by logical name.
 * The xDLMS server resolves requests here and generates each role's
 * object_list from it, script tables resolve their targets here: one table
 * (the meter's Catalog, src/meter/catalog.ts, is this directory plus its
 * settings binding), so a script can reach exactly what a client can.
 *
 * RAM (issue 13): a row costs its object and one slot in the index. Rights
 * are data shared between rows: equal rights rows, and equal per-role
 * rights records, are kept once per directory (interned as rows are added),
 * so 130 registers with the same rights hold one record, not 130.
 */
export class ObjectDirectory {
  readonly entries: ObjectEntry[] = [];
  readonly #byKey = new Map<number, ObjectEntry>();
  /** Objects that scripts may reach but no association sees (internal capture targets). */
  readonly #internal = new Map<number, CosemObject>();
  /** Interned rights rows and per-role records, by their content (see rightsKey). */
  readonly #rights = new Map<string, ObjectRights | Partial<Record<Role, ObjectRights>>>();

  constructor(entries: readonly ObjectEntry[] = []) {
    for (const e of entries) this.insert(e);
  }

  /**
   * Adds a row as it is (no settings binding): checks that its name is new
   * and that each role's rights match the object's shape, and shares its
   * rights with equal rows already here.
   */
  insert(entry: ObjectEntry): ObjectEntry {
    const object = entry.object;
    const key = object.logicalName.key;
    if (this.#byKey.has(key) || this.#internal.has(key)) throw new Error(`duplicate logical name ${object.logicalName.toString()}`);
    for (const role of ROLES) {
      const x = entry.rights[role];
      // A rights row that does not match the object's shape would make object_list lie.
      if (x && (x.attributes.length !== object.attributeCount || x.methods.length !== object.methodCount)) {
        throw new Error(`rights of ${role} on ${object.logicalName.toString()} do not match class ${object.classId} (${object.attributeCount} attributes, ${object.methodCount} methods)`);
      }
    }
    const rights = this.internRights(entry.rights);
    const row: ObjectEntry = rights === entry.rights ? entry : entry.persist ? { object, rights, persist: entry.persist } : { object, rights };
    this.entries.push(row);
    this.#byKey.set(key, row);
    return row;
  }

  /** The shared record equal to `r` (itself when it is the first of its content). */
  internRights(r: Partial<Record<Role, ObjectRights>>): Partial<Record<Role, ObjectRights>> {
    let key = "";
    let changed = false;
    const shared: Partial<Record<Role, ObjectRights>> = {};
    for (const role of ROLES) {
      const x = r[role];
      if (!x) continue;
      const row = this.#internRow(x);
      if (row !== x) changed = true;
      shared[role] = row;
      key += `${role}:${rowKey(row)};`;
    }
    const known = this.#rights.get(key) as Partial<Record<Role, ObjectRights>> | undefined;
    if (known) return known;
    const record = Object.freeze(changed ? shared : r);
    this.#rights.set(key, record);
    return record;
  }

  #internRow(x: ObjectRights): ObjectRights {
    const key = rowKey(x);
    const known = this.#rights.get(key) as ObjectRights | undefined;
    if (known) return known;
    const row = Object.isFrozen(x) ? x : Object.freeze({ attributes: Object.freeze(x.attributes.slice()), methods: Object.freeze(x.methods.slice()) });
    this.#rights.set(key, row);
    return row;
  }

  addInternal(object: CosemObject): void {
    this.#internal.set(object.logicalName.key, object);
  }

  byName(ln: Obis): ObjectEntry | undefined {
    return this.#byKey.get(ln.key);
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

  /** How many entries a role can see (the length of its object_list). */
  countVisible(role: Role): number {
    let n = 0;
    for (const e of this.entries) if (e.rights[role] !== undefined) n++;
    return n;
  }

  /** The entries a role can see (its object_list), in catalog order. */
  visibleTo(role: Role): ObjectEntry[] {
    return this.entries.filter((e) => e.rights[role] !== undefined);
  }
}

/** A rights row as text ("1 1 3|0 1"): equal rows have equal keys. */
function rowKey(x: ObjectRights): string {
  return `${x.attributes.join(" ")}|${x.methods.join(" ")}`;
}

export function rightsOf(entry: ObjectEntry, role: Role): ObjectRights | undefined {
  return entry.rights[role];
}

export function attributeRight(r: ObjectRights, attribute: number): AttributeAccess {
  return r.attributes[attribute - 1] ?? AttributeAccess.none;
}

export function methodRight(r: ObjectRights, method: number): MethodAccess {
  return r.methods[method - 1] ?? MethodAccess.none;
}

/** "Authenticated" access modes require the request itself to be authenticated (ciphered with a tag). */
export function needsAuthenticatedRequest(a: AttributeAccess | MethodAccess, isMethod: boolean): boolean {
  if (isMethod) return a === MethodAccess.authenticatedAccess;
  return a === AttributeAccess.authenticatedRead || a === AttributeAccess.authenticatedWrite || a === AttributeAccess.authenticatedReadWrite;
}
