/**
 * Meter configuration with the factory defaults of the development meter:
 * Central European time with EU summer time, a two-rate day/night calendar
 * (rate 1 07:00-23:00 on working days, rate 2 otherwise), 15-minute load
 * profile capture, monthly end of billing, a one-second metering tick.
 * This is the one source of every configured value a fresh meter starts
 * from (profile periods and depths, limiter, script tables, schedules,
 * associations, security): the composition root and the domains take them
 * from here and repeat none. What a client writes later is kept by the
 * settings store (settings.ts) on top of these defaults; factory defaults
 * clear it and the meter starts from here again.
 */
import { Tag, type Data } from "../cosem/axdr.js";
import type { BootloaderConfig } from "../fota/bootloader-config.js";
import { DEVIATION_NOT_SPECIFIED, NOT_SPECIFIED, type DateTime } from "../cosem/datetime.js";
import { Policy } from "../cosem/security/security-setup.js";
import type { ScriptRef } from "../relay/limiter.js";
import type { CalendarSet, DayProfile } from "../tariff/calendar.js";
import type { ClockConfig } from "../tariff/clock.js";
import { lastSundayPattern } from "../tariff/date-patterns.js";
import { DEFAULT_BUDGET } from "../storage/budget.js";
import { ALARM_MASKS } from "../alarm/alarm-map.js";
import { utf8Encode } from "../util/bytes.js";
import { fromHex } from "../util/bytes.js";
import { frozen } from "../util/frozen.js";
import type { SecurityConfig } from "./dlms.js";
import type { PrepaySetup } from "./prepay.js";
import { DEFAULT_PUSH_CONFIG, type PushConfig } from "./push.js";
import type { MeterIdentity } from "./identity.js";
import type { ExecutionTime } from "../tariff/schedule.js";
import type { Script } from "../tariff/script-table.js";
import type { Obis } from "../cosem/obis.js";
import { BILLING_PROFILE, BILLING_SCRIPTS, DISCONNECT_CONTROL, DISCONNECT_SCRIPTS, REGISTER_ACTIVATION, TARIFF_SCRIPTS } from "./obis-codes.js";

export interface MeterConfig {
  identity: MeterIdentity;
  clock: ClockConfig;
  /** Number of tariff rates (TOU registers per quantity). */
  tariffs: number;
  calendar: CalendarSet;
  /** Load profile capture period (s): divides a day, so that local midnight is a capture instant. */
  capturePeriodS: number;
  /** Load profile entries kept (FIFO): a year of 15-minute entries by default. */
  profileEntries: number;
  /** Daily values profile entries kept (one per day). */
  dailyProfileEntries: number;
  /** Monthly billing profile entries kept (one per end of billing). */
  billingProfileEntries: number;
  /** Script tables (class 9) and their scripts as a fresh meter has them. */
  scriptTables: ScriptTableConfig[];
  /** End-of-billing single action schedule: the billing script and when it runs (local time). */
  endOfBilling: { script: ScriptRef; type: number; times: ExecutionTime[] };
  /** Load limiter (class 71) of a fresh meter. */
  limiter: LimiterConfig;
  /** Demand integration period (s). */
  demandPeriodS: number;
  /** Metering tick (ms): energy goes to the tariff registers this often. */
  tickMs: number;
  /** Energy and counters are written to the store at least this often (ms) besides the power-fail path. */
  persistEveryMs: number;
  /** Disconnect control mode (Blue Book 0..6) of a fresh meter. */
  disconnectMode: number;
  security: SecurityConfig;
  /** Alarm filters 1 and 2 of a fresh meter (src/alarm): a 1 reports that alarm bit to the push; default every bit the meter raises. */
  alarmFilters: readonly [number, number];
  /** Firmware update: the bootloader's signing keys (SPKI DER) and signature type; absent = no Image Transfer. */
  fota?: FotaConfig;
  /** Prepayment (STS): decoder key, PAN, provisioned EA07 tables; absent = no prepayment objects. */
  prepay?: PrepaySetup;
  /** Push Setups, their destination and the push action schedule (src/meter/push.ts). */
  push: PushConfig;
}

