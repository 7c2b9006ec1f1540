import { D, Tag, type Data } from "../axdr.js";
import { DataAccessResult, type AccessContext, type CosemObject, type GetResult, classTable, defineClass, type TableDefined, type WithoutMethods } from "../interface-class.js";
import type { Obis } from "../obis.js";
import { ThresholdMonitor } from "../../metrology/threshold-monitor.js";
import { asInt, asList, asObis } from "../axdr-helpers.js";

/**
 * Register Monitor, class 21 version 0: 2 thresholds (array of the monitored
 * value's type), 3 monitored_value {class_id long-unsigned, logical_name
 * octet-string, attribute_index integer}, 4 actions (array of action_set
 * {action_up, action_down}, each {script_logical_name octet-string,
 * script_selector long-unsigned}). No methods.
 *
 * The composition root binds the monitored value to a reader (a metrology
 * getter) and the actions to the script registry; evaluate() runs once per
 * metrology tick.
 */
export interface ScriptRef {
  script: Obis;
  selector: number;
}

export interface ActionSet {
  up: ScriptRef;
  down: ScriptRef;
}

export interface MonitoredValue {
  classId: number;
  logicalName: Obis;
  attribute: number;
}

/** A-XDR integer tags a threshold may have (the monitored values are integers with scalers). */
const INTEGER_TAGS: readonly number[] = Object.freeze([Tag.Integer, Tag.Long, Tag.DoubleLong, Tag.Unsigned, Tag.LongUnsigned, Tag.DoubleLongUnsigned]);

// The class as data (defineClass below): its table and constants live on the prototype, not in a slot per object.
export interface RegisterMonitorObject extends TableDefined, WithoutMethods {}
export class RegisterMonitorObject implements CosemObject {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare readonly logicalName: Obis;
  declare readonly monitored: MonitoredValue;
  /** The monitored attribute's current value as the integer the thresholds compare with; undefined if unavailable. */
  declare private readonly read: () => number | undefined;
  declare private readonly runScript: (ref: ScriptRef) => void;
  declare private readonly monitor: ThresholdMonitor;
  declare private thresholdTag: number;
  declare private actions: ActionSet[];

  constructor(
    logicalName: Obis,
    monitored: MonitoredValue,
    read: () => number | undefined,
    runScript: (ref: ScriptRef) => void,
    thresholds: readonly number[] = [],
    actions: readonly ActionSet[] = [],
    thresholdTag: number = Tag.DoubleLongUnsigned,
  ) {
    this.logicalName = logicalName;
    this.monitored = monitored;
    this.read = read;
    this.runScript = runScript;
    this.monitor = new ThresholdMonitor(thresholds);
    this.actions = actions.slice();
    this.thresholdTag = thresholdTag;
  }

  /** One evaluation; returns the scripts run (for tests and logs). */
  evaluate(): ScriptRef[] {
    const v = this.read();
    if (v === undefined) return [];
    const ran: ScriptRef[] = [];
    const crossed = this.monitor.evaluate(v);
    for (let i = 0; i < crossed.length; i++) {
      const c = crossed[i];
      const a = this.actions[c.index];
      if (!a) continue;
      const ref = c.up ? a.up : a.down;
      this.runScript(ref);
      ran.push(ref);
    }
    return ran;
  }

  get(attribute: number, _ctx: AccessContext): GetResult {
    switch (attribute) {
      case 2:
        return { ok: true, value: D.array(this.monitor.thresholds.map((t) => ({ tag: this.thresholdTag, value: t }) as Data)) };
      case 3: {
        const m = this.monitored;
        return { ok: true, value: D.struct(D.u16(m.classId), D.octets(m.logicalName.toBytes()), D.i8(m.attribute)) };
      }
      case 4:
        return { ok: true, value: D.array(this.actions.map((a) => D.struct(scriptData(a.up), scriptData(a.down)))) };
      default:
        return { ok: false, error: DataAccessResult.objectUndefined };
    }
  }

  set(attribute: number, value: Data, _ctx: AccessContext): DataAccessResult {
    switch (attribute) {
      case 2: {
        const list = asList(value, Tag.Array);
        if (!list) return DataAccessResult.typeUnmatched;
        if (list.length > 16) return DataAccessResult.otherReason;
        const out: number[] = [];
        let tag: number | undefined;
        for (let i = 0; i < list.length; i++) {
          const d = list[i];
          if (!INTEGER_TAGS.includes(d.tag) || (tag !== undefined && d.tag !== tag)) return DataAccessResult.typeUnmatched;
          tag = d.tag;
          out.push(d.value as number);
        }
        if (tag !== undefined) this.thresholdTag = tag;
        this.monitor.setThresholds(out);
        return DataAccessResult.success;
      }
      case 4: {
        const list = asList(value, Tag.Array);
        if (!list) return DataAccessResult.typeUnmatched;
        if (list.length > 16) return DataAccessResult.otherReason;
        const out: ActionSet[] = [];
        for (let i = 0; i < list.length; i++) {
          const d = list[i];
          const pair = asList(d, Tag.Structure, 2);
          const up = readScript(pair?.[0]);
          const down = readScript(pair?.[1]);
          if (!up || !down) return DataAccessResult.typeUnmatched;
          out.push({ up, down });
        }
        this.actions = out;
        return DataAccessResult.success;
      }
      case 3:
        // The monitored value is bound at build time to a reader; re-pointing it over the wire is not offered.
        return DataAccessResult.readWriteDenied;
      default:
        return DataAccessResult.objectUndefined;
    }
  }

}
defineClass(
  RegisterMonitorObject,
  classTable({
    classId: 21,
    version: 0,
    attributes: [
      "thresholds:array:w",
      "monitored_value:structure",
      "actions:array:w",
    ],
  }),
);

function scriptData(r: ScriptRef): Data {
  return D.struct(D.octets(r.script.toBytes()), D.u16(r.selector));
}

function readScript(d: Data | undefined): ScriptRef | undefined {
  const s = asList(d, Tag.Structure, 2);
  const script = asObis(s?.[0]);
  const selector = asInt(s?.[1], Tag.LongUnsigned);
  return script && selector !== undefined ? { script, selector } : undefined;
}


