/**
 * Meter configuration with the factory defaults of the development meter:
 * Central European time with EU summer time, a two-rate day/night calendar
 * (rate 1 07:00-23:00 on working days, rate 2 otherwise), 15-minute load
 * profile capture, monthly end of billing, a one-second metering tick.
 * Everything a client can change through COSEM later lives in the domains;
 * this is only the state a fresh meter starts from.
 */
import { DEVIATION_NOT_SPECIFIED, NOT_SPECIFIED, type DateTime } from "../cosem/datetime.js";
import type { CalendarSet, DayProfile } from "../tariff/calendar.js";
import { lastSundayPattern, type ClockConfig } from "../tariff/clock.js";
import { utf8Encode } from "../util/bytes.js";
import { fromHex } from "../util/bytes.js";
import type { SecurityConfig } from "./dlms.js";
import type { PrepaySetup } from "./prepay.js";
import type { MeterIdentity } from "./identity.js";
import { TARIFF_SCRIPTS } from "./obis-codes.js";

export interface MeterConfig {
  identity: MeterIdentity;
  clock: ClockConfig;
  /** Number of tariff rates (TOU registers per quantity). */
  tariffs: number;
  calendar: CalendarSet;
  /** Load profile capture period (s). */
  capturePeriodS: number;
  /** Load profile entries kept (FIFO): a year of 15-minute entries by default. */
  profileEntries: number;
  /** Demand integration period (s). */
  demandPeriodS: number;
  /** Metering tick (ms): energy goes to the tariff registers this often. */
  tickMs: number;
  /** Energy and counters are written to the store at least this often (ms) besides the power-fail path. */
  persistEveryMs: number;
  /** Disconnect control mode (Blue Book 0..6) of a fresh meter. */
  disconnectMode: number;
  security: SecurityConfig;
  /** Firmware update: the bootloader's signing keys (SPKI DER) and signature type; absent = no Image Transfer. */
  fota?: FotaConfig;
  /** Prepayment (STS): decoder key, PAN, provisioned EA07 tables; absent = no prepayment objects. */
  prepay?: PrepaySetup;
}

export interface FotaConfig {
  keys: Uint8Array[];
  signature: "ecdsa-p256" | "ed25519";
  /** image_block_size (bytes, a multiple of the flash write size). */
  blockSize: number;
}

/**
 * Development keys, the same published test values as the xDLMS tests
 * (Green Book examples): a meter leaving a factory gets its own through
 * key_transfer. The simulator prints them for the lab client.
 */
export const DEVELOPMENT_KEYS = {
  globalUnicastKey: fromHex("000102030405060708090A0B0C0D0E0F"),
  authenticationKey: fromHex("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"),
  masterKey: fromHex("00112233445566778899AABBCCDDEEFF"),
  firmwarePassword: utf8Encode("12345678"),
} as const;

/** System title: the FLAG id then the serial number as a 40-bit big-endian integer (Green Book 4.3.4 leaves the rest to the manufacturer). */
export function systemTitle(id: MeterIdentity): Uint8Array {
  const t = new Uint8Array(8);
  for (let i = 0; i < 3; i++) t[i] = id.manufacturer.charCodeAt(i) & 0xff;
  let n = Number(id.serial) % 2 ** 40;
  for (let i = 7; i >= 3; i--) {
    t[i] = n % 256;
    n = Math.floor(n / 256);
  }
  return t;
}

const ascii = utf8Encode;

function at(hour: number, minute: number, tariff: number) {
  return { start: { hour, minute, second: 0, hundredths: 0 }, script: TARIFF_SCRIPTS.toBytes(), selector: tariff };
}

function yearly(month: number, day: number): DateTime {
  return { year: 0xffff, month, day, dayOfWeek: NOT_SPECIFIED, hour: 0, minute: 0, second: 0, hundredths: 0, deviation: DEVIATION_NOT_SPECIFIED, status: NOT_SPECIFIED };
}

export function defaultCalendar(): CalendarSet {
  const workday: DayProfile = { dayId: 1, actions: [at(0, 0, 2), at(7, 0, 1), at(23, 0, 2)] };
  const weekend: DayProfile = { dayId: 2, actions: [at(0, 0, 2)] };
  return {
    name: ascii("DAYNIGHT"),
    seasons: [{ name: ascii("ALL"), start: yearly(1, 1), weekName: ascii("WEEK") }],
    weeks: [{ name: ascii("WEEK"), days: [1, 1, 1, 1, 1, 2, 2] }],
    days: [workday, weekend],
  };
}

export function defaultConfig(identity: MeterIdentity = { manufacturer: "MKT", serial: "1" }): MeterConfig {
  return {
    identity,
    clock: { timeZone: -60, dstBegin: lastSundayPattern(3, 2), dstEnd: lastSundayPattern(10, 3), dstDeviation: 60, dstEnabled: true },
    tariffs: 4,
    calendar: defaultCalendar(),
    capturePeriodS: 900,
    profileEntries: 366 * 96,
    demandPeriodS: 900,
    tickMs: 1000,
    persistEveryMs: 15 * 60000,
    disconnectMode: 1,
    security: { serverSystemTitle: systemTitle(identity), ...DEVELOPMENT_KEYS },
  };
}