export interface ScriptTableConfig {
  logicalName: Obis;
  scripts: Script[];
}

export interface LimiterConfig {
  /** W (the monitored value is the total active power import). */
  thresholdNormal: number;
  thresholdEmergency: number;
  minOverS: number;
  minUnderS: number;
  actionOver: ScriptRef;
  actionUnder: ScriptRef;
}

/** Client SAPs of the associations (DESIGN.md 5; the same numbers as the xDLMS tests). */
export const DEFAULT_CLIENT_SAPS = Object.freeze({ public: 16, reader: 32, management: 1, firmware: 48 } as const);

export interface FotaConfig {
  keys: Uint8Array[];
  signature: "ecdsa-p256" | "ed25519";
  /** image_block_size (bytes, a multiple of the flash write size). */
  blockSize: number;
  /** How the board's MCUboot is built (src/fota/bootloader-config.ts); default the ESP32 port's. */
  bootloader?: BootloaderConfig;
  /** Refuse images of lower version than the running one (default true). */
  refuseVersionDowngrade?: boolean;
  /** A board's extra self-test of a new image, besides "the meter was built" (the simulator's --self-test fail). */
  selfTest?: () => boolean;
}

/**
 * Development keys, the same published test values as the xDLMS tests
 * (Green Book examples): a meter leaving a factory gets its own through
 * key_transfer. The simulator prints them for the lab client.
 */
export const DEVELOPMENT_KEYS = Object.freeze({
  globalUnicastKey: fromHex("000102030405060708090A0B0C0D0E0F"),
  authenticationKey: fromHex("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"),
  masterKey: fromHex("00112233445566778899AABBCCDDEEFF"),
  firmwarePassword: utf8Encode("12345678"),
} as const);

