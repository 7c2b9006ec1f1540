import type { Data } from "../cosem/axdr.js";
import type { AccessContext, CosemObject } from "../cosem/interface-class.js";
import { ActionResult, DataAccessResult } from "../cosem/interface-class.js";
import { Obis } from "../cosem/obis.js";

/**
 * Script tables (the domain behind COSEM class 9). A script is a list of
 * actions, each writing an attribute or invoking a method of another COSEM
 * object; the objects are found through an ObjectResolver that the
 * composition root binds to the object catalog.
 *
 * Who runs a script matters to the disconnect control: a script run by a
 * client (class 9 `execute` over the wire) is a remote trigger, a script run
 * by the meter itself (calendar, single action schedule, limiter) is a local
 * one. Meter-internal runs pass INTERNAL_CONTEXT-like contexts with client
 * SAP 0 (the DLMS "no station" address, never a real client).
 */

export const ScriptService = Object.freeze({ writeAttribute: 1, executeMethod: 2 } as const);

export interface ScriptAction {
  service: number;
  classId: number;
  logicalName: Obis;
  index: number;
  parameter: Data;
}

export interface Script {
  id: number;
  actions: ScriptAction[];
}

export type ObjectResolver = (classId: number, logicalName: Obis) => CosemObject | undefined;

/** Context of a meter-internal trigger at a given instant. */
export function internalContext(nowUtcMs: number): AccessContext {
  return { role: "management", clientSap: 0, nowUtcMs };
}

export function isInternal(ctx: AccessContext): boolean {
  return ctx.clientSap === 0;
}

export class ScriptTable {
  scripts: Script[];

  constructor(
    readonly logicalName: Obis,
    scripts: Script[],
    private readonly resolve: ObjectResolver,
  ) {
    this.scripts = scripts;
  }

  /**
   * Runs every action of a script in order. Returns false when the script
   * does not exist or an action failed (the remaining actions still run, as
   * a script is not a transaction in the Blue Book).
   */
  execute(id: number, ctx: AccessContext): boolean {
    let script: Script | undefined;
    for (let j = 0; j < this.scripts.length; j++) {
      const s = this.scripts[j];
      if (s.id === id) script = s;
    }
    if (!script) return false;
    let ok = true;
    for (let i = 0; i < script.actions.length; i++) {
      const a = script.actions[i];
      const target = this.resolve(a.classId, a.logicalName);
      if (!target || target.classId !== a.classId) {
        ok = false;
        continue;
      }
      if (a.service === ScriptService.writeAttribute) {
        if (target.set(a.index, a.parameter, ctx) !== DataAccessResult.success) ok = false;
      } else if (a.service === ScriptService.executeMethod) {
        if (target.action(a.index, a.parameter, ctx).result !== ActionResult.success) ok = false;
      } else {
        ok = false;
      }
    }
    return ok;
  }
}

/** All script tables of the meter by logical name: what calendars, schedules and the limiter call. */
export class ScriptRegistry {
  private readonly tables = new Map<number, ScriptTable>();

  add(table: ScriptTable): void {
    this.tables.set(table.logicalName.key, table);
  }

  get(logicalName: Obis): ScriptTable | undefined {
    return this.tables.get(logicalName.key);
  }

  /** Runs script `selector` of the table named by 6 logical-name bytes. */
  run(scriptLn: Uint8Array, selector: number, ctx: AccessContext): boolean {
    if (scriptLn.length !== 6) return false;
    const t = this.tables.get(Obis.fromBytes(scriptLn).key);
    return t ? t.execute(selector, ctx) : false;
  }
}
