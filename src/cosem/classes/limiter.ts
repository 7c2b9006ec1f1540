import { D, Tag, type Data } from "../axdr.js";
import { dateTimeProblem } from "../datetime.js";
import { DataAccessResult, type AccessContext, type CosemObject, type GetResult, classTable, defineClass, type TableDefined, type WithoutMethods } from "../interface-class.js";
import { Obis } from "../obis.js";
import type { Limiter, ScriptRef } from "../../relay/limiter.js";
import { asDateTime, asInt, asList, asObis, asOctets, dateTimeOs } from "../axdr-helpers.js";

/**
 * Limiter, class 71 version 0 (0.0.17.0.0.255).
 * 2 monitored_value {class_id, logical_name, attribute_index}; 3 threshold_active
 * (read-only here, derived); 4 threshold_normal; 5 threshold_emergency
 * (thresholds as double-long-unsigned, the monitored value's unit);
 * 6 min_over_threshold_duration, 7 min_under_threshold_duration
 * (double-long-unsigned, s); 8 emergency_profile {id long-unsigned,
 * activation_time octet-string(12), duration double-long-unsigned};
 * 9 emergency_profile_group_id_list array of long-unsigned;
 * 10 emergency_profile_active boolean (read-only); 11 actions
 * {action_over_threshold, action_under_threshold} each {script_logical_name,
 * script_selector}. No methods.
 */
function scriptRef(r: ScriptRef | undefined): Data {
  return D.struct(D.octets(r ? r.scriptLn.slice() : new Uint8Array(6)), D.u16(r ? r.selector : 0));
}

function readScriptRef(d: Data | undefined): ScriptRef | undefined {
  const s = asList(d, Tag.Structure, 2);
  const ln = asOctets(s?.[0], 6);
  const sel = asInt(s?.[1], Tag.LongUnsigned);
  return ln && sel !== undefined ? { scriptLn: ln.slice(), selector: sel } : undefined;
}

// The class as data (defineClass below): its table and constants live on the prototype, not in a slot per object.
export interface LimiterObject extends TableDefined, WithoutMethods {}
export class LimiterObject implements CosemObject {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare readonly limiter: Limiter;
  declare readonly logicalName: Obis;
  constructor(
    limiter: Limiter,
    logicalName: Obis = Obis.of(0, 0, 17, 0, 0, 255),
  ) {
    this.limiter = limiter;
    this.logicalName = logicalName;
  }

  get(attribute: number, ctx: AccessContext): GetResult {
    const l = this.limiter;
    let value: Data;
    switch (attribute) {
      case 2:
        value = D.struct(D.u16(l.monitored.classId), D.octets(l.monitored.logicalName.toBytes()), D.i8(l.monitored.attribute));
        break;
      case 3:
        value = D.u32(l.thresholdActive(ctx.nowUtcMs));
        break;
      case 4:
        value = D.u32(l.thresholdNormal);
        break;
      case 5:
        value = D.u32(l.thresholdEmergency);
        break;
      case 6:
        value = D.u32(l.minOverS);
        break;
      case 7:
        value = D.u32(l.minUnderS);
        break;
      case 8: {
        const e = l.emergency;
        value = e
          ? D.struct(D.u16(e.id), dateTimeOs(e.activation), D.u32(e.durationS))
          : D.struct(D.u16(0), D.octets(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x80, 0x00, 0xff])), D.u32(0));
        break;
      }
      case 9:
        value = D.array(l.groupIds.map(D.u16));
        break;
      case 10:
        value = D.bool(l.emergencyActive(ctx.nowUtcMs));
        break;
      case 11:
        value = D.struct(scriptRef(l.actionOver), scriptRef(l.actionUnder));
        break;
      default:
        return { ok: false, error: DataAccessResult.objectUndefined };
    }
    return { ok: true, value };
  }

  set(attribute: number, value: Data, _ctx: AccessContext): DataAccessResult {
    const l = this.limiter;
    switch (attribute) {
      case 2: {
        const s = asList(value, Tag.Structure, 3);
        const classId = asInt(s?.[0], Tag.LongUnsigned);
        const ln = asObis(s?.[1]);
        const attr = asInt(s?.[2], Tag.Integer);
        if (classId === undefined || !ln || attr === undefined) return DataAccessResult.typeUnmatched;
        l.monitored = { classId, logicalName: ln, attribute: attr };
        return DataAccessResult.success;
      }
      case 4:
      case 5: {
        const v = asInt(value, Tag.DoubleLongUnsigned);
        if (v === undefined) return DataAccessResult.typeUnmatched;
        if (attribute === 4) l.setThresholds(v, l.thresholdEmergency);
        else l.setThresholds(l.thresholdNormal, v);
        return DataAccessResult.success;
      }
      case 6:
      case 7: {
        const v = asInt(value, Tag.DoubleLongUnsigned);
        if (v === undefined) return DataAccessResult.typeUnmatched;
        if (attribute === 6) l.minOverS = v;
        else l.minUnderS = v;
        return DataAccessResult.success;
      }
      case 8: {
        const s = asList(value, Tag.Structure, 3);
        const id = asInt(s?.[0], Tag.LongUnsigned);
        const at = asDateTime(s?.[1]);
        const dur = asInt(s?.[2], Tag.DoubleLongUnsigned);
        if (id === undefined || !at || dur === undefined) return DataAccessResult.typeUnmatched;
        if (dateTimeProblem(at) !== undefined) return DataAccessResult.otherReason;
        l.emergency = { id, activation: at, durationS: dur };
        return DataAccessResult.success;
      }
      case 9: {
        const list = asList(value, Tag.Array);
        if (!list) return DataAccessResult.typeUnmatched;
        const ids: number[] = [];
        for (let i = 0; i < list.length; i++) {
          const x = list[i];
          const id = asInt(x, Tag.LongUnsigned);
          if (id === undefined) return DataAccessResult.typeUnmatched;
          ids.push(id);
        }
        l.groupIds = ids;
        return DataAccessResult.success;
      }
      case 11: {
        const s = asList(value, Tag.Structure, 2);
        const over = readScriptRef(s?.[0]);
        const under = readScriptRef(s?.[1]);
        if (!over || !under) return DataAccessResult.typeUnmatched;
        l.actionOver = over;
        l.actionUnder = under;
        return DataAccessResult.success;
      }
      case 3:
      case 10:
        return DataAccessResult.readWriteDenied;
      default:
        return DataAccessResult.objectUndefined;
    }
  }

}
defineClass(
  LimiterObject,
  classTable({
    classId: 71,
    version: 0,
    attributes: [
      "monitored_value:structure:w",
      "threshold_active:double-long-unsigned",
      "threshold_normal:double-long-unsigned:w",
      "threshold_emergency:double-long-unsigned:w",
      "min_over_threshold_duration:double-long-unsigned:w",
      "min_under_threshold_duration:double-long-unsigned:w",
      "emergency_profile:structure:w",
      "emergency_profile_group_id_list:array:w",
      "emergency_profile_active:boolean",
      "actions:structure:w",
    ],
  }),
);
