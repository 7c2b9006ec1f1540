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
   * The index: each row's logical-name key at its catalog position, and an
   * open-addressing hash table of row positions + 1 (0 = empty), a power
   * of two at least twice the rows. Typed arrays, about 12 bytes a row,
   * where a Map costs three slots (48 bytes) a row; one hash and usually
   * one probe per lookup, which every request pays (a binary search cost
   * about 100 XS computations more per GET).
   */
  #keys = new Float64Array(16);
  #slots = new Uint16Array(32);
  #shift = 27;
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
    if (this.#search(key) >= 0 || this.#internalAt(key)) throw new Error(`duplicate logical name ${object.logicalName.toString()}`);
    for (const role of ROLES) {
      const x = entry.rights[role];
      // A rights row that does not match the object's shape would make object_list lie.
      if (x && (x.attributes.length !== object.attributeCount || x.methods.length !== object.methodCount)) {
        throw new Error(`rights of ${role} on ${object.logicalName.toString()} do not match class ${object.classId} (${object.attributeCount} attributes, ${object.methodCount} methods)`);
      }
    }
    const rights = this.internRights(entry.rights);
    const row: ObjectEntry = rights === entry.rights ? entry : entry.persist ? { object, rights, persist: entry.persist } : { object, rights };
    this.#index(key, this.#entries.length);
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
  }

  /** The row position of key, or -1. */
  #search(key: number): number {
    const slots = this.#slots;
    const mask = slots.length - 1;
    let i = slotOf(key, this.#shift);
    for (;;) {
      const v = slots[i];
      if (v === 0) return -1;
      if (this.#keys[v - 1] === key) return v - 1;
      i = (i + 1) & mask;
    }
  }

  #index(key: number, row: number): void {
    if (row === 0xfffe) throw new Error("catalog full (65534 rows)");
    if (row === this.#keys.length) {
      const keys = new Float64Array(row * 2);
      keys.set(this.#keys);
      this.#keys = keys;
    }
    this.#keys[row] = key;
    if ((row + 1) * 2 > this.#slots.length) {
      // Rehash into a table twice the size: keeps the load at most one half.
      this.#slots = new Uint16Array(this.#slots.length * 2);
      this.#shift--;
      for (let r = 0; r < row; r++) this.#place(this.#keys[r], r);
    }
    this.#place(key, row);
  }

  #place(key: number, row: number): void {
    const slots = this.#slots;
    const mask = slots.length - 1;
    let i = slotOf(key, this.#shift);
    while (slots[i] !== 0) i = (i + 1) & mask;
    slots[i] = row + 1;
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
    return at >= 0 ? this.#entries[at] : undefined;
  }

  find(logicalName: Obis): ObjectEntry | undefined {
    return this.findKey(logicalName.key);
  }

  findKey(key: number): ObjectEntry | undefined {
    const at = this.#search(key);
    return at >= 0 ? this.#entries[at] : undefined;
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

/**
 * Fibonacci hashing of a 48-bit logical-name key into a table of
 * 2^(32 - shift) slots: A, B, C (the high 24 bits) are folded into D, E, F
 * so that names differing only in one group still spread.
 */
function slotOf(key: number, shift: number): number {
  const low = key % 0x1000000;
  const high = (key - low) / 0x1000000;
  return Math.imul(low ^ Math.imul(high, 0x01000193), 0x9e3779b1) >>> shift;
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
