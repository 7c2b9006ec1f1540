/** Shared by the payment classes (111, 112, 113, 115). */

/** date-time octet-string with every field not specified (Blue Book 4.1.6.1). */
export const NOT_SPECIFIED_DATE_TIME: Uint8Array = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x80, 0x00, 0xff);
