/**
 * Meter identity: the COSEM logical device name (0.0.42.0.0.255) and the
 * serial number (0.0.96.1.0.255). The LDN follows the DLMS UA rule: three
 * upper-case letters of the manufacturer's FLAG id followed by up to 13
 * characters unique within the manufacturer, 16 octets at most.
 */
import { Tag } from "../cosem/axdr.js";
import { DataObject } from "../cosem/classes/data.js";
import { utf8Encode } from "../util/bytes.js";
import { frozen } from "../util/frozen.js";
import type { Catalog } from "./catalog.js";
import { LOGICAL_DEVICE_NAME, SERIAL_NUMBER } from "./obis-codes.js";

export interface MeterIdentity {
  /** FLAG manufacturer id (three upper-case letters). */
  readonly manufacturer: string;
  /** Factory serial number (digits). */
  readonly serial: string;
}

export function validIdentity(id: MeterIdentity): boolean {
  return /^[A-Z]{3}$/.test(id.manufacturer) && /^[0-9]{1,13}$/.test(id.serial);
}

/** The logical device name: FLAG id + serial left-padded with zeros to 13 digits. */
export function logicalDeviceName(id: MeterIdentity): Uint8Array {
  return utf8Encode(id.manufacturer + id.serial.padStart(13, "0"));
}

function serialNumberBytes(id: MeterIdentity): Uint8Array {
  return utf8Encode(id.serial);
}

/** Identity: every association, the public client included, may read it (it is how a client finds the meter). */
export const EVERYONE_READS = frozen({
  public: ["r r", ""],
  reader: ["r r", ""],
  management: ["r r", ""],
  firmware: ["r r", ""],
} as const);

/** The logical device name (0.0.42.0.0.255) and the serial number (0.0.96.1.0.255) as constant Data objects. */
export function addIdentityObjects(c: Catalog, id: MeterIdentity): void {
  c.add(DataObject.constant(LOGICAL_DEVICE_NAME, { tag: Tag.OctetString, value: logicalDeviceName(id) }), EVERYONE_READS);
  c.add(DataObject.constant(SERIAL_NUMBER, { tag: Tag.OctetString, value: serialNumberBytes(id) }), EVERYONE_READS);
}
