import { ByteReader, ByteWriter } from "../util/bytes.js";
import { DecodeError, EncodeError } from "../util/errors.js";

/**
 * COSEM date and time (Blue Book 4.1.6.1) kept as the raw fields, so that the
 * special values survive a decode/encode round trip exactly:
 * 0xFF (0xFFFF for the year) = not specified; month 0xFD/0xFE = daylight
 * saving end/begin; day of month 0xFD/0xFE = second last/last day of month;
 * deviation -32768 (0x8000 on the wire) = not specified.
 *
 * The deviation is in minutes and signed as the Blue Book defines it: local
 * time = UTC - deviation. Central European winter time is therefore -60
 * (0xFFC4), which is what meters send and what third-party decoders read as
 * +01:00 (see host-tests/datetime.test.ts).
 */
export interface CosemDate {
  year: number;
  month: number;
  day: number;
  dayOfWeek: number;
}

export interface CosemTime {
  hour: number;
  minute: number;
  second: number;
  hundredths: number;
}

export interface DateTime extends CosemDate, CosemTime {
  deviation: number;
  status: number;
}

export const NOT_SPECIFIED = 0xff;
export const YEAR_NOT_SPECIFIED = 0xffff;
export const DEVIATION_NOT_SPECIFIED = -0x8000;
const MONTH_DST_END = 0xfd;
const MONTH_DST_BEGIN = 0xfe;
export const DAY_SECOND_LAST = 0xfd;
export const DAY_LAST = 0xfe;

/** Clock status bits (Blue Book 4.1.6.1). */
export const ClockStatus = Object.freeze({
  invalidValue: 0x01,
  doubtfulValue: 0x02,
  differentClockBase: 0x04,
  invalidClockStatus: 0x08,
  daylightSavingActive: 0x80,
} as const);

const DATE_TIME_LENGTH = 12;
const DATE_LENGTH = 5;
const TIME_LENGTH = 4;

export function readDate(r: ByteReader): CosemDate {
  r.need(DATE_LENGTH, "date");
  return { year: r.u16(), month: r.u8(), day: r.u8(), dayOfWeek: r.u8() };
}

export function readTime(r: ByteReader): CosemTime {
  r.need(TIME_LENGTH, "time");
  return { hour: r.u8(), minute: r.u8(), second: r.u8(), hundredths: r.u8() };
}

export function readDateTime(r: ByteReader): DateTime {
  r.need(DATE_TIME_LENGTH, "date-time");
  const year = r.u16();
  const month = r.u8();
  const day = r.u8();
  const dayOfWeek = r.u8();
  const hour = r.u8();
  const minute = r.u8();
  const second = r.u8();
  const hundredths = r.u8();
  const deviation = r.i16();
  const status = r.u8();
  return { year, month, day, dayOfWeek, hour, minute, second, hundredths, deviation, status };
}

function checkByte(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 255) throw new EncodeError("range", `${what} must be 0..255, got ${v}`);
}

export function writeDate(w: ByteWriter, d: CosemDate): void {
  if (!Number.isInteger(d.year) || d.year < 0 || d.year > 0xffff) throw new EncodeError("range", `year ${d.year}`);
  checkByte(d.month, "month");
  checkByte(d.day, "day");
  checkByte(d.dayOfWeek, "day of week");
  w.u16(d.year).u8(d.month).u8(d.day).u8(d.dayOfWeek);
}

export function writeTime(w: ByteWriter, t: CosemTime): void {
  checkByte(t.hour, "hour");
  checkByte(t.minute, "minute");
  checkByte(t.second, "second");
  checkByte(t.hundredths, "hundredths");
  w.u8(t.hour).u8(t.minute).u8(t.second).u8(t.hundredths);
}

export function writeDateTime(w: ByteWriter, dt: DateTime): void {
  writeDate(w, dt);
  writeTime(w, dt);
  if (!Number.isInteger(dt.deviation) || dt.deviation < -0x8000 || dt.deviation > 0x7fff) {
    throw new EncodeError("range", `deviation ${dt.deviation}`);
  }
  checkByte(dt.status, "clock status");
  w.u16(dt.deviation & 0xffff).u8(dt.status);
}

/** The 12 octets of a date-time, as carried inside an octet-string. */
export function dateTimeToBytes(dt: DateTime): Uint8Array {
  const w = new ByteWriter(DATE_TIME_LENGTH);
  writeDateTime(w, dt);
  return w.toBytes();
}

