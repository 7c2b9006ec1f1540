import type { Data } from "./axdr.js";
import type { Obis } from "./obis.js";

/**
 * The contract between the xDLMS server and the COSEM interface classes.
 *
 * An interface class (src/cosem/classes/, one file per Blue Book class) is a
 * thin adapter from attributes and methods onto a domain service; it knows
 * nothing of APDUs, blocks, ciphering or who is asking. The server resolves
 * the object in the catalog, checks the access rights of the association
 * (data in the catalog, see ObjectEntry), then calls get/set/action.
 */

/** Blue Book data-access-result (IEC 62056-5-3, Data-Access-Result). */
export const DataAccessResult = Object.freeze({
  success: 0,
  hardwareFault: 1,
  temporaryFailure: 2,
  readWriteDenied: 3,
  objectUndefined: 4,
  objectClassInconsistent: 9,
  objectUnavailable: 11,
  typeUnmatched: 12,
  scopeOfAccessViolated: 13,
  dataBlockUnavailable: 14,
  longGetAborted: 15,
  noLongGetInProgress: 16,
  longSetAborted: 17,
  noLongSetInProgress: 18,
  dataBlockNumberInvalid: 19,
  otherReason: 250,
} as const);
export type DataAccessResult = (typeof DataAccessResult)[keyof typeof DataAccessResult];

/** Blue Book action-result. */
export const ActionResult = Object.freeze({
  success: 0,
  hardwareFault: 1,
  temporaryFailure: 2,
  readWriteDenied: 3,
  objectUndefined: 4,
  objectClassInconsistent: 9,
  objectUnavailable: 11,
  typeUnmatched: 12,
  scopeOfAccessViolated: 13,
  dataBlockUnavailable: 14,
  longActionAborted: 15,
  noLongActionInProgress: 16,
  otherReason: 250,
} as const);
export type ActionResult = (typeof ActionResult)[keyof typeof ActionResult];

/** Attribute access modes as object_list's access_rights reports them. */
export const AttributeAccess = Object.freeze({
  none: 0,
  read: 1,
  write: 2,
  readWrite: 3,
  authenticatedRead: 4,
  authenticatedWrite: 5,
  authenticatedReadWrite: 6,
} as const);
export type AttributeAccess = (typeof AttributeAccess)[keyof typeof AttributeAccess];

export const MethodAccess = Object.freeze({
  none: 0,
  access: 1,
  authenticatedAccess: 2,
} as const);
export type MethodAccess = (typeof MethodAccess)[keyof typeof MethodAccess];

/**
 * The associations of this meter, one per client SAP (DESIGN.md section 5).
 * The SAP numbers are configuration (AssociationConfig in src/cosem/server/config.ts), the roles are
 * what access rights are written against.
 */
export type Role = "public" | "reader" | "management" | "firmware";
export const ROLES: readonly Role[] = Object.freeze(["public", "reader", "management", "firmware"]);

/** Who is asking: passed to every call so that an adapter can log or refine, never to re-check rights. */
export interface AccessContext {
  readonly role: Role;
  readonly clientSap: number;
  /** UTC ms of the request, from the meter's clock. */
  readonly nowUtcMs: number;
}

/** Selective access as the request carried it (selector 1 = range, 2 = entry, ...). */
export interface AccessSelection {
  readonly selector: number;
  readonly parameters: Data;
}

/**
 * An attribute value too large to build as one Data (a year of load
 * profile): the server pulls A-XDR-encoded bytes from it block by block, so
 * the meter never holds the whole value in RAM.
 */
export interface EncodedStream {
  readonly kind: "stream";
  /** Next encoded bytes, at most maxBytes of them; undefined when finished. */
  next(maxBytes: number): Uint8Array | undefined;
}

export type GetResult = { ok: true; value: Data | EncodedStream } | { ok: false; error: DataAccessResult };
export type ActionOutcome = { result: ActionResult; returnData?: Data };

