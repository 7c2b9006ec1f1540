import { D, Tag, type Data } from "../axdr.js";
import { DataAccessResult, type AccessContext, type CosemObject, type GetResult, classTable, defineClass, type TableDefined, type WithoutMethods } from "../interface-class.js";
import { Obis } from "../obis.js";
import { asInt, asOctets } from "../axdr-helpers.js";
import { baudForLetter, letterForBaud } from "../../transport/iec62056-21.js";
import type { HdlcSetupTarget } from "./iec-hdlc-setup.js";

/**
 * IEC local port setup, class 19 version 1 (0.0.20.0.0.255). Attributes:
 * 2 default_mode, 3 default_baud, 4 prop_baud, 5 response_time,
 * 6 device_addr, 7 pass_p1, 8 pass_p2, 9 pass_w5. No methods. prop_baud,
 * response_time (0 = 20 ms, 1 = 200 ms) and device_addr are the running
 * optical port's sign-on settings (applied at the next sign-on). The port speaks IEC 62056-21 mode E from
 * 300 baud only, so default_mode 0 and default_baud 0 are the only values
 * it accepts. The passwords belong to modes C/D programming, which this
 * meter does not offer: they are kept so a head-end can provision them, and
 * never read back.
 */
// The class as data (defineClass below): its table and constants live on the prototype, not in a slot per object.
export interface IecLocalPortSetupObject extends TableDefined, WithoutMethods {}
export class IecLocalPortSetupObject implements CosemObject {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare private readonly port: HdlcSetupTarget;
  declare readonly logicalName: Obis;
  declare private readonly passwords: Uint8Array[];

  /** The provisioned mode C/D password (1 = P1, 2 = P2, 3 = W5), for a future programming-mode service. */
  password(which: 1 | 2 | 3): Uint8Array {
    return this.passwords[which - 1].slice();
  }

  constructor(
    port: HdlcSetupTarget,
    logicalName: Obis = Obis.of(0, 0, 20, 0, 0, 255),
  ) {
    this.port = port;
    this.logicalName = logicalName;
    this.passwords = [new Uint8Array(0), new Uint8Array(0), new Uint8Array(0)];
  }

  get(attribute: number, _ctx: AccessContext): GetResult {
    const c = this.port.currentConfig;
    switch (attribute) {
      case 2:
        return { ok: true, value: D.enum(0) };
      case 3:
        return { ok: true, value: D.enum(0) };
      case 4: {
        const l = letterForBaud(c.maxBaud);
        return { ok: true, value: D.enum(l === undefined ? 5 : l.charCodeAt(0) - 0x30) };
      }
      case 5:
        return { ok: true, value: D.enum(c.responseDelayMs < 200 ? 0 : 1) };
      case 6:
        return { ok: true, value: D.octets(asciiBytes(c.deviceAddress)) };
      case 7:
      case 8:
      case 9:
        // Secrets are write-only whatever the catalog grants, as Association LN's secret is.
        return { ok: false, error: DataAccessResult.readWriteDenied };
      default:
        return { ok: false, error: DataAccessResult.objectUndefined };
    }
  }

  set(attribute: number, value: Data, _ctx: AccessContext): DataAccessResult {
    const c = this.port.currentConfig;
    switch (attribute) {
      case 2:
      case 3: {
        const v = asInt(value, Tag.Enum);
        if (v === undefined) return DataAccessResult.typeUnmatched;
        return v === 0 ? DataAccessResult.success : DataAccessResult.otherReason;
      }
      case 4: {
        const v = asInt(value, Tag.Enum);
        if (v === undefined) return DataAccessResult.typeUnmatched;
        const baud = baudForLetter(String.fromCharCode(0x30 + v));
        if (baud === undefined) return DataAccessResult.otherReason;
        this.port.configure({ ...c, maxBaud: baud });
        return DataAccessResult.success;
      }
      case 5: {
        const v = asInt(value, Tag.Enum);
        if (v === undefined) return DataAccessResult.typeUnmatched;
        if (v > 1) return DataAccessResult.otherReason;
        this.port.configure({ ...c, responseDelayMs: v === 0 ? 20 : 200 });
        return DataAccessResult.success;
      }
      case 6: {
        const b = asOctets(value);
        if (!b) return DataAccessResult.typeUnmatched;
        const text = addressText(b);
        if (text === undefined) return DataAccessResult.otherReason;
        this.port.configure({ ...c, deviceAddress: text });
        return DataAccessResult.success;
      }
      case 7:
      case 8:
      case 9: {
        const b = asOctets(value);
        if (!b) return DataAccessResult.typeUnmatched;
        if (b.length > 32) return DataAccessResult.otherReason;
        this.passwords[attribute - 7] = b.slice();
        return DataAccessResult.success;
      }
      default:
        return DataAccessResult.objectUndefined;
    }
  }

}
defineClass(
  IecLocalPortSetupObject,
  classTable({
    classId: 19,
    version: 1,
    attributes: [
      "default_mode:enum:w",
      "default_baud:enum:w",
      "prop_baud:enum:w",
      "response_time:enum:w",
      "device_addr:octet-string:w",
      "pass_p1:octet-string:w",
      "pass_p2:octet-string:w",
      "pass_w5:octet-string:w",
    ],
  }),
);

function asciiBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0x7f;
  return out;
}

/** A device address as IEC 62056-21 allows it: up to 32 of 0-9, A-Z, a-z, space. */
function addressText(b: Uint8Array): string | undefined {
  if (b.length > 32) return undefined;
  let s = "";
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x20;
    if (!ok) return undefined;
    s += String.fromCharCode(c);
  }
  return s;
}
