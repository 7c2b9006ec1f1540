import { D, Tag, type Data } from "../axdr.js";
import { ActionResult, DataAccessResult, type AccessContext, type ActionOutcome, type CosemObject, type GetResult, classTable, defineClass, type TableDefined } from "../interface-class.js";
import { Obis } from "../obis.js";
import type { PushColumn, PushObject, PushRestriction, PushSetup, PushWindow } from "../../push/setup.js";

/**
 * Push Setup, class 40 version 0: a thin adapter onto a PushSetup
 * (src/push/setup.ts) and the push engine behind `binding`.
 * 2 push_object_list: array of {class_id, logical_name, attribute_index,
 *   data_index}; an element may also take the version-2 object_definition
 *   form {..., restriction {type enum, value}, columns array} to push a
 *   profile buffer with selective access (1 by date, 2 by entry), and is
 *   read back in the form it was written in;
 * 3 send_destination_and_method {transport_service enum (0 TCP),
 *   destination octet-string ("host:port"), message enum (0 A-XDR)};
 * 4 communication_window array of {start, end} date-times (wildcards: daily);
 * 5 randomisation_start_interval long-unsigned (s);
 * 6 number_of_retries unsigned; 7 repetition_delay long-unsigned (s).
 * Method 1 push(integer 0): triggers a push (the engine sends it in the
 * background: success means accepted, not delivered; temporary-failure when
 * the destination is not usable).
 */
export interface PushBinding {
  /** Triggers a push of this setup (ctx: who asked: a client, or the meter's own script); false when it cannot be sent (no usable destination). */
  push(setup: PushSetup, ctx: AccessContext): boolean;
}

const MAX_OBJECTS = 32;
const MAX_WINDOWS = 8;

function definitionData(c: PushColumn): Data {
  return D.struct(D.u16(c.classId), D.octets(c.logicalName.toBytes()), D.i8(c.attribute), D.u16(c.dataIndex));
}

function objectData(o: PushObject): Data {
  const fields = [D.u16(o.classId), D.octets(o.logicalName.toBytes()), D.i8(o.attribute), D.u16(o.dataIndex)];
  if (!o.restriction && !o.columns) return { tag: Tag.Structure, value: fields };
  const r = o.restriction;
  const restriction = !r
    ? D.struct(D.enum(0), D.null())
    : r.type === 1
      ? D.struct(D.enum(1), D.struct(D.octets(r.from), D.octets(r.to)))
      : D.struct(D.enum(2), D.struct(D.u32(r.fromEntry), D.u32(r.toEntry)));
  fields.push(restriction, D.array((o.columns ?? []).map(definitionData)));
  return { tag: Tag.Structure, value: fields };
}

function asColumn(d: Data): PushColumn | undefined {
  return d.tag === Tag.Structure && d.value.length === 4 ? columnOf(d.value) : undefined;
}

/** The column in the first four fields of a structure (object_definition, or the head of a push object). */
function columnOf(v: Data[]): PushColumn | undefined {
  const c = v[0], ln = v[1], a = v[2], di = v[3];
  if (c.tag !== Tag.LongUnsigned || ln.tag !== Tag.OctetString || ln.value.length !== 6 || a.tag !== Tag.Integer || di.tag !== Tag.LongUnsigned) return undefined;
  return { classId: c.value, logicalName: Obis.fromBytes(ln.value), attribute: a.value, dataIndex: di.value };
}

/** restriction_element; null when malformed (undefined: no restriction). */
function asRestriction(d: Data): PushRestriction | undefined | null {
  if (d.tag !== Tag.Structure || d.value.length !== 2 || d.value[0].tag !== Tag.Enum) return null;
  const type = d.value[0].value;
  const v = d.value[1];
  if (type === 0) return v.tag === Tag.NullData ? undefined : null;
  if (v.tag !== Tag.Structure || v.value.length !== 2) return null;
  const a = v.value[0], b = v.value[1];
  if (type === 1 && a.tag === Tag.OctetString && b.tag === Tag.OctetString && a.value.length === 12 && b.value.length === 12) return { type: 1, from: a.value.slice(), to: b.value.slice() };
  if (type === 2 && a.tag === Tag.DoubleLongUnsigned && b.tag === Tag.DoubleLongUnsigned) return { type: 2, fromEntry: a.value, toEntry: b.value };
  return null;
}

function asObject(d: Data): PushObject | undefined {
  if (d.tag !== Tag.Structure || (d.value.length !== 4 && d.value.length !== 6)) return undefined;
  const head = columnOf(d.value);
  if (!head) return undefined;
  if (d.value.length === 4) return head;
  const restriction = asRestriction(d.value[4]);
  const cols = d.value[5];
  if (restriction === null || cols.tag !== Tag.Array) return undefined;
  const columns: PushColumn[] = [];
  for (let i = 0; i < cols.value.length; i++) {
    const c = cols.value[i];
    const col = asColumn(c);
    if (!col) return undefined;
    columns.push(col);
  }
  return restriction ? { ...head, restriction, columns } : { ...head, columns };
}

