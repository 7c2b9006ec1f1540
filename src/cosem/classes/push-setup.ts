import { D, Tag, type Data } from "../axdr.js";
import { ActionResult, DataAccessResult, type AccessContext, type ActionOutcome, type CosemObject, type GetResult } from "../interface-class.js";
import { Obis } from "../obis.js";

/**
 * Push Setup, class 40 version 0 (minimal): 2 push_object_list (array of
 * {class_id, logical_name, attribute_index, data_index}), 3
 * send_destination_and_method ({transport_service enum, destination
 * octet-string, message enum}), 4 communication_window (array),
 * 5 randomisation_start_interval, 6 number_of_retries, 7 repetition_delay.
 * Method 1 push(integer): reads the listed attributes and sends them as one
 * data-notification through the binding. Windows, randomisation and retries
 * are stored and reported but not scheduled yet (no push scheduler exists).
 */
export interface PushTarget {
  classId: number;
  logicalName: Obis;
  attribute: number;
  dataIndex: number;
}

export interface PushBinding {
  /** Reads one listed attribute from the catalog (undefined: unreadable; sent as null-data). */
  read(classId: number, logicalName: Obis, attribute: number): Data | undefined;
  /** Sends the data-notification body; false when no destination is connected. */
  send(body: Data): boolean;
}

export class PushSetupObject implements CosemObject {
  readonly classId = 40;
  readonly version = 0;
  readonly attributeCount = 7;
  readonly methodCount = 1;
  objects: PushTarget[];
  destination: Data = D.struct(D.enum(0), D.octets(new Uint8Array(0)), D.enum(0));
  window: Data = D.array([]);
  randomisation = 0;
  retries = 0;
  repetitionDelay = 0;

  constructor(
    readonly logicalName: Obis,
    readonly binding: PushBinding,
    objects: PushTarget[] = [],
  ) {
    this.objects = objects;
  }

  /** The body the push method sends: a structure of the listed values, in list order. */
  body(): Data {
    return D.struct(...this.objects.map((o) => this.binding.read(o.classId, o.logicalName, o.attribute) ?? D.null()));
  }

  get(attribute: number, _ctx: AccessContext): GetResult {
    switch (attribute) {
      case 2:
        return {
          ok: true,
          value: D.array(this.objects.map((o) => D.struct(D.u16(o.classId), D.octets(o.logicalName.toBytes()), D.i8(o.attribute), D.u16(o.dataIndex)))),
        };
      case 3:
        return { ok: true, value: this.destination };
      case 4:
        return { ok: true, value: this.window };
      case 5:
        return { ok: true, value: D.u16(this.randomisation) };
      case 6:
        return { ok: true, value: D.u8(this.retries) };
      case 7:
        return { ok: true, value: D.u16(this.repetitionDelay) };
      default:
        return { ok: false, error: DataAccessResult.objectUndefined };
    }
  }

  set(attribute: number, value: Data, _ctx: AccessContext): DataAccessResult {
    switch (attribute) {
      case 2: {
        if (value.tag !== Tag.Array) return DataAccessResult.typeUnmatched;
        const list: PushTarget[] = [];
        for (const item of value.value) {
          if (item.tag !== Tag.Structure || item.value.length !== 4) return DataAccessResult.typeUnmatched;
          const [c, ln, a, di] = item.value;
          if (c.tag !== Tag.LongUnsigned || ln.tag !== Tag.OctetString || ln.value.length !== 6 || a.tag !== Tag.Integer || di.tag !== Tag.LongUnsigned) {
            return DataAccessResult.typeUnmatched;
          }
          list.push({ classId: c.value, logicalName: Obis.fromBytes(ln.value), attribute: a.value, dataIndex: di.value });
        }
        this.objects = list;
        return DataAccessResult.success;
      }
      case 3:
        if (value.tag !== Tag.Structure || value.value.length !== 3) return DataAccessResult.typeUnmatched;
        this.destination = value;
        return DataAccessResult.success;
      case 4:
        if (value.tag !== Tag.Array) return DataAccessResult.typeUnmatched;
        this.window = value;
        return DataAccessResult.success;
      case 5:
      case 7:
        if (value.tag !== Tag.LongUnsigned) return DataAccessResult.typeUnmatched;
        if (attribute === 5) this.randomisation = value.value;
        else this.repetitionDelay = value.value;
        return DataAccessResult.success;
      case 6:
        if (value.tag !== Tag.Unsigned) return DataAccessResult.typeUnmatched;
        this.retries = value.value;
        return DataAccessResult.success;
      default:
        return attribute === 1 ? DataAccessResult.readWriteDenied : DataAccessResult.objectUndefined;
    }
  }

  action(method: number, parameters: Data | undefined, _ctx: AccessContext): ActionOutcome {
    if (method !== 1) return { result: ActionResult.objectUndefined };
    if (parameters !== undefined && parameters.tag !== Tag.Integer) return { result: ActionResult.typeUnmatched };
    return { result: this.binding.send(this.body()) ? ActionResult.success : ActionResult.temporaryFailure };
  }
}