export interface CosemObject {
  readonly classId: number;
  readonly version: number;
  readonly logicalName: Obis;
  /** Number of attributes including attribute 1 (logical_name). */
  readonly attributeCount: number;
  readonly methodCount: number;
  /** Attribute 1 is served by the server from logicalName; classes handle 2..n. */
  get(attribute: number, ctx: AccessContext, selection?: AccessSelection): GetResult;
  /** Validates type and range itself and answers typeUnmatched / otherReason, never throws. */
  set(attribute: number, value: Data, ctx: AccessContext): DataAccessResult;
  action(method: number, parameters: Data | undefined, ctx: AccessContext): ActionOutcome;
  /**
   * The class as data (defineClass, on the prototype): attributes, methods,
   * types, selective access, what may be written. classId, version,
   * attributeCount and methodCount above follow from it.
   */
  readonly classTable: ClassTable;
  /**
   * Layout of this object's stored settings (src/meter/settings.ts), 0 when
   * absent. Bump it when set() would read an already stored value
   * differently although the class version stays the same.
   */
  readonly settingsLayout?: number;
  /**
   * Turns a setting stored under another class version or layout into a
   * value today's set() accepts; undefined (or no migrator) drops it with an
   * event, so an old value is never misread.
   */
  migrateSetting?(attribute: number, from: SettingOrigin, value: Data): Data | undefined;
}

/**
 * An interface class as data (issue 18): its identity, attributes and
 * methods in one frozen table, written once per class file. Everything
 * that counts or describes the attributes follows from it: attributeCount,
 * methodCount, the access_selectors of object_list, the ceiling on a
 * catalog's rights (writable). The get/set/action code of the class stays
 * a switch on the attribute id (the fastest dispatch on XS: the GET path
 * is measured); the table says what exists and how it may be used.
 *
 * Laid out by column, not as an object per attribute: a device keeps the
 * tables in flash, but this host and the fixed-heap test hold them in the
 * heap, and an object per attribute (about 200 in all) cost about 3 slots
 * each more.
 */
export interface ClassTable {
  readonly classId: number;
  readonly version: number;
  /**
   * The attribute rows as declared, index 0 = attribute 1: `"name:type"`,
   * `"name:type:w"` (writable), `"name:type:s1,2"` (selectors); see
   * classTable().
   */
  readonly attributes: readonly string[];
  /** Per attribute (char code at index a - 1), the A-XDR tag of the value the class answers (axdr.ts Tag); CHOICE (a register's value): 255. */
  readonly types: string;
  /**
   * Bit a - 1 set: attribute a accepts a SET, the most a catalog may grant.
   * A role's rights that grant write elsewhere are refused when the row is
   * added (the object_list would promise what the class refuses).
   */
  readonly writable: number;
  /** Per attribute, its selective access selectors (object_list access_selectors); empty: none. */
  readonly selectors: readonly (readonly number[])[];
  /** The method names, index 0 = method 1. */
  readonly methods: readonly string[];
}

/** The type char of a CHOICE in ClassTable.types. */
const CHOICE = 255;

const NO_SELECTORS: readonly number[] = Object.freeze([]);

/** Blue Book type names as class tables write them, to their A-XDR tags (axdr.ts Tag). */
const TYPE_TAGS: Readonly<Record<string, number>> = Object.freeze({
  array: 1,
  structure: 2,
  boolean: 3,
  "bit-string": 4,
  "double-long": 5,
  "double-long-unsigned": 6,
  "octet-string": 9,
  "visible-string": 10,
  "utf8-string": 12,
  integer: 15,
  long: 16,
  unsigned: 17,
  "long-unsigned": 18,
  long64: 20,
  "long64-unsigned": 21,
  enum: 22,
});

/** What a class file declares: attribute rows from attribute 2 on (see classTable), method names from 1 on. */
export interface ClassDeclaration {
  readonly classId: number;
  readonly version: number;
  readonly attributes: readonly string[];
  readonly methods?: readonly string[];
}