// The class as data (defineClass below): its table and constants live on the prototype, not in a slot per object.
export interface PushSetupObject extends TableDefined {}
export class PushSetupObject implements CosemObject {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare readonly setup: PushSetup;
  declare readonly binding: PushBinding;
  constructor(
    setup: PushSetup,
    binding: PushBinding,
  ) {
    this.setup = setup;
    this.binding = binding;
  }

  get logicalName(): Obis {
    return this.setup.logicalName;
  }

  get(attribute: number, _ctx: AccessContext): GetResult {
    const s = this.setup;
    switch (attribute) {
      case 2:
        return { ok: true, value: D.array(s.objects.map(objectData)) };
      case 3:
        return { ok: true, value: D.struct(D.enum(s.destination.service), D.octets(s.destination.address.slice()), D.enum(s.destination.message)) };
      case 4:
        return { ok: true, value: D.array(s.windows.map((w) => D.struct(D.octets(w.start.slice()), D.octets(w.end.slice())))) };
      case 5:
        return { ok: true, value: D.u16(s.randomisationS) };
      case 6:
        return { ok: true, value: D.u8(s.retries) };
      case 7:
        return { ok: true, value: D.u16(s.repetitionDelayS) };
      default:
        return { ok: false, error: DataAccessResult.objectUndefined };
    }
  }

  set(attribute: number, value: Data, _ctx: AccessContext): DataAccessResult {
    const s = this.setup;
    switch (attribute) {
      case 2: {
        if (value.tag !== Tag.Array) return DataAccessResult.typeUnmatched;
        if (value.value.length > MAX_OBJECTS) return DataAccessResult.otherReason;
        const list: PushObject[] = [];
        for (let i = 0; i < value.value.length; i++) {
          const item = value.value[i];
          const o = asObject(item);
          if (!o) return DataAccessResult.typeUnmatched;
          list.push(o);
        }
        s.objects = list;
        return DataAccessResult.success;
      }
      case 3: {
        if (value.tag !== Tag.Structure || value.value.length !== 3) return DataAccessResult.typeUnmatched;
        const t = value.value[0], d = value.value[1], m = value.value[2];
        if (t.tag !== Tag.Enum || d.tag !== Tag.OctetString || m.tag !== Tag.Enum) return DataAccessResult.typeUnmatched;
        // Only TCP (0) carrying A-XDR APDUs (0) is implemented: another transport would never be sent.
        if (t.value !== 0 || m.value !== 0 || d.value.length > 255) return DataAccessResult.otherReason;
        s.destination = { service: t.value, address: d.value.slice(), message: m.value };
        return DataAccessResult.success;
      }
      case 4: {
        if (value.tag !== Tag.Array) return DataAccessResult.typeUnmatched;
        if (value.value.length > MAX_WINDOWS) return DataAccessResult.otherReason;
        const windows: PushWindow[] = [];
        for (let i = 0; i < value.value.length; i++) {
          const w = value.value[i];
          if (w.tag !== Tag.Structure || w.value.length !== 2) return DataAccessResult.typeUnmatched;
          const a = w.value[0], b = w.value[1];
          if (a.tag !== Tag.OctetString || b.tag !== Tag.OctetString || a.value.length !== 12 || b.value.length !== 12) return DataAccessResult.typeUnmatched;
          windows.push({ start: a.value.slice(), end: b.value.slice() });
        }
        s.windows = windows;
        return DataAccessResult.success;
      }
      case 5:
      case 7:
        if (value.tag !== Tag.LongUnsigned) return DataAccessResult.typeUnmatched;
        if (attribute === 5) s.randomisationS = value.value;
        else s.repetitionDelayS = value.value;
        return DataAccessResult.success;
      case 6:
        if (value.tag !== Tag.Unsigned) return DataAccessResult.typeUnmatched;
        s.retries = value.value;
        return DataAccessResult.success;
      default:
        return attribute === 1 ? DataAccessResult.readWriteDenied : DataAccessResult.objectUndefined;
    }
  }

  action(method: number, parameters: Data | undefined, ctx: AccessContext): ActionOutcome {
    if (method !== 1) return { result: ActionResult.objectUndefined };
    if (parameters !== undefined && parameters.tag !== Tag.Integer) return { result: ActionResult.typeUnmatched };
    return { result: this.binding.push(this.setup, ctx) ? ActionResult.success : ActionResult.temporaryFailure };
  }
}
defineClass(
  PushSetupObject,
  classTable({
    classId: 40,
    version: 0,
    attributes: [
      "push_object_list:array:w",
      "send_destination_and_method:structure:w",
      "communication_window:array:w",
      "randomisation_start_interval:long-unsigned:w",
      "number_of_retries:unsigned:w",
      "repetition_delay:long-unsigned:w",
    ],
    methods: ["push"],
  }),
);
