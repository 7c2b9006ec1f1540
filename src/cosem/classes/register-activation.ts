import { D, Tag, type Data } from "../axdr.js";
import { ActionResult, DataAccessResult, type AccessContext, type ActionOutcome, type CosemObject, type GetResult, classTable, defineClass, type TableDefined } from "../interface-class.js";
import { Obis } from "../obis.js";
import type { RegisterActivation, RegisterAssignment, RegisterMask } from "../../tariff/registers.js";
import { asInt, asList, asObis, asOctets } from "../axdr-helpers.js";

/**
 * Register activation, class 6 version 0 (e.g. 0.0.14.0.0.255).
 * 2 register_assignment: array of {class_id long-unsigned, logical_name octet-string};
 * 3 mask_list: array of {mask_name octet-string, index_list array of unsigned};
 * 4 active_mask: octet-string. Methods: 1 add_register, 2 add_mask, 3 delete_mask.
 * Tariff scripts write active_mask.
 */
function readAssignment(d: Data | undefined): RegisterAssignment | undefined {
  const s = asList(d, Tag.Structure, 2);
  const classId = asInt(s?.[0], Tag.LongUnsigned);
  const ln = asObis(s?.[1]);
  return classId === undefined || !ln ? undefined : { classId, logicalName: ln };
}

function readMask(d: Data | undefined): RegisterMask | undefined {
  const s = asList(d, Tag.Structure, 2);
  const name = asOctets(s?.[0]);
  const list = asList(s?.[1], Tag.Array);
  if (!name || !list) return undefined;
  const indices: number[] = [];
  for (let j = 0; j < list.length; j++) {
    const x = list[j];
    const i = asInt(x, Tag.Unsigned);
    if (i === undefined) return undefined;
    indices.push(i);
  }
  return { name: name.slice(), indices };
}

// The class as data (defineClass below): its table and constants live on the prototype, not in a slot per object.
export interface RegisterActivationObject extends TableDefined {}
export class RegisterActivationObject implements CosemObject {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare readonly activation: RegisterActivation;
  declare readonly logicalName: Obis;
  constructor(
    activation: RegisterActivation,
    logicalName: Obis = Obis.of(0, 0, 14, 0, 0, 255),
  ) {
    this.activation = activation;
    this.logicalName = logicalName;
  }

  get(attribute: number, _ctx: AccessContext): GetResult {
    const a = this.activation;
    switch (attribute) {
      case 2:
        return { ok: true, value: D.array(a.assignment.map((r) => D.struct(D.u16(r.classId), D.octets(r.logicalName.toBytes())))) };
      case 3:
        return { ok: true, value: D.array(a.masks.map((m) => D.struct(D.octets(m.name.slice()), D.array(m.indices.map(D.u8))))) };
      case 4:
        return { ok: true, value: D.octets(a.activeMask.slice()) };
      default:
        return { ok: false, error: DataAccessResult.objectUndefined };
    }
  }

  set(attribute: number, value: Data, _ctx: AccessContext): DataAccessResult {
    const a = this.activation;
    switch (attribute) {
      case 2: {
        const list = asList(value, Tag.Array);
        if (!list) return DataAccessResult.typeUnmatched;
        const out: RegisterAssignment[] = [];
        for (let i = 0; i < list.length; i++) {
          const x = list[i];
          const r = readAssignment(x);
          if (!r) return DataAccessResult.typeUnmatched;
          out.push(r);
        }
        a.assignment = out;
        return DataAccessResult.success;
      }
      case 3: {
        const list = asList(value, Tag.Array);
        if (!list) return DataAccessResult.typeUnmatched;
        const out: RegisterMask[] = [];
        for (let j = 0; j < list.length; j++) {
          const x = list[j];
          const m = readMask(x);
          if (!m) return DataAccessResult.typeUnmatched;
          for (let j = 0; j < m.indices.length; j++) {
            const i = m.indices[j];
            if (i < 1 || i > a.assignment.length) return DataAccessResult.otherReason;
          }
          out.push(m);
        }
        a.masks = out;
        const active = a.activeMask;
        if (active.length > 0 && !a.setActiveMask(active)) a.deleteMask(active);
        return DataAccessResult.success;
      }
      case 4: {
        const name = asOctets(value);
        if (!name) return DataAccessResult.typeUnmatched;
        return a.setActiveMask(name) ? DataAccessResult.success : DataAccessResult.otherReason;
      }
      default:
        return DataAccessResult.objectUndefined;
    }
  }

  action(method: number, parameters: Data | undefined, _ctx: AccessContext): ActionOutcome {
    const a = this.activation;
    switch (method) {
      case 1: {
        const r = readAssignment(parameters);
        if (!r) return { result: ActionResult.typeUnmatched };
        a.addRegister(r);
        return { result: ActionResult.success };
      }
      case 2: {
        const m = readMask(parameters);
        if (!m) return { result: ActionResult.typeUnmatched };
        return { result: a.addMask(m) ? ActionResult.success : ActionResult.otherReason };
      }
      case 3: {
        const name = asOctets(parameters);
        if (!name) return { result: ActionResult.typeUnmatched };
        return { result: a.deleteMask(name) ? ActionResult.success : ActionResult.otherReason };
      }
      default:
        return { result: ActionResult.objectUndefined };
    }
  }
}
defineClass(
  RegisterActivationObject,
  classTable({
    classId: 6,
    version: 0,
    attributes: [
      "register_assignment:array:w",
      "mask_list:array:w",
      "active_mask:octet-string:w",
    ],
    methods: ["add_register", "add_mask", "delete_mask"],
  }),
);
