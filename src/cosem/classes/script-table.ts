import { D, Tag, type Data } from "../axdr.js";
import { ActionResult, DataAccessResult, type AccessContext, type ActionOutcome, type CosemObject, type GetResult, classTable, defineClass, type TableDefined } from "../interface-class.js";
import type { Obis } from "../obis.js";
import { ScriptService, type Script, type ScriptAction, type ScriptTable } from "../../tariff/script-table.js";
import { asInt, asList, asObis } from "../axdr-helpers.js";

/**
 * Script table, class 9 version 0 (tariffication 0.0.10.0.100.255,
 * disconnector 0.0.10.0.106.255, end of billing 0.0.10.0.1.255, ...).
 * 2 scripts: array of {script_identifier long-unsigned, actions: array of
 * {service_id enum (1 write attribute, 2 execute method), class_id
 * long-unsigned, logical_name octet-string, index integer, parameter}}.
 * Method 1 execute(long-unsigned script id): a client's execute is a remote
 * trigger (the context is passed through to the targets).
 */
function readAction(d: Data): ScriptAction | undefined {
  const s = asList(d, Tag.Structure, 5);
  if (!s) return undefined;
  const service = asInt(s[0], Tag.Enum, 1, 2);
  const classId = asInt(s[1], Tag.LongUnsigned);
  const ln = asObis(s[2]);
  const index = asInt(s[3], Tag.Integer);
  if (service === undefined || classId === undefined || !ln || index === undefined) return undefined;
  return { service, classId, logicalName: ln, index, parameter: s[4] };
}

// The class as data (defineClass below): its table and constants live on the prototype, not in a slot per object.
export interface ScriptTableObject extends TableDefined {}
export class ScriptTableObject implements CosemObject {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare readonly table: ScriptTable;
  constructor(table: ScriptTable) {
    this.table = table;
  }

  get logicalName(): Obis {
    return this.table.logicalName;
  }

  get(attribute: number, _ctx: AccessContext): GetResult {
    if (attribute !== 2) return { ok: false, error: DataAccessResult.objectUndefined };
    return {
      ok: true,
      value: D.array(
        this.table.scripts.map((s) =>
          D.struct(
            D.u16(s.id),
            D.array(s.actions.map((a) => D.struct(D.enum(a.service), D.u16(a.classId), D.octets(a.logicalName.toBytes()), D.i8(a.index), a.parameter))),
          ),
        ),
      ),
    };
  }

  set(attribute: number, value: Data, _ctx: AccessContext): DataAccessResult {
    if (attribute !== 2) return DataAccessResult.objectUndefined;
    const list = asList(value, Tag.Array);
    if (!list) return DataAccessResult.typeUnmatched;
    const scripts: Script[] = [];
    for (let i = 0; i < list.length; i++) {
      const x = list[i];
      const s = asList(x, Tag.Structure, 2);
      const id = asInt(s?.[0], Tag.LongUnsigned);
      const actions = asList(s?.[1], Tag.Array);
      if (id === undefined || !actions) return DataAccessResult.typeUnmatched;
      const parsed: ScriptAction[] = [];
      for (let i = 0; i < actions.length; i++) {
        const a = actions[i];
        const r = readAction(a);
        if (!r) return DataAccessResult.typeUnmatched;
        parsed.push(r);
      }
      scripts.push({ id, actions: parsed });
    }
    this.table.scripts = scripts;
    return DataAccessResult.success;
  }

  action(method: number, parameters: Data | undefined, ctx: AccessContext): ActionOutcome {
    if (method !== 1) return { result: ActionResult.objectUndefined };
    const id = asInt(parameters, Tag.LongUnsigned);
    if (id === undefined) return { result: ActionResult.typeUnmatched };
    return { result: this.table.execute(id, ctx) ? ActionResult.success : ActionResult.otherReason };
  }
}
/** Class 9 as data: also the table of other class 9 objects (the global meter reset, src/meter/factory-reset.ts). */
export const SCRIPT_TABLE_CLASS = classTable({
  classId: 9,
  version: 0,
  attributes: [
    "scripts:array:w",
  ],
  methods: ["execute"],
});
defineClass(ScriptTableObject, SCRIPT_TABLE_CLASS);

export { ScriptService };
