import { AttributeAccess, MethodAccess, ROLES, acceptsWrite, attributeName, canWrite, type ClassTable, type CosemObject, type ObjectEntry, type ObjectRights, type Role } from "../interface-class.js";
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
 * RAM (issue 13): a row is its object and about 14 bytes of typed arrays:
 * the object is the row (no entry object beside it: 3 slots a row), its
 * rights an index into the distinct rights records, which are interned as
 * rows are added (130 registers with the same rights hold one record).
 * ObjectEntry values ({object, rights}) are made only when asked for (the
 * cold paths: find, entries, visibleTo); requests and the object_list go by
 * row position (rowOf, objectAt, rightsAt, visibleRows).
 */
export class ObjectDirectory {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare private objects: CosemObject[];
  /** Each row's rights: its index in records. */
  declare private rowRights: Uint16Array;
  /** The distinct rights records of the rows, interned (a few dozen). */
  declare private records: Partial<Record<Role, ObjectRights>>[];
  /** Each row's ObjectEntry.persist: its index in persists, 0 for none (most rows). */
  declare private persistAt: Uint8Array;
  /** The distinct persist lists (by content), index 0 = none: a handful. */
  declare private persists: (readonly number[] | undefined)[];
  /**
   * The index: each row's logical-name key at its catalog position, and an
   * open-addressing hash table of row positions (EMPTY = none) whose size
   * is a prime at least twice the rows, so that the key modulo the size is
   * the hash (one operation; a multiplicative hash of the key's halves cost
   * about 60 XS computations more per GET). Typed arrays, about 12 bytes a
   * row, where a Map costs three slots (48 bytes) a row; usually one probe
   * per lookup, which every request pays (a binary search cost about 100 XS
   * computations more per GET).
   */
  declare private keys: Float64Array;
  declare private slots: Uint16Array;
  /** Objects that scripts may reach but no association sees (internal capture targets): a few. */
  declare private readonly internal: CosemObject[];
  /**
   * The distinct rights rows and per-role records of the rows so far, by
   * content key (rowKey): a few dozen, but every row added looks them up, and
   * comparing element by element against each known one cost most of the
   * catalog's start-up (about 660,000 XS computations per boot). The keys
   * live only until trim(), which lets the tables go (made again if rows
   * come later).
   */
  declare private interning: Interning | undefined;
  /** The rights record and class table last checked (rows come in runs of one class and record: one check per run). */
  declare private checkedRights: Partial<Record<Role, ObjectRights>> | undefined;
  declare private checkedTable: ClassTable | undefined;

