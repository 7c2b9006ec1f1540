import { AttributeAccess, MethodAccess, type ObjectEntry, type ObjectRights, type Role } from "../interface-class.js";
import { Obis } from "../obis.js";

/**
 * The object catalog indexed by logical name, with each role's view. The
 * catalog is data (ObjectEntry rows); this index only makes the lookups
 * O(1) and answers "what may this role do", so the dispatcher never
 * hard-codes an object or a right.
 */
/** The "current association" name that always means the caller's own Association LN object. */
export const CURRENT_ASSOCIATION = Obis.of(0, 0, 40, 0, 0, 255);

export class ObjectDirectory {
  readonly #byKey = new Map<number, ObjectEntry>();
  readonly entries: readonly ObjectEntry[];

  constructor(entries: readonly ObjectEntry[]) {
    this.entries = entries;
    for (const e of entries) {
      if (this.#byKey.has(e.object.logicalName.key)) throw new Error(`duplicate object ${e.object.logicalName.toString()} in the catalog`);
      this.#byKey.set(e.object.logicalName.key, e);
    }
  }

  byName(ln: Obis): ObjectEntry | undefined {
    return this.#byKey.get(ln.key);
  }

  /** The entries a role can see (its object_list), in catalog order. */
  visibleTo(role: Role): ObjectEntry[] {
    return this.entries.filter((e) => e.rights[role] !== undefined);
  }
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

