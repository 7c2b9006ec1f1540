/**
 * The global meter reset script table (Blue Book / IDIS 0.0.10.0.0.255),
 * class 9: executing its script 1 restores the factory defaults (every
 * stored setting cleared with an event, then a restart from the meter
 * configuration). Its one script cannot be written as COSEM actions, so it
 * is listed with no actions and the table is read-only; only the
 * management association sees it at all (catalog rights).
 */
import { Tag, type Data } from "../cosem/axdr.js";
import { arr, asInt, st, u16 } from "../cosem/axdr-helpers.js";
import { SCRIPT_TABLE_CLASS } from "../cosem/classes/script-table.js";
import { ActionResult, DataAccessResult, defineClass, type AccessContext, type ActionOutcome, type CosemObject, type GetResult, type TableDefined } from "../cosem/interface-class.js";
import type { Obis } from "../cosem/obis.js";

/** The script id of the factory defaults. */
const FACTORY_DEFAULTS_SCRIPT = 1;

// Class 9's table and constants, on the prototype (defineClass below).
export interface FactoryResetScriptTable extends TableDefined {}
export class FactoryResetScriptTable implements CosemObject {
  constructor(
    readonly logicalName: Obis,
    /** The meter (Meter.factoryDefaults): an object, not a closure over it. */
    private readonly target: { factoryDefaults(): boolean },
  ) {}

  get(attribute: number, _ctx: AccessContext): GetResult {
    if (attribute !== 2) return { ok: false, error: DataAccessResult.objectUndefined };
    return { ok: true, value: arr([st([u16(FACTORY_DEFAULTS_SCRIPT), arr([])])]) };
  }

  set(attribute: number, _value: Data, _ctx: AccessContext): DataAccessResult {
    return attribute === 2 ? DataAccessResult.readWriteDenied : DataAccessResult.objectUndefined;
  }

  action(method: number, parameters: Data | undefined, _ctx: AccessContext): ActionOutcome {
    if (method !== 1) return { result: ActionResult.objectUndefined };
    const id = asInt(parameters, Tag.LongUnsigned);
    if (id === undefined) return { result: ActionResult.typeUnmatched };
    if (id !== FACTORY_DEFAULTS_SCRIPT) return { result: ActionResult.otherReason };
    return { result: this.target.factoryDefaults() ? ActionResult.success : ActionResult.hardwareFault };
  }
}
defineClass(FactoryResetScriptTable, SCRIPT_TABLE_CLASS);