/**
 * The frozen table of a class declaration: module-level, so preloaded into
 * flash on a device. Attribute rows: `"name:type"` read-only, `"name:type:w"`
 * writable, `"name:type:s1,2"` with selective access selectors 1 and 2;
 * type a Blue Book type name (TYPE_TAGS) or `*` for a CHOICE.
 * logical_name (attribute 1, octet-string, read-only) comes first by
 * itself. A bad row throws while the module loads: a class cannot exist
 * with a table that does not parse.
 */
export function classTable(d: ClassDeclaration): ClassTable {
  const attributes = ["logical_name:octet-string", ...d.attributes];
  let types = "";
  let writable = 0;
  const selectors: (readonly number[])[] = [];
  attributes.forEach((spec, i) => {
    const parts = spec.split(":");
    const name = parts[0];
    const typeName = parts[1] ?? "";
    const flags = parts[2] ?? "";
    const tag = typeName === "*" ? CHOICE : TYPE_TAGS[typeName];
    if (!name || typeof tag !== "number" || !/^(w|s[0-9]+(,[0-9]+)*)?$/.test(flags) || i > 31) throw new Error(`bad attribute spec "${spec}"`);
    types += String.fromCharCode(tag);
    if (flags === "w") writable |= 1 << i;
    selectors.push(flags.startsWith("s") ? Object.freeze(flags.slice(1).split(",").map(Number)) : NO_SELECTORS);
  });
  return Object.freeze({
    classId: d.classId,
    version: d.version,
    attributes: Object.freeze(attributes),
    types,
    writable,
    selectors: Object.freeze(selectors),
    methods: Object.freeze((d.methods ?? []).slice()),
  });
}

/** The name of attribute a (1 = logical_name) in a class table. */
export function attributeName(t: ClassTable, a: number): string {
  const spec = t.attributes[a - 1] ?? "";
  const colon = spec.indexOf(":");
  return colon < 0 ? spec : spec.slice(0, colon);
}

/** Whether the class accepts a SET of attribute a. */
export function acceptsWrite(t: ClassTable, a: number): boolean {
  return a >= 1 && a <= 32 && ((t.writable >>> (a - 1)) & 1) === 1;
}

/**
 * What defineClass puts on a class's prototype, as a class's type sees it. A
 * class file merges it into its class (`export interface XObject extends
 * TableDefined {}` beside `export class XObject`): the members are typed
 * without a field in each object and without a `declare` line for each of
 * them in each class.
 */
export interface TableDefined {
  readonly classTable: ClassTable;
  readonly classId: number;
  readonly version: number;
  readonly attributeCount: number;
  readonly methodCount: number;
}

/** A class without methods: defineClass gives it the action() that answers object-undefined. */
export interface WithoutMethods {
  readonly action: CosemObject["action"];
}

/**
 * Puts a class table on a class's prototype with the constants that follow
 * from it, as read-only data properties: one copy per class (a field would
 * be a slot in each of a hundred registers), read by the ordinary property
 * lookup every request makes, without the call a getter costs. Runs in the
 * module body, so a Moddable build does it while preloading and the
 * prototype and table stay in flash. Subclasses inherit them.
 */
export function defineClass(ctor: abstract new (...args: never[]) => CosemObject, table: ClassTable): void {
  Object.defineProperties(ctor.prototype, {
    classTable: { value: table },
    classId: { value: table.classId },
    version: { value: table.version },
    attributeCount: { value: table.attributes.length },
    methodCount: { value: table.methods.length },
  });
  // A class without methods answers every ACTION object-undefined: it declares `action` and gets this one.
  if (typeof (ctor.prototype as Partial<CosemObject>).action !== "function") {
    if (table.methods.length > 0) throw new Error(`class ${table.classId} has methods but no action()`);
    Object.defineProperty(ctor.prototype, "action", { value: noMethods });
  }
}

/** The action() of a class with no methods. */
function noMethods(): ActionOutcome {
  return { result: ActionResult.objectUndefined };
}

/** The selective access selectors of an attribute (none for an attribute the class does not have). */
export function selectorsOf(o: CosemObject, attribute: number): readonly number[] {
  return o.classTable.selectors[attribute - 1] ?? NO_SELECTORS;
}

/** Class version and settings layout a stored setting was written under. */
export interface SettingOrigin {
  readonly version: number;
  readonly layout: number;
}