  constructor(entries: readonly ObjectEntry[] = []) {
    this.objects = [];
    this.rowRights = new Uint16Array(16);
    this.records = [];
    this.persistAt = new Uint8Array(16);
    this.persists = [undefined];
    this.keys = new Float64Array(16);
    this.slots = new Uint16Array(37).fill(EMPTY);
    this.internal = [];
    this.found = NONE_FOUND;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      this.insert(e);
    }
  }

  /**
   * Adds a row (no settings binding): checks that its name is new and that
   * each role's rights fit the object's class table, and shares its rights
   * with equal rows already here. Returns the row as an entry, with the
   * shared rights record.
   */
  insert(entry: ObjectEntry): ObjectEntry {
    const object = entry.object;
    const key = object.logicalName.key;
    if (this.search(key) >= 0 || this.internalAt(key)) throw new Error(`duplicate logical name ${object.logicalName.toString()}`);
    if (entry.rights !== this.checkedRights || object.classTable !== this.checkedTable) {
      for (let i = 0; i < ROLES.length; i++) {
        const role = ROLES[i];
        const x = entry.rights[role];
        if (x) checkRights(object, role, x);
      }
      this.checkedRights = entry.rights;
      this.checkedTable = object.classTable;
    }
    const rights = this.internRights(entry.rights);
    const row = this.objects.length;
    this.index(key, row);
    this.objects.push(object);
    this.rowRights[row] = this.recordIndex(rights);
    if (entry.persist) this.persistAt[row] = this.persistIndex(entry.persist);
    return rights === entry.rights ? entry : entry.persist ? { object, rights, persist: entry.persist } : { object, rights };
  }

  /** How many rows (visible to some role) the directory holds. */
  get size(): number {
    return this.objects.length;
  }

  /** The rows in catalog order (object_list order), as entries made now: for the cold paths (tests, tools). */
  get entries(): readonly ObjectEntry[] {
    const out: ObjectEntry[] = [];
    for (let i = 0; i < this.objects.length; i++) out.push(this.entryAt(i));
    return out;
  }

  /**
   * Gives back what growing left unused (the arrays double as rows come)
   * and the lists rights are interned with: called once the catalog is
   * whole (the server does, after adding its Association LN rows). Rows may
   * still be added later; their rights are then shared among themselves.
   */
  trim(): void {
    const n = this.objects.length;
    this.interning = undefined;
    this.checkedRights = undefined;
    this.checkedTable = undefined;
    this.objects = this.objects.slice();
    this.records = this.records.slice();
    this.keys = this.keys.slice(0, Math.max(1, n));
    this.rowRights = this.rowRights.slice(0, Math.max(1, n));
    this.persistAt = this.persistAt.slice(0, Math.max(1, n));
  }

  /** The row position of key, or -1 (written out in full: every request pays for it). */
  private search(key: number): number {
    const slots = this.slots;
    const size = slots.length;
    let i = key % size;
    for (;;) {
      const v = slots[i];
      if (v === EMPTY) return -1;
      if (this.keys[v] === key) return v;
      if (++i === size) i = 0;
    }
  }

  private index(key: number, row: number): void {
    if (row === EMPTY) throw new Error("catalog full (65535 rows)");
    if (row === this.keys.length) {
      const keys = new Float64Array(row * 2);
      keys.set(this.keys);
      this.keys = keys;
    }
    if (row === this.rowRights.length) {
      const at = new Uint16Array(row * 2);
      at.set(this.rowRights);
      this.rowRights = at;
    }
    if (row === this.persistAt.length) {
      const at = new Uint8Array(row * 2);
      at.set(this.persistAt);
      this.persistAt = at;
    }
    this.keys[row] = key;
    if ((row + 1) * 2 > this.slots.length) {
      // Rehash into a table about twice the size: keeps the load at most one half.
      this.slots = new Uint16Array(primeAtLeast(this.slots.length * 2)).fill(EMPTY);
      for (let r = 0; r < row; r++) this.place(this.keys[r], r);
    }
    this.place(key, row);
  }

  private place(key: number, row: number): void {
    const slots = this.slots;
    const size = slots.length;
    let i = key % size;
    while (slots[i] !== EMPTY) if (++i === size) i = 0;
    slots[i] = row;
  }

  /** The position of an interned record in records, added when new. */
  private recordIndex(r: Partial<Record<Role, ObjectRights>>): number {
    const t = this.interning;
    let i = t ? (t.positions.get(r) ?? -1) : this.records.indexOf(r);
    if (i < 0) {
      i = this.records.length;
      this.records.push(r);
      t?.positions.set(r, i);
    }
    return i;
  }

  /** The position of a persist list of this content in persists, added when new. */
  private persistIndex(p: readonly number[]): number {
    const key = p.join(",");
    for (let i = 1; i < this.persists.length; i++) if (this.persists[i]!.join(",") === key) return i;
    if (this.persists.length === 256) throw new Error("more than 255 distinct persist lists");
    this.persists.push(Object.isFrozen(p) ? p : Object.freeze(p.slice()));
    return this.persists.length - 1;
  }

  private entryAt(row: number): ObjectEntry {
    const object = this.objects[row];
    const rights = this.records[this.rowRights[row]];
    const persist = this.persists[this.persistAt[row]];
    return persist ? { object, rights, persist } : { object, rights };
  }

  private internalAt(key: number): CosemObject | undefined {
    for (let i = 0; i < this.internal.length; i++) {
      const o = this.internal[i];
      if (o.logicalName.key === key) return o;
    }
    return undefined;
  }

  /** The shared record equal to `r` (itself, frozen, when it is the first of its content). */
  internRights(r: Partial<Record<Role, ObjectRights>>): Partial<Record<Role, ObjectRights>> {
    const t = (this.interning ??= newInterning(this.records));
    if (t.shared.has(r)) return r;
    let changed = false;
    let recordKey = "";
    const shared: Partial<Record<Role, ObjectRights>> = {};
    for (let i = 0; i < ROLES.length; i++) {
      const role = ROLES[i];
      const x = r[role];
      // A role's part of the record key: its row's key, or nothing; the separator keeps the roles apart.
      recordKey += "\uffff";
      if (!x) continue;
      const key = rowKey(x);
      recordKey += key;
      let row = t.rows.get(key);
      if (!row) {
        // Its attribute and method lists shared with equal lists of other rows (41 rows hold 42 distinct lists of 82: RAM, issue 13).
        const attributes = internList(t, x.attributes);
        const methods = internList(t, x.methods);
        row = Object.isFrozen(x) && attributes === x.attributes && methods === x.methods ? x : Object.freeze({ attributes, methods });
        t.rows.set(key, row);
      }
      if (row !== x) changed = true;
      shared[role] = row;
    }
    const known = t.records.get(recordKey);
    if (known) return known;
    const record = Object.freeze(changed ? shared : r);
    t.records.set(recordKey, record);
    t.shared.add(record);
    return record;
  }

  addInternal(object: CosemObject): void {
    const key = object.logicalName.key;
    if (this.search(key) >= 0 || this.internalAt(key)) throw new Error(`duplicate logical name ${object.logicalName.toString()}`);
    this.internal.push(object);
  }

  /**
   * The rights record of the row the last lookup() found (each role's
   * rights; absent for a role that cannot see it). Valid until the next
   * lookup: the server handles one request at a time.
   */
  declare found: Partial<Record<Role, ObjectRights>>;

  /**
   * The object of a logical-name key, or undefined; its rights record is
   * then in `found`. Every request's lookup, so it is one call: the search
   * written out, the rights handed over in a field rather than by a second
   * call or an entry object per row (about 45 XS computations a GET).
   */
  lookup(key: number): CosemObject | undefined {
    const slots = this.slots;
    const size = slots.length;
    let i = key % size;
    for (;;) {
      const v = slots[i];
      if (v === EMPTY) return undefined;
      if (this.keys[v] === key) {
        this.found = this.records[this.rowRights[v]];
        return this.objects[v];
      }
      if (++i === size) i = 0;
    }
  }


  /** The object of a row (rowOf). */
  objectAt(row: number): CosemObject {
    return this.objects[row];
  }

  /** The rights record of a row (rowOf): each role's rights, absent for a role that cannot see it. */
  rightsAt(row: number): Partial<Record<Role, ObjectRights>> {
    return this.records[this.rowRights[row]];
  }

  find(logicalName: Obis): ObjectEntry | undefined {
    return this.findKey(logicalName.key);
  }

  findKey(key: number): ObjectEntry | undefined {
    const at = this.search(key);
    return at >= 0 ? this.entryAt(at) : undefined;
  }

  /** ObjectResolver for script tables: visible and internal objects, matched by class. */
  resolve(classId: number, logicalName: Obis): CosemObject | undefined {
    const at = this.search(logicalName.key);
    const o = at >= 0 ? this.objects[at] : this.internalAt(logicalName.key);
    return o && o.classId === classId ? o : undefined;
  }

  /** How many entries a role can see (the length of its object_list). */
  countVisible(role: Role): number {
    let n = 0;
    for (let i = 0; i < this.objects.length; i++) if (this.records[this.rowRights[i]][role] !== undefined) n++;
    return n;
  }

  /** The entries a role can see (its object_list), in catalog order, made now: for the cold paths. */
  visibleTo(role: Role): ObjectEntry[] {
    const out: ObjectEntry[] = [];
    for (let i = 0; i < this.objects.length; i++) if (this.records[this.rowRights[i]][role] !== undefined) out.push(this.entryAt(i));
    return out;
  }

  /** The rows a role can see (its object_list), by position: what the object_list is encoded from, one typed array per read. */
  visibleRows(role: Role): VisibleRows {
    const rows = new Uint16Array(this.countVisible(role));
    let n = 0;
    for (let i = 0; i < this.objects.length; i++) if (this.records[this.rowRights[i]][role] !== undefined) rows[n++] = i;
    return new VisibleRows(this, role, rows);
  }
}

