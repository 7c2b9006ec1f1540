/**
 * The meter's tariff wiring: the register activation over the rate bank,
 * billing (into the billing profile when there is flash), the special days
 * and the activity calendar, the end-of-billing schedule, the tariff engine
 * that runs them at their instants, and their COSEM objects (clock, rate
 * registers, maximum demand, billing counter, calendar, special days,
 * register activation, script tables, schedules).
 */
import { Tag, type Data } from "../cosem/axdr.js";
import { ActivityCalendarObject } from "../cosem/classes/activity-calendar.js";
import { ClockObject } from "../cosem/classes/clock.js";
import { DataObject, type DataBinding } from "../cosem/classes/data.js";
import { ProfileCaptureTarget, ProfileGeneric } from "../cosem/classes/profile-generic.js";
import { RegisterActivationObject } from "../cosem/classes/register-activation.js";
import { RegisterObject, Unit, intData, type ScalerUnit } from "../cosem/classes/register.js";
import { ScriptTableObject } from "../cosem/classes/script-table.js";
import { SingleActionScheduleObject } from "../cosem/classes/single-action-schedule.js";
import { SpecialDaysTableObject } from "../cosem/classes/special-days-table.js";
import type { Obis } from "../cosem/obis.js";
import type { EventSink, MeterEvent } from "../events.js";
import { BILLING_COUNTER_OBIS, Billing } from "../tariff/billing.js";
import { ActivityCalendar, SpecialDaysTable } from "../tariff/calendar.js";
import { TariffEngine } from "../tariff/engine.js";
import { StandardEventCode } from "../tariff/event-codes.js";
import { standardTouActivation, type RegisterActivation, type TouRegisterBank } from "../tariff/registers.js";
import { SingleActionSchedule, copyTimes } from "../tariff/schedule.js";
import { ScriptTable, type ObjectResolver } from "../tariff/script-table.js";
import { frozen } from "../util/frozen.js";
import { allMethods, managed, noMethods, readAll, readOnly, type Catalog } from "./catalog.js";
import type { MeterConfig } from "./config.js";
import { FactoryResetScriptTable } from "./factory-reset.js";
import type { Meter } from "./meter.js";
import * as ln from "./obis-codes.js";
import { KEY_BILLING, loadU32 } from "./persistence.js";
import type { SettingsStore } from "./settings.js";
import { PROFILE_RIGHTS } from "./storage.js";

/** Activity calendar attributes kept as settings: the active and passive calendars and the activation time. */
const CALENDAR_SETTINGS = Object.freeze([2, 3, 4, 5, 6, 7, 8, 9, 10] as const);

/**
 * The calendar's event sink: a scheduled activation changes the active
 * calendar outside any client request, so the tick stores it as a setting
 * (a client's activation is stored by the request itself).
 */
export class CalendarActivations implements EventSink {
  private activated = false;

  constructor(readonly events: EventSink) {}

  record(e: MeterEvent): void {
    this.events.record(e);
    if (e.log === "standard" && e.code === StandardEventCode.touActivated) this.activated = true;
  }

  /** Called every tick: stores the active calendar after an activation. */
  store(settings: SettingsStore): void {
    if (!this.activated) return;
    this.activated = false;
    settings.saveCurrent(ln.ACTIVITY_CALENDAR, CALENDAR_SETTINGS);
  }
}

export interface MeterTariff {
  activation: RegisterActivation;
  billing: Billing;
  specialDays: SpecialDaysTable;
  calendar: ActivityCalendar;
  activations: CalendarActivations;
}

/** After metrology: the activation, billing with its stored counter, special days and the calendar of the configuration. */
export function wireTariff(m: Meter, config: MeterConfig): MeterTariff {
  const activation = standardTouActivation(m.bank, config.tariffs);
  const billingProfile = m.billingProfile;
  const billing = new Billing(m.bank, m.demand, {
    capture: (s) => {
      m.lastBilling = s;
      billingProfile?.capture(s);
    },
  });
  billing.counter = loadU32(m.store, KEY_BILLING) ?? 0;
  const specialDays = new SpecialDaysTable();
  const activations = new CalendarActivations(m.events);
  const calendar = new ActivityCalendar(m.clock, specialDays, activations, config.calendar);
  return { activation, billing, specialDays, calendar, activations };
}

/** The end-of-billing single action schedule of the configuration (copies: a client's write replaces the schedule's, never the configuration's). */
export function endOfBillingSchedule(config: MeterConfig): SingleActionSchedule {
  const eob = config.endOfBilling;
  return new SingleActionSchedule(eob.script.scriptLn.slice(), eob.script.selector, eob.type, copyTimes(eob.times));
}