export function dateTimeFromBytes(bytes: Uint8Array): DateTime {
  if (bytes.length !== DATE_TIME_LENGTH) {
    throw new DecodeError("bad-length", `date-time is ${DATE_TIME_LENGTH} octets, got ${bytes.length}`);
  }
  return readDateTime(new ByteReader(bytes));
}

/**
 * Checks the ranges of every field (special values allowed). Decoding keeps
 * out-of-range values so that bytes round-trip; a server that acts on a
 * date-time calls this first and answers a standard error when it fails.
 */
export function dateTimeProblem(dt: DateTime): string | undefined {
  if (dt.year !== YEAR_NOT_SPECIFIED && dt.year > 9999) return "year";
  if (!(dt.month >= 1 && dt.month <= 12) && dt.month !== MONTH_DST_END && dt.month !== MONTH_DST_BEGIN && dt.month !== NOT_SPECIFIED) return "month";
  if (!(dt.day >= 1 && dt.day <= 31) && dt.day !== DAY_SECOND_LAST && dt.day !== DAY_LAST && dt.day !== NOT_SPECIFIED) return "day";
  if (!(dt.dayOfWeek >= 1 && dt.dayOfWeek <= 7) && dt.dayOfWeek !== NOT_SPECIFIED) return "day of week";
  if (dt.hour > 23 && dt.hour !== NOT_SPECIFIED) return "hour";
  if (dt.minute > 59 && dt.minute !== NOT_SPECIFIED) return "minute";
  if (dt.second > 59 && dt.second !== NOT_SPECIFIED) return "second";
  if (dt.hundredths > 99 && dt.hundredths !== NOT_SPECIFIED) return "hundredths";
  if (dt.deviation !== DEVIATION_NOT_SPECIFIED && (dt.deviation < -720 || dt.deviation > 720)) return "deviation";
  return undefined;
}

const MS_PER_MINUTE = 60000;

/** Days since 1970-01-01 of a proleptic Gregorian date (no Date: the meter's time is its own). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Inverse of daysFromCivil. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** ISO day of week, Monday = 1 .. Sunday = 7, as COSEM numbers them. */
export function dayOfWeekFromDays(days: number): number {
  return ((((days + 3) % 7) + 7) % 7) + 1;
}

/**
 * UTC milliseconds of a fully specified date-time, or undefined when a field
 * is a wildcard or out of range. A date-time without a deviation is taken as
 * UTC only if `assumeDeviation` is given.
 */
export function dateTimeToUtcMs(dt: DateTime, assumeDeviation?: number): number | undefined {
  if (dateTimeProblem(dt) !== undefined) return undefined;
  if (dt.year === YEAR_NOT_SPECIFIED || dt.month > 12 || dt.day > 31 || dt.hour > 23 || dt.minute > 59) return undefined;
  const second = dt.second === NOT_SPECIFIED ? 0 : dt.second;
  const hundredths = dt.hundredths === NOT_SPECIFIED ? 0 : dt.hundredths;
  const deviation = dt.deviation === DEVIATION_NOT_SPECIFIED ? assumeDeviation : dt.deviation;
  if (deviation === undefined) return undefined;
  const days = daysFromCivil(dt.year, dt.month, dt.day);
  const check = civilFromDays(days);
  if (check.day !== dt.day) return undefined; // e.g. 31 April
  const localMs = ((days * 24 + dt.hour) * 60 + dt.minute) * MS_PER_MINUTE + second * 1000 + hundredths * 10;
  return localMs + deviation * MS_PER_MINUTE;
}

/** The date-time of a UTC instant as seen with the given deviation (local = UTC - deviation). */
export function dateTimeFromUtcMs(utcMs: number, deviation: number, status: number): DateTime {
  const localMs = utcMs - deviation * MS_PER_MINUTE;
  const days = Math.floor(localMs / 86400000);
  const msOfDay = localMs - days * 86400000;
  const { year, month, day } = civilFromDays(days);
  return {
    year,
    month,
    day,
    dayOfWeek: dayOfWeekFromDays(days),
    hour: Math.floor(msOfDay / 3600000),
    minute: Math.floor(msOfDay / 60000) % 60,
    second: Math.floor(msOfDay / 1000) % 60,
    hundredths: Math.floor(msOfDay / 10) % 100,
    deviation,
    status,
  };
}