/** A role's object_list rows: the objects and that role's rights, by position, without an entry object per row. */
export class VisibleRows {
  declare readonly directory: ObjectDirectory;
  declare readonly role: Role;
  declare readonly rows: Uint16Array;
  constructor(
    directory: ObjectDirectory,
    role: Role,
    rows: Uint16Array,
  ) {
    this.directory = directory;
    this.role = role;
    this.rows = rows;
  }

  get length(): number {
    return this.rows.length;
  }

  objectAt(i: number): CosemObject {
    return this.directory.objectAt(this.rows[i]);
  }

  rightsAt(i: number): ObjectRights {
    return this.directory.rightsAt(this.rows[i])[this.role]!;
  }
}

/**
 * A role's rights on an object must fit its class table: one access per
 * attribute and method (else object_list would lie about the class), and
 * write access only where the class accepts a SET (else object_list would
 * promise a write the class refuses).
 */
function checkRights(object: CosemObject, role: Role, x: ObjectRights): void {
  const t = object.classTable;
  const where = () => `rights of ${role} on ${object.logicalName.toString()} (class ${t.classId}: ${t.attributes.length} attributes, ${t.methods.length} methods)`;
  if (x.attributes.length !== t.attributes.length || x.methods.length !== t.methods.length) throw new Error(`${where()} do not match the class`);
  for (let a = 1; a <= t.attributes.length; a++) {
    if (canWrite(x.attributes[a - 1]) && !acceptsWrite(t, a)) throw new Error(`${where()} grant write on ${attributeName(t, a)}, which the class does not accept`);
  }
}

