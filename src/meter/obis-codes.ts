/** Logical names this meter instance uses (Blue Book / IDIS defaults), in one place. */
import { Obis } from "../cosem/obis.js";

export const CLOCK = Obis.of(0, 0, 1, 0, 0, 255);
export const LOGICAL_DEVICE_NAME = Obis.of(0, 0, 42, 0, 0, 255);
export const SERIAL_NUMBER = Obis.of(0, 0, 96, 1, 0, 255);
export const ACTIVITY_CALENDAR = Obis.of(0, 0, 13, 0, 0, 255);
export const SPECIAL_DAYS = Obis.of(0, 0, 11, 0, 0, 255);
export const REGISTER_ACTIVATION = Obis.of(0, 0, 14, 0, 0, 255);
/** Tariffication script table: script t activates rate t. */
export const TARIFF_SCRIPTS = Obis.of(0, 0, 10, 0, 100, 255);
/** End of billing (MDI reset) script table. */
export const BILLING_SCRIPTS = Obis.of(0, 0, 10, 0, 1, 255);
/** Global meter reset script table: script 1 restores the factory defaults. */
export const GLOBAL_METER_RESET = Obis.of(0, 0, 10, 0, 0, 255);
export const DISCONNECT_SCRIPTS = Obis.of(0, 0, 10, 0, 106, 255);
export const END_OF_BILLING_SCHEDULE = Obis.of(0, 0, 15, 0, 0, 255);
export const DISCONNECT_CONTROL = Obis.of(0, 0, 96, 3, 10, 255);
export const LIMITER = Obis.of(0, 0, 17, 0, 0, 255);
export const BILLING_PROFILE = Obis.of(1, 0, 98, 1, 0, 255);
/** Total active energy import / export (sum of the rates). */
export const ENERGY_IMPORT_TOTAL = Obis.of(1, 0, 1, 8, 0, 255);
export const ENERGY_EXPORT_TOTAL = Obis.of(1, 0, 2, 8, 0, 255);
/** Sum Li active power+ (the limiter's default monitored value). */
export const ACTIVE_POWER = Obis.of(1, 0, 1, 7, 0, 255);
export const IMAGE_TRANSFER = Obis.of(0, 0, 44, 0, 0, 255);
/** Contained firmware faults and safe mode (manufacturer-specific D = 128, see src/meter/faults.ts). */
export const FAULT_DIAGNOSTIC = Obis.of(0, 0, 96, 128, 0, 255);
/** Active firmware identifier and signature (Blue Book 7.5.1, IDIS): the running image's version and hash. */
export const ACTIVE_FIRMWARE_IDENTIFIER = Obis.of(1, 0, 0, 2, 0, 255);
export const ACTIVE_FIRMWARE_SIGNATURE = Obis.of(1, 0, 0, 2, 8, 255);
/** Alarm registers 1/2, filters 1/2, descriptors 1/2 (Blue Book / IDIS 0-0:97.98.x.255; src/alarm). */
export const ALARM_REGISTER_1 = Obis.of(0, 0, 97, 98, 0, 255);
export const ALARM_REGISTER_2 = Obis.of(0, 0, 97, 98, 1, 255);
export const ALARM_FILTER_1 = Obis.of(0, 0, 97, 98, 10, 255);
export const ALARM_FILTER_2 = Obis.of(0, 0, 97, 98, 11, 255);
export const ALARM_DESCRIPTOR_1 = Obis.of(0, 0, 97, 98, 20, 255);
export const ALARM_DESCRIPTOR_2 = Obis.of(0, 0, 97, 98, 21, 255);
