import { D, type Data } from "../axdr.js";
import { ActionResult, DataAccessResult, type AccessContext, type ActionOutcome, type CosemObject, type GetResult, classTable, defineClass, type TableDefined } from "../interface-class.js";
import { Obis } from "../obis.js";

/**
 * SAP Assignment, class 17 version 0 (0.0.41.0.0.255): 2 SAP_assignment_list,
 * array of {SAP long-unsigned, logical_device_name octet-string}. The meter
 * has a fixed set of logical devices, so method 1 connect_logical_device is
 * refused.
 */
export interface LogicalDevice {
  sap: number;
  /** Logical device name, e.g. the 16-byte manufacturer id + serial. */
  name: Uint8Array;
}

// The class as data (defineClass below): its table and constants live on the prototype, not in a slot per object.
export interface SapAssignmentObject extends TableDefined {}
export class SapAssignmentObject implements CosemObject {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare readonly devices: readonly LogicalDevice[];
  readonly logicalName = Obis.of(0, 0, 41, 0, 0, 255);

  constructor(devices: readonly LogicalDevice[]) {
    this.devices = devices;
  }

  get(attribute: number, _ctx: AccessContext): GetResult {
    if (attribute !== 2) return { ok: false, error: DataAccessResult.objectUndefined };
    return { ok: true, value: D.array(this.devices.map((d) => D.struct(D.u16(d.sap), D.octets(d.name)))) };
  }

  set(attribute: number, _value: Data, _ctx: AccessContext): DataAccessResult {
    return attribute === 2 ? DataAccessResult.readWriteDenied : DataAccessResult.objectUndefined;
  }

  action(method: number, _parameters: Data | undefined, _ctx: AccessContext): ActionOutcome {
    return { result: method === 1 ? ActionResult.readWriteDenied : ActionResult.objectUndefined };
  }
}
defineClass(
  SapAssignmentObject,
  classTable({
    classId: 17,
    version: 0,
    attributes: [
      "SAP_assignment_list:array",
    ],
    methods: ["connect_logical_device"],
  }),
);
