/**
 * The client's reading of an association's object_list (class 15 attribute
 * 2, Blue Book 4.4.3): each object with its attribute and method access
 * rights. Total: anything that is not the documented shape is reported as a
 * problem, never thrown, because the lab talks to meters it does not trust.
 */
import { Tag, type Data } from "../../src/cosem/axdr.js";
import { Obis } from "../../src/cosem/obis.js";

export interface ListedAttribute {
  id: number;
  /** attribute_access_mode (0 none, 1 read, 2 write, 3 read-write, 4..6 authenticated). */
  access: number;
  selectors: number[];
}

export interface ListedMethod {
  id: number;
  /** method_access_mode (0 none, 1 access, 2 authenticated); version 0 lists booleans. */
  access: number;
}

export interface ListedObject {
  classId: number;
  version: number;
  logicalName: Obis;
  attributes: ListedAttribute[];
  methods: ListedMethod[];
}

const int = (d: Data | undefined): number | undefined => (d && typeof d.value === "number" ? d.value : undefined);
const list = (d: Data | undefined): Data[] | undefined => (d && (d.tag === Tag.Array || d.tag === Tag.Structure) ? (d.value as Data[]) : undefined);

export function parseObjectList(d: Data): { objects: ListedObject[]; problems: string[] } {
  const objects: ListedObject[] = [];
  const problems: string[] = [];
  const rows = d.tag === Tag.Array ? (d.value as Data[]) : undefined;
  if (!rows) return { objects, problems: ["object_list is not an array"] };
  rows.forEach((row, i) => {
    const s = list(row);
    const classId = int(s?.[0]);
    const version = int(s?.[1]);
    const lnd = s?.[2];
    const rights = list(s?.[3]);
    if (!s || s.length !== 4 || classId === undefined || version === undefined || !lnd || lnd.tag !== Tag.OctetString || (lnd.value as Uint8Array).length !== 6 || !rights || rights.length < 2) {
      problems.push(`entry ${i}: not {class_id, version, logical_name, access_rights}`);
      return;
    }
    const attributes: ListedAttribute[] = [];
    for (const a of list(rights[0]) ?? []) {
      const f = list(a);
      const id = int(f?.[0]);
      const access = int(f?.[1]);
      if (id === undefined || access === undefined) {
        problems.push(`entry ${i}: bad attribute_access_item`);
        continue;
      }
      const sel = list(f?.[2]);
      attributes.push({ id, access, selectors: (sel ?? []).map((x) => int(x) ?? -1) });
    }
    const methods: ListedMethod[] = [];
    for (const m of list(rights[1]) ?? []) {
      const f = list(m);
      const id = int(f?.[0]);
      const raw = f?.[1];
      const access = raw?.tag === Tag.Boolean ? (raw.value ? 1 : 0) : int(raw);
      if (id === undefined || access === undefined) {
        problems.push(`entry ${i}: bad method_access_item`);
        continue;
      }
      methods.push({ id, access });
    }
    objects.push({ classId, version, logicalName: Obis.fromBytes(lnd.value as Uint8Array), attributes, methods });
  });
  return { objects, problems };
}

export const canReadMode = (m: number) => m === 1 || m === 3 || m === 4 || m === 6;
export const canWriteMode = (m: number) => m === 2 || m === 3 || m === 5 || m === 6;
