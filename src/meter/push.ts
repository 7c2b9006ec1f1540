/**
 * The meter's pushes (IDIS-style): which Push Setups exist, what each sends,
 * where, and what triggers them; and their wiring into the catalog, the
 * script table and the push engine (src/push/engine.ts).
 *
 * Logical names follow the IDIS numbering of Push Setup objects
 * 0-b:25.9.0.255 (b = 0 on connectivity, 1..3 interval, 4 on alarm,
 * 5 on power down), with the push script table 0-0:10.0.108.255 (script b+1
 * runs push of 0-b:25.9.0.255) and the push action schedule 0-1:15.0.4.255
 * for interval 1. These were recalled, not read from the IDIS text (not
 * available here): a head-end keyed on other names can write its own
 * push_object_list into these objects.
 */
import { Tag, type Data } from "../cosem/axdr.js";
import { PushSetupObject, type PushBinding } from "../cosem/classes/push-setup.js";
import type { AccessContext } from "../cosem/interface-class.js";
import { SingleActionScheduleObject } from "../cosem/classes/single-action-schedule.js";
import { NOT_SPECIFIED } from "../cosem/datetime.js";
import { Obis } from "../cosem/obis.js";
import { PushEngine, PushReason } from "../push/engine.js";
import { PushSetup, type PushObject, type PushSecurity, type PushWindow } from "../push/setup.js";
import { CatalogReader } from "../push/values.js";
import { SingleActionSchedule, copyTimes, type ExecutionTime } from "../tariff/schedule.js";
import { ScriptTable, isInternal, type ObjectResolver, type Script } from "../tariff/script-table.js";
import { ScriptTableObject } from "../cosem/classes/script-table.js";
import { utf8Encode } from "../util/bytes.js";
import { frozen } from "../util/frozen.js";
import type { MeterConfig } from "./config.js";
import { managed } from "./catalog.js";
import { FaultKind } from "./faults.js";
import type { Meter } from "./meter.js";
import type { MeterPorts } from "./ports.js";
import { ALARM_DESCRIPTOR_1, ALARM_DESCRIPTOR_2, CLOCK, LOGICAL_DEVICE_NAME } from "./obis-codes.js";
import { DAILY_PROFILE } from "../storage/meter-profiles.js";

export const PushLn = frozen({
  connectivity: Obis.of(0, 0, 25, 9, 0, 255),
  interval1: Obis.of(0, 1, 25, 9, 0, 255),
  alarm: Obis.of(0, 4, 25, 9, 0, 255),
  powerDown: Obis.of(0, 5, 25, 9, 0, 255),
} as const);

/** Push script table (Blue Book 0-0:10.0.108.255): script n pushes the n-th setup of the configuration. */
const PUSH_SCRIPTS = Obis.of(0, 0, 10, 0, 108, 255);
/** Push action schedule of interval 1 (Blue Book 0-b:15.0.4.255). */
const PUSH_SCHEDULE = Obis.of(0, 1, 15, 0, 4, 255);

export interface PushSetupConfig {
  logicalName: Obis;
  objects: PushObject[];
  windows: PushWindow[];
  randomisationS: number;
  retries: number;
  repetitionDelayS: number;
  security: PushSecurity;
  highPriority: boolean;
  /** The head-end's wPort for this push (default the IDIS push client SAP, 102). */
  clientSap?: number;
}

export interface PushConfig {
  /** "host:port" of the head-end for every setup of a fresh meter; "" = none (no push is attempted until a client writes one). */
  destination: string;
  setups: PushSetupConfig[];
  /** When the push action schedule runs the interval-1 push (local time). */
  schedule: ExecutionTime[];
}

/** A daily date-time pattern (every date) at a local time, as communication windows and restrictions take it. */
function dailyAt(hour: number, minute: number): Uint8Array {
  return Uint8Array.of(0xff, 0xff, NOT_SPECIFIED, NOT_SPECIFIED, NOT_SPECIFIED, hour, minute, 0, 0, 0x80, 0x00, NOT_SPECIFIED);
}

const attr = (classId: number, logicalName: Obis, attribute: number): PushObject => ({ classId, logicalName, attribute, dataIndex: 0 });

/**
 * A fresh meter's pushes. Every body starts with the push setup's own
 * logical name and the logical device name (IDIS: who sends what).
 * - on connectivity (power-up): + the clock;
 * - interval 1: + the daily profile's row of this day's midnight (by date,
 *   `*-*-* 00:00` to `*-*-* 00:00`), at 00:05 within the window 00:00-06:00,
 *   randomised over 30 min, 3 retries 5 min apart;
 * - on alarm: + alarm descriptors 1 and 2 (the bits reported since a client last cleared them), high
 *   priority, 5 retries 1 min apart; every rising filtered alarm bit triggers it (src/alarm);
 * - on power down (last gasp): the two names only, high priority.
 * All are ciphered under the management Security Setup.
 */
