import { D, Tag, type Data } from "../axdr.js";
import { DataAccessResult, type AccessContext, type CosemObject, type GetResult, classTable, defineClass, type TableDefined, type WithoutMethods } from "../interface-class.js";
import { Obis } from "../obis.js";
import { asInt } from "../axdr-helpers.js";
import type { OpticalPortConfig } from "../../transport/optical-port.js";

/** What the adapter needs of the optical port (OpticalPort satisfies it). */
export interface HdlcSetupTarget {
  readonly currentConfig: Readonly<OpticalPortConfig>;
  configure(config: OpticalPortConfig): void;
}

/** comm_speed enum: 0 = 300 ... 9 = 115200 baud. */
const SPEEDS = Object.freeze([300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200] as const);

/**
 * IEC HDLC setup, class 23 version 1 (0.0.22.0.0.255 for the optical port).
 * Attributes: 2 comm_speed, 3 window_size_transmit, 4 window_size_receive,
 * 5 max_info_field_length_transmit, 6 max_info_field_length_receive,
 * 7 inter_octet_time_out, 8 inactivity_time_out, 9 device_address. No
 * methods. Reads and writes the running link's configuration: limits apply
 * from the next SNRM, the inactivity time-out at once.
 *
 * On a mode E port comm_speed is the highest baud the sign-on may switch to
 * (the same setting as class 19 prop_baud, kept in one place). Window sizes
 * 1..7 are accepted as the Blue Book allows, but the link negotiates 1.
 */
// The class as data (defineClass below): its table and constants live on the prototype, not in a slot per object.
export interface IecHdlcSetupObject extends TableDefined, WithoutMethods {}
export class IecHdlcSetupObject implements CosemObject {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare private readonly port: HdlcSetupTarget;
  declare readonly logicalName: Obis;
  constructor(
    port: HdlcSetupTarget,
    logicalName: Obis = Obis.of(0, 0, 22, 0, 0, 255),
  ) {
    this.port = port;
    this.logicalName = logicalName;
  }

  get(attribute: number, _ctx: AccessContext): GetResult {
    const c = this.port.currentConfig;
    const h = c.hdlc;
    let value: Data;
    switch (attribute) {
      case 2: {
        const i = (SPEEDS as readonly number[]).indexOf(c.maxBaud);
        value = D.enum(i < 0 ? 5 : i);
        break;
      }
      case 3:
        value = D.u8(h.limits.windowTx);
        break;
      case 4:
        value = D.u8(h.limits.windowRx);
        break;
      case 5:
        value = D.u16(h.limits.maxInfoTx);
        break;
      case 6:
        value = D.u16(h.limits.maxInfoRx);
        break;
      case 7:
        value = D.u16(h.interOctetMs);
        break;
      case 8:
        value = D.u16(Math.round(h.inactivityMs / 1000));
        break;
      case 9:
        value = D.u16(h.physicalAddress);
        break;
      default:
        return { ok: false, error: DataAccessResult.objectUndefined };
    }
    return { ok: true, value };
  }

  set(attribute: number, value: Data, _ctx: AccessContext): DataAccessResult {
    const c = this.port.currentConfig;
    const h = c.hdlc;
    const tag = attribute === 2 ? Tag.Enum : attribute === 3 || attribute === 4 ? Tag.Unsigned : Tag.LongUnsigned;
    if (attribute < 2 || attribute > 9) return DataAccessResult.objectUndefined;
    const v = asInt(value, tag);
    if (v === undefined) return DataAccessResult.typeUnmatched;
    const limits = { ...h.limits };
    let hdlc = h;
    let maxBaud = c.maxBaud;
    switch (attribute) {
      case 2:
        // Mode E sign-on offers at most 19200 (baud characters 0..6).
        if (v > 6) return DataAccessResult.otherReason;
        maxBaud = SPEEDS[v];
        break;
      case 3:
      case 4:
        if (v < 1 || v > 7) return DataAccessResult.otherReason;
        if (attribute === 3) limits.windowTx = v;
        else limits.windowRx = v;
        break;
      case 5:
      case 6:
        // Blue Book range 32..2030: a frame with the largest field still fits the 11-bit length.
        if (v < 32 || v > 2030) return DataAccessResult.otherReason;
        if (attribute === 5) limits.maxInfoTx = v;
        else limits.maxInfoRx = v;
        break;
      case 7:
        if (v < 20 || v > 6000) return DataAccessResult.otherReason;
        hdlc = { ...h, interOctetMs: v };
        break;
      case 8:
        hdlc = { ...h, inactivityMs: v * 1000 };
        break;
      case 9:
        // 0x10..0x3FFD: below are reserved addresses, above the all-station and no-station ones.
        if (v < 0x10 || v > 0x3ffd) return DataAccessResult.otherReason;
        hdlc = { ...h, physicalAddress: v };
        break;
    }
    this.port.configure({ ...c, maxBaud, hdlc: { ...hdlc, limits } });
    return DataAccessResult.success;
  }

}
defineClass(
  IecHdlcSetupObject,
  classTable({
    classId: 23,
    version: 1,
    attributes: [
      "comm_speed:enum:w",
      "window_size_transmit:unsigned:w",
      "window_size_receive:unsigned:w",
      "max_info_field_length_transmit:long-unsigned:w",
      "max_info_field_length_receive:long-unsigned:w",
      "inter_octet_time_out:long-unsigned:w",
      "inactivity_time_out:long-unsigned:w",
      "device_address:long-unsigned:w",
    ],
  }),
);