/** The smallest prime at least n (table sizes: a few per catalog, found by trial division). */
function primeAtLeast(n: number): number {
  for (let p = n | 1; ; p += 2) {
    let prime = true;
    for (let d = 3; d * d <= p; d += 2) {
      if (p % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) return p;
  }
}

/** `found` before any lookup: no role. */
const NONE_FOUND: Partial<Record<Role, ObjectRights>> = Object.freeze({});

/** An index slot without a row (row positions are 0..65534). */
const EMPTY = 0xffff;

/** The interning tables while a catalog is built: rows and per-role records by content key, and the records handed out. */
interface Interning {
  readonly rows: Map<string, ObjectRights>;
  /** The distinct access lists of the rows (attributes and methods alike: both are small integers), by content. */
  readonly lists: Map<string, readonly number[]>;
  readonly records: Map<string, Partial<Record<Role, ObjectRights>>>;
  /** A record already interned (e.g. by the settings binding) comes back as it is. */
  readonly shared: Set<Partial<Record<Role, ObjectRights>>>;
  /** The position of each record in the directory's list of records. */
  readonly positions: Map<Partial<Record<Role, ObjectRights>>, number>;
}

/**
 * Fresh interning tables over the records the directory already holds
 * (after trim(), rows added later share the records from before).
 */
function newInterning(records: readonly Partial<Record<Role, ObjectRights>>[]): Interning {
  const t: Interning = { rows: new Map(), lists: new Map(), records: new Map(), shared: new Set(), positions: new Map() };
  records.forEach((r, i) => {
    t.shared.add(r);
    t.positions.set(r, i);
  });
  return t;
}

/** The shared frozen list equal to `list` (itself when it is the first of its content and frozen). */
function internList<T extends number>(t: Interning, list: readonly T[]): readonly T[] {
  const key = String.fromCharCode(...list);
  const known = t.lists.get(key);
  if (known) return known as readonly T[];
  const own = Object.isFrozen(list) ? list : Object.freeze(list.slice());
  t.lists.set(key, own);
  return own;
}

/**
 * A rights row's content as a string: the attribute count, then each access
 * value as one character (access values are small integers, so a row's key
 * is unique to its content).
 */
function rowKey(x: ObjectRights): string {
  return String.fromCharCode(x.attributes.length, ...x.attributes, ...x.methods);
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