/** The engine that runs the calendar, the schedules and the captures at their instants. */
export function wireTariffEngine(m: Meter, config: MeterConfig, schedules: SingleActionSchedule[], onCapture: (utcMs: number) => void): TariffEngine {
  return new TariffEngine({
    clock: m.clock,
    calendar: m.calendar,
    scripts: m.scripts,
    activation: m.activation,
    bank: m.bank,
    demand: m.demand,
    schedules,
    capturePeriodS: config.capturePeriodS,
    onCapture,
  });
}

const CLOCK_RIGHTS = frozen({
  public: ["r r r r r r r r r", noMethods(6)],
  reader: [readAll(9), noMethods(6)],
  management: ["r rw rw r rw rw rw rw r", allMethods(6)],
  firmware: ["r r - - - - - - -", noMethods(6)],
} as const);
/** The time itself (attribute 2) lives in the RTC, not in the settings. */
const CLOCK_SETTINGS = Object.freeze([3, 5, 6, 7, 8] as const);

export function addClockObject(c: Catalog, m: Meter): void {
  c.add(new ClockObject(m.clock, ln.CLOCK), CLOCK_RIGHTS, CLOCK_SETTINGS);
}

const WH = frozen({ scaler: 0, unit: Unit.Wh });
const VARH = frozen({ scaler: 0, unit: Unit.varh });

/** A rate register of the tariff bank: one object per row, not a closure or a binding object beside it (RAM on XS: issue 13). */
class RateRegister extends RegisterObject {
  constructor(
    readonly logicalName: Obis,
    readonly bank: TouRegisterBank,
  ) {
    super();
  }

  get scalerUnit(): ScalerUnit {
    return this.logicalName.c <= 2 ? WH : VARH;
  }

  read(): Data {
    return intData(Tag.DoubleLongUnsigned, Math.floor(this.bank.value(this.logicalName) % 1e9));
  }
}

const REGISTER_RIGHTS = readOnly(3, 1);
const COUNTER_RIGHTS = readOnly(2);

/** The rate registers of the tariff bank (1.0.c.8.t.255), whole Wh / varh as the display shows them. */
export function addRateRegisters(c: Catalog, m: Meter): void {
  m.bank.obis.forEach((o) => c.add(new RateRegister(o, m.bank), REGISTER_RIGHTS));
}

/** The billing period counter (0.0.0.1.0.255). */
export function addBillingCounter(c: Catalog, m: Meter): void {
  c.add(new DataObject(BILLING_COUNTER_OBIS, new BillingCounterValue(m)), COUNTER_RIGHTS);
}

class BillingCounterValue implements DataBinding {
  constructor(readonly m: Meter) {}

  read(): Data {
    return { tag: Tag.DoubleLongUnsigned, value: this.m.billing.counter >>> 0 };
  }
}

/**
 * Tariff configuration: management writes, reader reads. The active
 * calendar (2..5) is a setting too: activation changes it, a client never
 * writes it. Script tables share the configuration's scripts (frozen, in
 * flash on a device): a client's write replaces the table's list, never
 * writes into it (ScriptTableObject.set).
 */
export function addTariffObjects(c: Catalog, m: Meter, endOfBilling: SingleActionSchedule, resolve: ObjectResolver): void {
  c.add(
    new ActivityCalendarObject(m.calendar, ln.ACTIVITY_CALENDAR),
    managed("r r r r r rw rw rw rw rw", 1),
    CALENDAR_SETTINGS,
  );
  c.add(new SpecialDaysTableObject(m.specialDays, ln.SPECIAL_DAYS), managed("r rw", 2));
  // The active mask is the calendar's to set at every tariff switch: only the assignment and the masks are settings.
  c.add(new RegisterActivationObject(m.activation, ln.REGISTER_ACTIVATION), managed("r rw rw rw", 3), [2, 3]);

  // The end-of-billing script executes method 2 of the billing profile; without flash a stand-in takes the call.
  if (m.billingProfile) c.add(new ProfileGeneric({ ...m.billingProfile.profile, timeBase: m.clock }), PROFILE_RIGHTS);
  else c.addInternal(new ProfileCaptureTarget(ln.BILLING_PROFILE, (utcMs) => m.billing.endOfPeriod(utcMs)));
  m.config.scriptTables.forEach((tc) => {
    const t = new ScriptTable(tc.logicalName, tc.scripts, resolve);
    m.scripts.add(t);
    c.add(new ScriptTableObject(t), managed("r rw", 1));
  });
  // Global meter reset (Blue Book 0.0.10.0.0.255): script 1 restores the factory defaults, management only.
  c.add(new FactoryResetScriptTable(ln.GLOBAL_METER_RESET, m), { management: ["r r", allMethods(1)] });
  c.add(new SingleActionScheduleObject(endOfBilling, ln.END_OF_BILLING_SCHEDULE), managed("r rw rw rw"));
}
