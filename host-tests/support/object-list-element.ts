import { D, type Data } from "../../src/cosem/axdr.js";
import type { ObjectEntry, Role } from "../../src/cosem/interface-class.js";

/**
 * The object_list element as the Blue Book defines it, built as a Data tree:
 * the tests' reference for the meter's streaming writer
 * (writeObjectListElement in src/cosem/classes/association-ln.ts), kept out
 * of the device build, which only ever writes the bytes.
 */
/**
 * One object_list element: {class_id, version, logical_name, access_rights}.
 * Everything but the rights and the name follows from the class table
 * (defineClass): which attributes and methods exist, and their selectors.
 */
export function objectListElement(e: ObjectEntry, role: Role): Data {
  const o = e.object;
  const t = o.classTable;
  const r = e.rights[role]!;

  const attrs: Data[] = [];
  for (let a = 0; a < t.attributes.length; a++) {
    const sel = t.selectors[a];
    attrs.push(D.struct(D.i8(a + 1), D.enum(r.attributes[a] ?? 0), sel.length ? D.array(sel.map((s) => D.i8(s))) : D.null()));
  }
  const methods: Data[] = [];
  for (let m = 0; m < t.methods.length; m++) methods.push(D.struct(D.i8(m + 1), D.enum(r.methods[m] ?? 0)));
  return D.struct(D.u16(t.classId), D.u8(t.version), D.octets(o.logicalName.toBytes()), D.struct(D.array(attrs), D.array(methods)));
}

