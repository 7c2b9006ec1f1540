import { D, Tag, type Data } from "../axdr.js";
import { ActionResult, DataAccessResult, type AccessContext, type ActionOutcome, type CosemObject, type GetResult, classTable, defineClass, type TableDefined } from "../interface-class.js";
import { Obis } from "../obis.js";
import type { FirmwareUpdate, Outcome } from "../../fota/transfer.js";
import { asBool, asInt, asList, asOctets } from "../axdr-helpers.js";

/**
 * Image transfer, class 18 version 0 (0.0.44.0.0.255), Blue Book 4.4.6.
 * 2 image_block_size double-long-unsigned, 3 image_transferred_blocks_status
 * bit-string, 4 image_first_not_transferred_block_number double-long-unsigned,
 * 5 image_transfer_enabled boolean (writable), 6 image_transfer_status enum
 * (0..7), 7 image_to_activate_info array of {size, identification, signature}.
 * Methods 1 image_transfer_initiate {identifier, size}, 2 image_block_transfer
 * {block number, block value}, 3 image_verify, 4 image_activate (integer 0).
 *
 * Verification and activation run to completion inside the call (no
 * temporary-failure polling); a refused image answers other-reason with
 * image_transfer_status = verification failed (4), as the Blue Book asks.
 */
// The class as data (defineClass below): its table and constants live on the prototype, not in a slot per object.
export interface ImageTransferObject extends TableDefined {}
export class ImageTransferObject implements CosemObject {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare readonly service: FirmwareUpdate;
  declare readonly logicalName: Obis;
  constructor(
    service: FirmwareUpdate,
    logicalName: Obis = Obis.of(0, 0, 44, 0, 0, 255),
  ) {
    this.service = service;
    this.logicalName = logicalName;
  }

  get(attribute: number, _ctx: AccessContext): GetResult {
    const s = this.service;
    switch (attribute) {
      case 2:
        return { ok: true, value: D.u32(s.blockSize) };
      case 3: {
        const b = s.transferredBlocks;
        return { ok: true, value: D.bits(b.length, b.bytes) };
      }
      case 4:
        return { ok: true, value: D.u32(s.firstNotTransferred) };
      case 5:
        return { ok: true, value: D.bool(s.enabled) };
      case 6:
        return { ok: true, value: D.enum(s.status) };
      case 7: {
        const a = s.imageToActivate;
        return { ok: true, value: D.array(a ? [D.struct(D.u32(a.size), D.octets(a.identification), D.octets(a.signature))] : []) };
      }
      default:
        return { ok: false, error: DataAccessResult.objectUndefined };
    }
  }

  set(attribute: number, value: Data, _ctx: AccessContext): DataAccessResult {
    if (attribute === 5) {
      const on = asBool(value);
      if (on === undefined) return DataAccessResult.typeUnmatched;
      this.service.setEnabled(on);
      return DataAccessResult.success;
    }
    if (attribute >= 2 && attribute <= 7) return DataAccessResult.readWriteDenied;
    return DataAccessResult.objectUndefined;
  }

  action(method: number, parameters: Data | undefined, _ctx: AccessContext): ActionOutcome {
    const s = this.service;
    switch (method) {
      case 1: {
        const p = asList(parameters, Tag.Structure, 2);
        const id = asOctets(p?.[0]);
        const size = asInt(p?.[1], Tag.DoubleLongUnsigned, 0, 0xffffffff);
        if (id === undefined || size === undefined) return { result: ActionResult.typeUnmatched };
        return result(s.initiate(id, size));
      }
      case 2: {
        const p = asList(parameters, Tag.Structure, 2);
        const n = asInt(p?.[0], Tag.DoubleLongUnsigned, 0, 0xffffffff);
        const data = asOctets(p?.[1]);
        if (n === undefined || data === undefined) return { result: ActionResult.typeUnmatched };
        return result(s.block(n, data));
      }
      case 3:
      case 4: {
        if (asInt(parameters, Tag.Integer) === undefined) return { result: ActionResult.typeUnmatched };
        return result(method === 3 ? s.verify() : s.activate());
      }
      default:
        return { result: ActionResult.objectUndefined };
    }
  }
}
defineClass(
  ImageTransferObject,
  classTable({
    classId: 18,
    version: 0,
    attributes: [
      "image_block_size:double-long-unsigned",
      "image_transferred_blocks_status:bit-string",
      "image_first_not_transferred_block_number:double-long-unsigned",
      "image_transfer_enabled:boolean:w",
      "image_transfer_status:enum",
      "image_to_activate_info:array",
    ],
    methods: ["image_transfer_initiate", "image_block_transfer", "image_verify", "image_activate"],
  }),
);

function result(o: Outcome): ActionOutcome {
  if (o.ok) return { result: ActionResult.success };
  switch (o.refusal) {
    case "disabled":
      return { result: ActionResult.readWriteDenied };
    case "bad-state":
      return { result: ActionResult.temporaryFailure };
    case "bad-block":
    case "bad-parameter":
      return { result: ActionResult.otherReason };
    default:
      return { result: ActionResult.otherReason };
  }
}
