import { D, Tag, type Data } from "../axdr.js";
import { ActionResult, DataAccessResult, type AccessContext, type ActionOutcome, type CosemObject, type GetResult, classTable, defineClass, type TableDefined } from "../interface-class.js";
import { Obis } from "../obis.js";
import type { DisconnectControl, Trigger } from "../../relay/disconnect.js";
import { isInternal } from "../../tariff/script-table.js";
import { asInt } from "../axdr-helpers.js";

/**
 * Disconnect control, class 70 version 0 (0.0.96.3.10.255).
 * 2 output_state boolean, 3 control_state enum, 4 control_mode enum (0..6).
 * Methods 1 remote_disconnect, 2 remote_reconnect (integer 0).
 *
 * A method invoked by a client is a remote trigger; invoked by a
 * meter-internal script (client SAP 0: limiter, schedule) it is the local
 * trigger (local_disconnect / local_reconnect). A trigger the control mode
 * does not enable answers other-reason (project choice; the Blue Book names
 * no result code); an enabled trigger that has no transition from the
 * current state succeeds without changing anything.
 */
// The class as data (defineClass below): its table and constants live on the prototype, not in a slot per object.
export interface DisconnectControlObject extends TableDefined {}
export class DisconnectControlObject implements CosemObject {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare readonly control: DisconnectControl;
  declare readonly logicalName: Obis;
  constructor(
    control: DisconnectControl,
    logicalName: Obis = Obis.of(0, 0, 96, 3, 10, 255),
  ) {
    this.control = control;
    this.logicalName = logicalName;
  }

  get(attribute: number, _ctx: AccessContext): GetResult {
    switch (attribute) {
      case 2:
        return { ok: true, value: D.bool(this.control.outputState) };
      case 3:
        return { ok: true, value: D.enum(this.control.controlState) };
      case 4:
        return { ok: true, value: D.enum(this.control.controlMode) };
      default:
        return { ok: false, error: DataAccessResult.objectUndefined };
    }
  }

  set(attribute: number, value: Data, _ctx: AccessContext): DataAccessResult {
    if (attribute === 2 || attribute === 3) return DataAccessResult.readWriteDenied;
    if (attribute !== 4) return DataAccessResult.objectUndefined;
    const mode = asInt(value, Tag.Enum);
    if (mode === undefined) return DataAccessResult.typeUnmatched;
    return this.control.setMode(mode) ? DataAccessResult.success : DataAccessResult.otherReason;
  }

  action(method: number, parameters: Data | undefined, ctx: AccessContext): ActionOutcome {
    if (method !== 1 && method !== 2) return { result: ActionResult.objectUndefined };
    if (!parameters || parameters.tag !== Tag.Integer) return { result: ActionResult.typeUnmatched };
    const local = isInternal(ctx);
    const trigger: Trigger = method === 1 ? (local ? "localDisconnect" : "remoteDisconnect") : local ? "localReconnect" : "remoteReconnect";
    const outcome = this.control.trigger(trigger);
    return { result: outcome.kind === "refused" ? ActionResult.otherReason : ActionResult.success };
  }
}
defineClass(
  DisconnectControlObject,
  classTable({
    classId: 70,
    version: 0,
    attributes: [
      "output_state:boolean",
      "control_state:enum",
      "control_mode:enum:w",
    ],
    methods: ["remote_disconnect", "remote_reconnect"],
  }),
);