/** System title: the FLAG id then the serial number as a 40-bit big-endian integer (Green Book 4.3.4 leaves the rest to the manufacturer). */
function systemTitle(id: MeterIdentity): Uint8Array {
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

const ZERO: Data = Object.freeze({ tag: Tag.Integer, value: 0 });

/** A script of one action: service 1 writes attribute `index` of the object, service 2 executes its method `index`. */
function script(id: number, service: number, classId: number, logicalName: Obis, index: number, parameter: Data): Script {
  return { id, actions: [{ service, classId, logicalName, index, parameter }] };
}

/** Tariffication (script t writes "Tt" to the active mask), end of billing (capture of the billing profile), disconnector (1 disconnect, 2 reconnect). */
function defaultScriptTables(tariffs: number): ScriptTableConfig[] {
  const tariffScripts: Script[] = [];
  for (let i = 1; i <= tariffs; i++) tariffScripts.push(script(i, 1, 6, REGISTER_ACTIVATION, 4, { tag: Tag.OctetString, value: ascii(`T${i}`) }));
  return [
    { logicalName: TARIFF_SCRIPTS, scripts: tariffScripts },
    { logicalName: BILLING_SCRIPTS, scripts: [script(1, 2, 7, BILLING_PROFILE, 2, ZERO)] },
    { logicalName: DISCONNECT_SCRIPTS, scripts: [script(1, 2, 70, DISCONNECT_CONTROL, 1, ZERO), script(2, 2, 70, DISCONNECT_CONTROL, 2, ZERO)] },
  ];
}

function at(hour: number, minute: number, tariff: number) {
  return { start: { hour, minute, second: 0, hundredths: 0 }, script: TARIFF_SCRIPTS.toBytes(), selector: tariff };
}

function yearly(month: number, day: number): DateTime {
  return { year: 0xffff, month, day, dayOfWeek: NOT_SPECIFIED, hour: 0, minute: 0, second: 0, hundredths: 0, deviation: DEVIATION_NOT_SPECIFIED, status: NOT_SPECIFIED };
}

function defaultCalendar(): CalendarSet {
  const workday: DayProfile = { dayId: 1, actions: [at(0, 0, 2), at(7, 0, 1), at(23, 0, 2)] };
  const weekend: DayProfile = { dayId: 2, actions: [at(0, 0, 2)] };
  return {
    name: ascii("DAYNIGHT"),
    seasons: [{ name: ascii("ALL"), start: yearly(1, 1), weekName: ascii("WEEK") }],
    weeks: [{ name: ascii("WEEK"), days: [1, 1, 1, 1, 1, 2, 2] }],
    days: [workday, weekend],
  };
}

/**
 * The factory defaults that depend on neither the identity nor the number of
 * rates: module-level frozen data, so that a Moddable build preloads it into
 * flash and every meter shares it instead of building 50 objects at boot
 * (issue 13). Nothing writes into a configuration: a domain that changes a
 * configured value keeps its own copy (copy on write, e.g. ActivityCalendar,
 * ScriptTable, Limiter, PushSetup); the data is frozen here, so a writer
 * throws in the tests as it would on a device.
 */
const DEFAULTS = frozen({
  clock: { timeZone: -60, dstBegin: lastSundayPattern(3, 2), dstEnd: lastSundayPattern(10, 3), dstDeviation: 60, dstEnabled: true },
  calendar: defaultCalendar(),
  capturePeriodS: 900,
  // The reference boards' promises (src/storage/budget.ts), written once there.
  profileEntries: DEFAULT_BUDGET.loadProfile.entries,
  dailyProfileEntries: DEFAULT_BUDGET.dailyProfile.entries,
  billingProfileEntries: DEFAULT_BUDGET.billingProfile.entries,
  // Month end: 00:00 local on the first day of every month runs billing script 1.
  endOfBilling: {
    script: { scriptLn: BILLING_SCRIPTS.toBytes(), selector: 1 },
    type: 1,
    times: [{ time: { hour: 0, minute: 0, second: 0, hundredths: 0 }, date: { year: 0xffff, month: NOT_SPECIFIED, day: 1, dayOfWeek: NOT_SPECIFIED } }],
  },
  limiter: {
    thresholdNormal: 17250, // 75 A at 230 V
    thresholdEmergency: 5000,
    minOverS: 60,
    minUnderS: 120,
    actionOver: { scriptLn: DISCONNECT_SCRIPTS.toBytes(), selector: 1 },
    actionUnder: { scriptLn: DISCONNECT_SCRIPTS.toBytes(), selector: 2 },
  },
  demandPeriodS: 900,
  tickMs: 1000,
  persistEveryMs: 15 * 60000,
  disconnectMode: 1,
  alarmFilters: ALARM_MASKS,
  push: DEFAULT_PUSH_CONFIG,
});

/** The script tables of the default four rates, shared like DEFAULTS; another number of rates builds its own. */
const FOUR_RATE_SCRIPT_TABLES = frozen(defaultScriptTables(4));

const DEFAULT_IDENTITY: MeterIdentity = frozen({ manufacturer: "MKT", serial: "1" });

const DEFAULT_POLICY = Policy.authenticatedRequest | Policy.encryptedRequest | Policy.authenticatedResponse | Policy.encryptedResponse;

/** `tariffs` sizes the tariffication script table (one script per rate). */
export function defaultConfig(identity: MeterIdentity = DEFAULT_IDENTITY, tariffs = 4): MeterConfig {
  return {
    ...DEFAULTS,
    identity,
    tariffs,
    scriptTables: tariffs === 4 ? FOUR_RATE_SCRIPT_TABLES : defaultScriptTables(tariffs),
    security: {
      serverSystemTitle: systemTitle(identity),
      ...DEVELOPMENT_KEYS,
      policy: DEFAULT_POLICY,
      clientSaps: DEFAULT_CLIENT_SAPS,
    },
  };
}
