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
 * RAM (issue 13): a row costs its object and 10 bytes of index. Rights
 * are data shared between rows: equal rights rows, and equal per-role
 * rights records, are kept once per directory (interned as rows are added),
 * so 130 registers with the same rights hold one record, not 130.
 */
export class ObjectDirectory {
  #entries: ObjectEntry[] = [];
  /**
   * The index: logical-name keys in ascending order and, at the same
   * position, the row's place in `entries` (catalog order, which is
   * object_list order). Typed arrays, 10 bytes a row, where a Map costs
   * three slots (48 bytes) a row; found by binary search.
   */
  #keys = new Float64Array(16);
  #rowAt = new Uint16Array(16);
  /** Objects that scripts may reach but no association sees (internal capture targets): a few. */
  readonly #internal: CosemObject[] = [];
  /** The distinct rights rows and per-role records of the rows so far (a few dozen: searched, not hashed, to keep no key strings). */
  #rows: ObjectRights[] = [];
  #records: Partial<Record<Role, ObjectRights>>[] = [];

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
    const at = this.#search(key);
    if (at >= 0 || this.#internalAt(key)) throw new Error(`duplicate logical name ${object.logicalName.toString()}`);
    for (const role of ROLES) {
      const x = entry.rights[role];
      // A rights row that does not match the object's shape would make object_list lie.
      if (x && (x.attributes.length !== object.attributeCount || x.methods.length !== object.methodCount)) {
        throw new Error(`rights of ${role} on ${object.logicalName.toString()} do not match class ${object.classId} (${object.attributeCount} attributes, ${object.methodCount} methods)`);
      }
    }
    const rights = this.internRights(entry.rights);
    const row: ObjectEntry = rights === entry.rights ? entry : entry.persist ? { object, rights, persist: entry.persist } : { object, rights };
    this.#index(~at, key, this.#entries.length);
    this.#entries.push(row);
    return row;
  }

  /** The rows in catalog order (object_list order). */
  get entries(): readonly ObjectEntry[] {
    return this.#entries;
  }

  /**
   * Gives back what growing left unused (the arrays double as rows come)
   * and the lists rights are interned with: called once the catalog is
   * whole (the server does, after adding its Association LN rows). Rows may
   * still be added later; their rights are then shared among themselves.
   */
  trim(): void {
    const n = this.#entries.length;
    this.#rows = [];
    this.#records = [];
    this.#entries = this.#entries.slice();
    this.#keys = this.#keys.slice(0, Math.max(1, n));
    this.#rowAt = this.#rowAt.slice(0, Math.max(1, n));
  }

  /** Position of key in the index, or ~(where it would go). */
  #search(key: number): number {
    const keys = this.#keys;
    let lo = 0;
    let hi = this.#entries.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const k = keys[mid];
      if (k < key) lo = mid + 1;
      else if (k > key) hi = mid - 1;
      else return mid;
    }
    return ~lo;
  }

  #index(at: number, key: number, row: number): void {
    const n = this.entries.length;
    if (n === 0xffff) throw new Error("catalog full (65535 rows)");
    if (n === this.#keys.length) {
      const keys = new Float64Array(n * 2);
      const rowAt = new Uint16Array(n * 2);
      keys.set(this.#keys);
      rowAt.set(this.#rowAt);
      this.#keys = keys;
      this.#rowAt = rowAt;
    }
    this.#keys.copyWithin(at + 1, at, n);
    this.#rowAt.copyWithin(at + 1, at, n);
    this.#keys[at] = key;
    this.#rowAt[at] = row;
  }

  #internalAt(key: number): CosemObject | undefined {
    for (const o of this.#internal) if (o.logicalName.key === key) return o;
    return undefined;
  }

  /** The shared record equal to `r` (itself, frozen, when it is the first of its content). */
  internRights(r: Partial<Record<Role, ObjectRights>>): Partial<Record<Role, ObjectRights>> {
    let changed = false;
    const shared: Partial<Record<Role, ObjectRights>> = {};
    for (const role of ROLES) {
      const x = r[role];
      if (!x) continue;
      const row = this.#internRow(x);
      if (row !== x) changed = true;
      shared[role] = row;
    }
    // Rows are shared now, so records compare by row identity.
    for (const known of this.#records) {
      if (ROLES.every((role) => known[role] === shared[role])) return known;
    }
    const record = Object.freeze(changed ? shared : r);
    this.#records.push(record);
    return record;
  }

  #internRow(x: ObjectRights): ObjectRights {
    for (const known of this.#rows) if (sameRow(known, x)) return known;
    const row = Object.isFrozen(x) && Object.isFrozen(x.attributes) && Object.isFrozen(x.methods) ? x : Object.freeze({ attributes: Object.freeze(x.attributes.slice()), methods: Object.freeze(x.methods.slice()) });
    this.#rows.push(row);
    return row;
  }

  addInternal(object: CosemObject): void {
    const key = object.logicalName.key;
    if (this.#search(key) >= 0 || this.#internalAt(key)) throw new Error(`duplicate logical name ${object.logicalName.toString()}`);
    this.#internal.push(object);
  }

  byName(ln: Obis): ObjectEntry | undefined {
    const at = this.#search(ln.key);
    return at >= 0 ? this.#entries[this.#rowAt[at]] : undefined;
  }

  find(logicalName: Obis): ObjectEntry | undefined {
    return this.findKey(logicalName.key);
  }

  findKey(key: number): ObjectEntry | undefined {
    const at = this.#search(key);
    return at >= 0 ? this.#entries[this.#rowAt[at]] : undefined;
  }

  /** ObjectResolver for script tables: visible and internal objects, matched by class. */
  resolve(classId: number, logicalName: Obis): CosemObject | undefined {
    const o = this.findKey(logicalName.key)?.object ?? this.#internalAt(logicalName.key);
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

function sameRow(a: ObjectRights, b: ObjectRights): boolean {
  if (a === b) return true;
  if (a.attributes.length !== b.attributes.length || a.methods.length !== b.methods.length) return false;
  for (let i = 0; i < a.attributes.length; i++) if (a.attributes[i] !== b.attributes[i]) return false;
  for (let i = 0; i < a.methods.length; i++) if (a.methods[i] !== b.methods[i]) return false;
  return true;
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
