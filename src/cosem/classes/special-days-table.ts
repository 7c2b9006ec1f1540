import { D, Tag, type Data } from "../axdr.js";
import { ActionResult, DataAccessResult, type AccessContext, type ActionOutcome, type CosemObject, type GetResult, classTable, defineClass, type TableDefined } from "../interface-class.js";
import { Obis } from "../obis.js";
import type { SpecialDay, SpecialDaysTable } from "../../tariff/calendar.js";
import { asDate, asInt, asList, dateOs } from "../axdr-helpers.js";

/**
 * Special days table, class 11 version 0 (0.0.11.0.0.255).
 * 2 entries: array of {index long-unsigned, specialday_date octet-string(5)
 * (wildcards allowed: year 0xFFFF = every year), day_id unsigned}.
 * Methods 1 insert(entry) (replaces an entry with the same index),
 * 2 delete(index long-unsigned).
 */
function readEntry(d: Data | undefined): SpecialDay | undefined {
  const s = asList(d, Tag.Structure, 3);
  const index = asInt(s?.[0], Tag.LongUnsigned);
  const date = asDate(s?.[1]);
  const dayId = asInt(s?.[2], Tag.Unsigned);
  return index === undefined || !date || dayId === undefined ? undefined : { index, date, dayId };
}

// The class as data (defineClass below): its table and constants live on the prototype, not in a slot per object.
export interface SpecialDaysTableObject extends TableDefined {}
export class SpecialDaysTableObject implements CosemObject {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare readonly table: SpecialDaysTable;
  declare readonly logicalName: Obis;
  constructor(
    table: SpecialDaysTable,
    logicalName: Obis = Obis.of(0, 0, 11, 0, 0, 255),
  ) {
    this.table = table;
    this.logicalName = logicalName;
  }

  get(attribute: number, _ctx: AccessContext): GetResult {
    if (attribute !== 2) return { ok: false, error: DataAccessResult.objectUndefined };
    return { ok: true, value: D.array(this.table.entries.map((e) => D.struct(D.u16(e.index), dateOs(e.date), D.u8(e.dayId)))) };
  }

  set(attribute: number, value: Data, _ctx: AccessContext): DataAccessResult {
    if (attribute !== 2) return DataAccessResult.objectUndefined;
    const list = asList(value, Tag.Array);
    if (!list) return DataAccessResult.typeUnmatched;
    const entries: SpecialDay[] = [];
    for (let i = 0; i < list.length; i++) {
      const x = list[i];
      const e = readEntry(x);
      if (!e) return DataAccessResult.typeUnmatched;
      entries.push(e);
    }
    this.table.entries = entries;
    return DataAccessResult.success;
  }

  action(method: number, parameters: Data | undefined, _ctx: AccessContext): ActionOutcome {
    if (method === 1) {
      const e = readEntry(parameters);
      if (!e) return { result: ActionResult.typeUnmatched };
      this.table.insert(e);
      return { result: ActionResult.success };
    }
    if (method === 2) {
      const index = asInt(parameters, Tag.LongUnsigned);
      if (index === undefined) return { result: ActionResult.typeUnmatched };
      return { result: this.table.delete(index) ? ActionResult.success : ActionResult.otherReason };
    }
    return { result: ActionResult.objectUndefined };
  }
}
defineClass(
  SpecialDaysTableObject,
  classTable({
    classId: 11,
    version: 0,
    attributes: [
      "entries:array:w",
    ],
    methods: ["insert", "delete"],
  }),
);
