/**
 * Meter identity: the COSEM logical device name (0.0.42.0.0.255) and the
 * serial number (0.0.96.1.0.255). The LDN follows the DLMS UA rule: three
 * upper-case letters of the manufacturer's FLAG id followed by up to 13
 * characters unique within the manufacturer, 16 octets at most.
 */
import { utf8Encode } from "../util/bytes.js";

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

export function serialNumberBytes(id: MeterIdentity): Uint8Array {
  return utf8Encode(id.serial);
}