export function defaultPushConfig(): PushConfig {
  const head = (ln: Obis) => [attr(40, ln, 1), attr(1, LOGICAL_DEVICE_NAME, 2)];
  const base = { windows: [] as PushWindow[], randomisationS: 0, retries: 3, repetitionDelayS: 60, security: "management" as const, highPriority: false };
  return {
    destination: "",
    setups: [
      { ...base, logicalName: PushLn.connectivity, objects: [...head(PushLn.connectivity), attr(8, CLOCK, 2)], randomisationS: 10 },
      {
        ...base,
        logicalName: PushLn.interval1,
        objects: [...head(PushLn.interval1), { classId: 7, logicalName: DAILY_PROFILE, attribute: 2, dataIndex: 0, restriction: { type: 1, from: dailyAt(0, 0), to: dailyAt(0, 0) }, columns: [] }],
        windows: [{ start: dailyAt(0, 0), end: dailyAt(6, 0) }],
        randomisationS: 1800,
        repetitionDelayS: 300,
      },
      { ...base, logicalName: PushLn.alarm, objects: [...head(PushLn.alarm), attr(1, ALARM_DESCRIPTOR_1, 2), attr(1, ALARM_DESCRIPTOR_2, 2)], retries: 5, highPriority: true },
      { ...base, logicalName: PushLn.powerDown, objects: head(PushLn.powerDown), retries: 0, highPriority: true },
    ],
    schedule: [{ time: { hour: 0, minute: 5, second: 0, hundredths: 0 }, date: { year: 0xffff, month: NOT_SPECIFIED, day: NOT_SPECIFIED, dayOfWeek: NOT_SPECIFIED } }],
  };
}

const PUSH_NOW: Data = frozen({ tag: Tag.Integer, value: 0 });

/** The push script table's scripts: script n+1 invokes push (method 1) of the n-th setup. */
function pushScripts(setups: readonly PushSetupConfig[]): Script[] {
  return setups.map((s, i) => ({ id: i + 1, actions: [{ service: 2, classId: 40, logicalName: s.logicalName, index: 1, parameter: PUSH_NOW }] }));
}

/** A fresh meter's pushes as module-level frozen data (in flash on a device), with their push scripts: config.ts takes them. */
export const DEFAULT_PUSH_CONFIG: PushConfig = frozen(defaultPushConfig());
const DEFAULT_PUSH_SCRIPTS: readonly Script[] = frozen(pushScripts(DEFAULT_PUSH_CONFIG.setups));

const PUSH_SETUP_RIGHTS = managed("r rw rw rw rw rw rw", 1);

/** Method 1 (push) of every Push Setup: one binding for all, not a closure per setup. */
class PushMethod implements PushBinding {
  constructor(readonly engine: PushEngine) {}

  push(s: PushSetup, ctx: AccessContext): boolean {
    return this.engine.trigger(s.logicalName, isInternal(ctx) ? PushReason.schedule : PushReason.method);
  }
}

/** The largest value a push reads from a stream (a profile buffer): a day of 15-minute rows fits. */
const MAX_PUSH_VALUE = 16 * 1024;

/**
 * The last gasp: registered first on the power-fail signal, before any flash
 * save (metrology's and the meter's), within the board's hold-up budget less
 * what the saves take. The engine is built later; until then there is nothing to push.
 */
export function wireLastGasp(m: Meter, ports: MeterPorts): void {
  const holdUp = ports.holdUp;
  if (holdUp) ports.system.onPowerFail(() => m.faults.run(FaultKind.powerFailPush, () => m.pushes?.lastGasp(PushLn.powerDown, holdUp.holdUpMs - holdUp.saveMs)));
}

/**
 * The pushes of a meter with a crypto port: Push Setups resolve their values
 * and security late (the DLMS front is built after them); an alarm bit that
 * rose and passed its filter (src/alarm) pushes the on-alarm setup, whose
 * body carries the descriptors. The schedule joins the tariff engine's.
 */
export function wirePush(m: Meter, ports: MeterPorts, config: MeterConfig, resolve: ObjectResolver): { engine: PushEngine; schedule: SingleActionSchedule } | undefined {
  if (!ports.crypto) return undefined;
  const push = config.push;
  const catalog = m.catalog;
  const engine = new PushEngine({
    clock: m.clock,
    timers: ports.linkTimers ?? ports.timers,
    store: m.store,
    crypto: ports.crypto,
    security: (name) => m.dlms?.setups[name],
    connector: ports.tcpClient,
    values: new CatalogReader(catalog, m.clock, MAX_PUSH_VALUE),
  });
  // The Push Setup objects and the push action schedule (management writes, reader reads).
  const destination = { service: 0, address: utf8Encode(push.destination), message: 0 };
  const method = new PushMethod(engine);
  push.setups.forEach((sc) => {
    // The configured lists are shared, not copied (frozen, in flash on a device): a client's write
    // replaces a setup's list (PushSetupObject.set), never writes into it. The configuration row is
    // the setup's init as it is (an absent clientSap takes the IDIS default), with the meter's destination.
    const setup = new PushSetup(sc.logicalName, { ...sc, destination });
    engine.add(setup);
    catalog.add(new PushSetupObject(setup, method), PUSH_SETUP_RIGHTS);
  });
  const scripts = push.setups === DEFAULT_PUSH_CONFIG.setups ? DEFAULT_PUSH_SCRIPTS : pushScripts(push.setups);
  const table = new ScriptTable(PUSH_SCRIPTS, scripts as Script[], resolve);
  m.scripts.add(table);
  catalog.add(new ScriptTableObject(table), managed("r rw", 1));
  const index = push.setups.findIndex((s) => s.logicalName.key === PushLn.interval1.key);
  const schedule = new SingleActionSchedule(PUSH_SCRIPTS.toBytes(), index + 1, 1, copyTimes(push.schedule));
  catalog.add(new SingleActionScheduleObject(schedule, PUSH_SCHEDULE), managed("r rw rw rw"));
  m.alarms.onAlarm(() => {
    engine.trigger(PushLn.alarm, PushReason.alarm);
  });
  return { engine, schedule };
}

/** Power restored (a power-on or brown-out reset): the power-up notification, the on-connectivity push. */
export function pushPowerUp(m: Meter): void {
  m.pushes?.trigger(PushLn.connectivity, PushReason.powerUp);
}