/** Rights of one role on one object: index 0 is attribute 1 / method 1. */
export interface ObjectRights {
  readonly attributes: readonly AttributeAccess[];
  readonly methods: readonly MethodAccess[];
}

/**
 * One row of the object catalog: the object and what each association may do
 * with it. A role that is absent cannot see the object at all (it is missing
 * from that association's object_list and answers object-undefined).
 */
export interface ObjectEntry {
  readonly object: CosemObject;
  readonly rights: Partial<Record<Role, ObjectRights>>;
  /**
   * Attributes the settings store (src/meter/settings.ts) keeps across a
   * restart. Absent: every attribute some role may write. `[]` where the
   * domain keeps its own state (calibration, keys, the relay record), so
   * each value has one stored copy.
   */
  readonly persist?: readonly number[];
}

/** The attributes of a catalog row that survive a restart through the settings store, ascending. */
export function persistentAttributes(entry: ObjectEntry): number[] {
  if (entry.persist) return entry.persist.filter((a) => a >= 2 && a <= entry.object.attributeCount).sort((a, b) => a - b);
  const out: number[] = [];
  for (let a = 2; a <= entry.object.attributeCount; a++) {
    for (let i = 0; i < ROLES.length; i++) {
      const role = ROLES[i];
      if (canWrite(entry.rights[role]?.attributes[a - 1])) {
        out.push(a);
        break;
      }
    }
  }
  return out;
}

/** The letters of a rights row (`rights(3, "r", "rw")` etc.), one table per kind of access. */
const ATTRIBUTE_LETTERS: Readonly<Record<string, AttributeAccess>> = Object.freeze({
  "-": AttributeAccess.none,
  r: AttributeAccess.read,
  w: AttributeAccess.write,
  rw: AttributeAccess.readWrite,
  R: AttributeAccess.authenticatedRead,
  W: AttributeAccess.authenticatedWrite,
  RW: AttributeAccess.authenticatedReadWrite,
});

const METHOD_LETTERS: Readonly<Record<string, MethodAccess>> = Object.freeze({
  "-": MethodAccess.none,
  x: MethodAccess.access,
  X: MethodAccess.authenticatedAccess,
});

/** Space-separated letters through one of the tables above; an unknown letter is a programming error. */
function accessRow<A>(letters: Readonly<Record<string, A>>, kind: string, specs: string): readonly A[] {
  const trimmed = specs.trim();
  if (!trimmed) return Object.freeze([]);
  return Object.freeze(
    trimmed.split(/\s+/).map((spec) => {
      if (!Object.prototype.hasOwnProperty.call(letters, spec)) throw new Error(`unknown ${kind} access "${spec}"`);
      return letters[spec] as A;
    }),
  );
}

/**
 * `rights("r r rw", "x -")`: space-separated attribute and method access, attribute 1 first.
 * A frozen row: a module-level table of rows is preloaded into flash on a
 * device. Rows made at run time are shared per catalog instead: the
 * ObjectDirectory keeps one row of each content (src/cosem/server/directory.ts),
 * so nothing here is cached at module level (a module-level cache is
 * read-only once preloaded).
 */
export function rights(attributes: string, methods = ""): ObjectRights {
  return Object.freeze({
    attributes: accessRow(ATTRIBUTE_LETTERS, "attribute", attributes),
    methods: accessRow(METHOD_LETTERS, "method", methods),
  });
}

export function canRead(a: AttributeAccess | undefined): boolean {
  return a === AttributeAccess.read || a === AttributeAccess.readWrite || a === AttributeAccess.authenticatedRead || a === AttributeAccess.authenticatedReadWrite;
}

export function canWrite(a: AttributeAccess | undefined): boolean {
  return a === AttributeAccess.write || a === AttributeAccess.readWrite || a === AttributeAccess.authenticatedWrite || a === AttributeAccess.authenticatedReadWrite;
}

export function canInvoke(m: MethodAccess | undefined): boolean {
  return m === MethodAccess.access || m === MethodAccess.authenticatedAccess;
}
