/**
 * The composition root of the meter: builds every domain from the ports,
 * binds the COSEM objects into one catalog with the rights of each role,
 * and drives the domains from one periodic tick. It is the only place that
 * knows how the areas fit together; the board (or the simulator) only
 * supplies ports.
 *
 * Durability: metrology persists its own energy registers (and records
 * power down/up); the rate registers, billing counter and disconnector
 * state are written here in every tick in which metrology saved, every
 * persistEveryMs and on the power-fail signal, and read back before the
 * first tick. After a power cut without warning the rate registers and the
 * totals therefore come back from the same instant, and the loss is what
 * metrology bounds (ARCHITECTURE.md, Metrology).
 */
import type { TimerId } from "../../hal/timer.js";
import { dateTimeOs } from "../cosem/axdr-helpers.js";
import type { RegisterMonitorObject } from "../cosem/classes/register-monitor.js";
import type { ProfileGeneric } from "../cosem/classes/profile-generic.js";
import { Qty } from "../metrology/accumulators.js";
import type { MetrologyService } from "../metrology/service.js";
import type { KeyValueStore } from "../persistence.js";
import type { PrepayService } from "../prepay/service.js";
import type { KeypadEntry } from "../prepay/keypad-entry.js";
import type { PushEngine } from "../push/engine.js";
import type { DisconnectControl } from "../relay/disconnect.js";
import type { Limiter } from "../relay/limiter.js";
import type { FirmwareUpdate } from "../fota/transfer.js";
import type { Alarms } from "../alarm/alarms.js";
import type { BootHealth } from "../storage/health.js";
import { saveSeen } from "../storage/health.js";
import type { EventLogSink } from "../storage/event-logs.js";
import type { LogStore } from "../storage/log-store.js";
import type { LogKeyValueStore } from "../storage/kv-store.js";
import type { BillingProfile } from "../storage/meter-profiles.js";
import { DemandTracker, activeTariff, type Billing, type BillingSnapshot } from "../tariff/billing.js";
import type { ActivityCalendar, SpecialDaysTable } from "../tariff/calendar.js";
import { MeterClock } from "../tariff/clock.js";
import type { TariffEngine } from "../tariff/engine.js";
import { ProfileStatusTracker } from "../tariff/profile-status.js";
import { TouRegisterBank, type RegisterActivation } from "../tariff/registers.js";
import { ScriptRegistry, type ObjectResolver } from "../tariff/script-table.js";
import { addAlarmObjects, wireAlarms } from "./alarm-objects.js";
import { Catalog } from "./catalog.js";
import { defaultConfig, type MeterConfig } from "./config.js";
import { wireDlms, type DlmsFront } from "./dlms.js";
import { RamEventLog } from "./events.js";
import { BootGuard, FaultEvent, FaultKind, FaultMonitor, addDiagnosticObjects, type FaultDiagnostic } from "./faults.js";
import { addFirmwareObjects, wireFirmware } from "./firmware.js";
import { addIdentityObjects, validIdentity } from "./identity.js";
import { addMaxDemandObjects, addMetrologyObjects, wireMetrology } from "./metrology.js";
import { ENERGY_IMPORT_TOTAL } from "./obis-codes.js";
import { KEY_BILLING, loadEnergy, saveEnergy, saveU32 } from "./persistence.js";
import type { MeterPorts } from "./ports.js";
import { addPrepayObjects, wirePrepay } from "./prepay.js";
import { pushPowerUp, wireLastGasp, wirePush } from "./push.js";
import { RelayRecord, addRelayObjects, storedRelay, wireDisconnect, wireLimiter } from "./relay.js";
import { restoreSettings, wireSettings, type RestoreReport, type SettingsStore } from "./settings.js";
import type { MeterStatus } from "./status.js";
import { addProfileObjects, checkEnergy, checkStorage, recordDamageHandled, storageLines, wireCaptures, wireStorage } from "./storage.js";
import { CalendarActivations, addBillingCounter, addClockObject, addRateRegisters, addTariffObjects, endOfBillingSchedule, wireTariff, wireTariffEngine } from "./tariff.js";

/** Delay between the factory-defaults response and the reboot (ms). */
const FACTORY_RESET_REBOOT_MS = 1000;

export type CaptureListener = (utcMs: number) => void;

export class Meter {
  readonly config: MeterConfig;
  readonly ports: MeterPorts;
  readonly events: RamEventLog;
  readonly catalog = new Catalog();
  readonly metrology: MetrologyService;
  readonly clock: MeterClock;
  readonly bank: TouRegisterBank;
  readonly activation: RegisterActivation;
  readonly demand: DemandTracker;
  readonly billing: Billing;
  readonly calendar: ActivityCalendar;
  readonly specialDays: SpecialDaysTable;
  readonly scripts = new ScriptRegistry();
  readonly engine: TariffEngine;
  readonly disconnect: DisconnectControl;
  readonly limiter: Limiter;
  readonly profileStatus: ProfileStatusTracker;
  /** The main flash log and the load profile on it (absent on a meter built on a bare KeyValueStore). */
  readonly log: LogStore | undefined;
  /** The load profile's own ring of sectors (src/storage/budget.ts). */
  readonly loadRing: LogStore | undefined;
  /** The transmit invocation counters' second copy (on the load ring), when the meter has flash. */
  readonly counterMirror: LogKeyValueStore | undefined;
  /** What the boot found about storage: damage, an unclean shutdown, a clock behind stored data, a lost relay state. */
  readonly health: BootHealth = { damage: 0, damagedSectors: 0, damageNew: false, unclean: false, clockBehindS: 0, relayStateLost: false };
  readonly loadProfile: ProfileGeneric | undefined;
  readonly dailyProfile: ProfileGeneric | undefined;
  readonly billingProfile: BillingProfile | undefined;
  /** Hash-chained event logs in flash (class 7 views in the catalog). */
  readonly eventLogs: EventLogSink | undefined;
  readonly store: KeyValueStore;
  /** Prepayment (STS tokens, credit), when the configuration provisions it. */
  readonly prepay: PrepayService | undefined;
  /** Token entry on the customer keypad, when the board has one and prepayment is provisioned. */
  readonly keypadEntry: KeypadEntry | undefined;
  /** What clients wrote (settings.ts): restored at boot, cleared by factory defaults. */
  readonly settings: SettingsStore;
  /** What the boot-time restore applied and dropped. */
  readonly settingsRestored: RestoreReport;
  /** Firmware update (Image Transfer, class 18), when the board has slots and the config a key. */
  readonly firmware: FirmwareUpdate | undefined;
  /** True when stored energy was found at start (a restart, not a factory-fresh meter). */
  readonly restored: boolean;
  lastBilling: BillingSnapshot | undefined;
  captures = 0;
  private readonly captureListeners: CaptureListener[] = [];
  private tickTimer: TimerId | undefined;
  private monitor: RegisterMonitorObject | undefined;
  /** The DLMS server and its links; absent on a meter built without a crypto port. */
  readonly dlms: DlmsFront | undefined;
  /** Contained faults (every tick step, power-fail handler, DLMS request and event sink): see faults.ts. */
  readonly faults: FaultMonitor;
  /** Unstable starts in a row; safe mode after SAFE_MODE_AFTER of them. */
  readonly boot: BootGuard;
  /** Pushes to the head-end (src/push): absent on a meter without a DLMS front. */
  readonly pushes: PushEngine | undefined;
  /** Alarm registers, filters and descriptors (src/alarm): every logged event reaches them through `events`. */
  readonly alarms: Alarms;
  private readonly activations: CalendarActivations;
  private readonly relay: RelayRecord;
  private dlmsFaults = 0;
  private sinkFaults = 0;
  private alarmFaults = 0;
  private lastPersistMono: number;
  private stopped = false;

  /**
   * The wiring, one domain a step (each step is a function of the domain's
   * wiring module in src/meter, where its policy is written). The order is
   * the meter's start-up order and matters: storage first, since every
   * domain after it reads its state back from it; the power-fail handlers in
   * the order they must run (last gasp, metrology, firmware, the meter); the
   * catalog before the DLMS front that serves it; the settings restored once
   * the catalog is whole; the firmware self-test last.
   */
  constructor(ports: MeterPorts, config: MeterConfig) {
    checkConfig(config);
    this.config = config;
    this.ports = ports;
    this.events = new RamEventLog(64, ports.events);
    this.clock = new MeterClock(ports.rtc, this.events, config.clock);
    this.faults = new FaultMonitor(this.events, this.clock);
    this.profileStatus = new ProfileStatusTracker(this.clock);
    this.bank = new TouRegisterBank(config.tariffs);
    this.demand = new DemandTracker(config.demandPeriodS, config.tariffs);
    ({
      store: this.store,
      log: this.log,
      loadRing: this.loadRing,
      counterMirror: this.counterMirror,
      loadProfile: this.loadProfile,
      dailyProfile: this.dailyProfile,
      billingProfile: this.billingProfile,
      eventLogs: this.eventLogs,
    } = wireStorage(this, ports, config));
    this.alarms = wireAlarms(this, config);
    this.events.started();
    this.boot = new BootGuard(this.store, ports.mono.nowMs());
    if (this.boot.safeMode) this.events.record({ log: "standard", code: FaultEvent.safeMode, utcMs: this.clock.now(), value: this.boot.attempts - 1 });
    checkStorage(this, ports);
    this.settings = wireSettings(this);
    wireLastGasp(this, ports);
    this.metrology = wireMetrology(this, ports, config);
    this.restored = loadEnergy(this.store, this.bank);
    ({ activation: this.activation, billing: this.billing, specialDays: this.specialDays, calendar: this.calendar, activations: this.activations } = wireTariff(this, config));
    const relay = storedRelay(this, config);
    checkEnergy(this);
    this.disconnect = wireDisconnect(this, ports, config, relay);
    this.relay = new RelayRecord(this.store, this.disconnect);
    this.limiter = wireLimiter(this, ports, config);
    ({ prepay: this.prepay, keypadEntry: this.keypadEntry } = wirePrepay(this, ports, config));
    const endOfBilling = endOfBillingSchedule(config);
    wireCaptures(this);
    this.firmware = wireFirmware(this, ports, config);
    const resolve = this.buildCatalog(endOfBilling);
    const push = wirePush(this, ports, config, resolve);
    this.pushes = push?.engine;
    this.engine = wireTariffEngine(this, config, push ? [endOfBilling, push.schedule] : [endOfBilling], (t) => this.capture(t));
    this.dlms = wireDlms(this, ports, config);
    recordDamageHandled(this);
    this.settingsRestored = restoreSettings(this);
    this.firmware?.boot();
    const cause = ports.system.resetCause();
    if (cause === "power-on" || cause === "brown-out") {
      this.profileStatus.markPowerDown();
      pushPowerUp(this);
    }
    ports.system.onPowerFail(() => this.faults.run(FaultKind.powerFailMeter, Meter.powerFailStep, this));
    this.lastPersistMono = ports.mono.nowMs();
    this.relay.stored();
  }

  /** The catalog in object_list order, one domain's objects at a time; returns the resolver the script tables share. */
  private buildCatalog(endOfBilling: ReturnType<typeof endOfBillingSchedule>): ObjectResolver {
    const c = this.catalog;
    const resolve: ObjectResolver = (classId, name) => c.resolve(classId, name);
    const toDateTime = (utc: number) => dateTimeOs(this.clock.dateTimeAt(utc));
    addIdentityObjects(c, this.config.identity);
    addClockObject(c, this);
    this.monitor = addMetrologyObjects(c, this, toDateTime);
    addRateRegisters(c, this);
    addMaxDemandObjects(c, this, toDateTime);
    addBillingCounter(c, this);
    addDiagnosticObjects(c, this, toDateTime);
    addTariffObjects(c, this, endOfBilling, resolve);
    if (this.firmware) addFirmwareObjects(c, this.firmware);
    addProfileObjects(c, this);
    addRelayObjects(c, this);
    if (this.prepay) addPrepayObjects(c, this.prepay, this.clock, ENERGY_IMPORT_TOTAL);
    addAlarmObjects(c, this.alarms);
    return resolve;
  }

  /**
   * Factory defaults (the global meter reset script): every stored setting
   * is cleared with an event, then the meter restarts and every object
   * starts from the configuration. Energy, profiles, logs, keys and the
   * relay state are not settings and stay.
   */
  factoryDefaults(): boolean {
    this.settings.clear();
    // A board's reboot() does not return: it waits a second so that the response to the client leaves first.
    // The settings are already gone, so a power cut before then starts from the configuration as well.
    this.ports.timers.once(FACTORY_RESET_REBOOT_MS, () => this.ports.system.reboot());
    return true;
  }

  /** Sum of the rate registers of one quantity (C group): equals the metrology total unless rates were added later. */
  rateSum(quantity: number): number {
    const obis = this.bank.obis;
    let s = 0;
    for (let i = 0; i < obis.length; i++) if (obis[i].c === quantity) s += this.bank.value(obis[i]);
    return s;
  }

  /** Total active power of the last metrology sample, W (import positive). */
  activePowerW(): number {
    const s = this.metrology.instantaneous;
    if (!s) return 0;
    let p = 0;
    for (let i = 0; i < s.phases.length; i++) p += s.phases[i].activeW;
    return p;
  }

  private capture(utcMs: number): void {
    this.captures++;
    const listeners = this.captureListeners;
    for (let i = 0; i < listeners.length; i++) listeners[i](utcMs);
  }

  /** Load profiles (src/storage) subscribe here: called at each capture instant after the energy up to it. */
  onCapture(listener: CaptureListener): void {
    this.captureListeners.push(listener);
  }

  /** Starts the periodic tick on the timers port. */
  start(): void {
    if (this.tickTimer !== undefined || this.stopped) return;
    this.tickTimer = this.ports.timers.repeat(this.config.tickMs, () => this.tick());
  }

  /**
   * One metering tick: energy to the tariff registers, clock and relay
   * supervision, periodic persistence. Each step is contained (faults.ts): a
   * step that throws is counted and the others still run, the watchdog kick
   * included. In safe mode the tariff engine, limiter and monitor are left
   * out; the energy still reaches metrology's totals and is persisted.
   */
  tick(): void {
    const f = this.faults;
    const metrologySaves = this.metrology.persistCount;
    const collections = this.log?.collections ?? 0;
    const compactions = this.loadRing?.appends ?? 0;
    f.run(FaultKind.metrology, Meter.step, this);
    f.run(FaultKind.tariff, Meter.step, this);
    f.run(FaultKind.clock, Meter.step, this);
    if (!this.boot.safeMode) {
      f.run(FaultKind.limiter, Meter.step, this);
      if (this.prepay) f.run(FaultKind.prepay, Meter.step, this);
      f.run(FaultKind.monitor, Meter.step, this);
    }
    f.run(FaultKind.relay, Meter.step, this);
    if (this.pushes) f.run(FaultKind.push, Meter.step, this);
    f.run(FaultKind.alarms, Meter.step, this);
    this.ports.system.kickWatchdog();
    // The rate registers are saved in the tick in which metrology saved its
    // totals, so that after a cut without warning both come back from the
    // same instant (they can differ only if the cut falls between the two
    // writes of that tick).
    if (this.metrology.persistCount !== metrologySaves || this.ports.mono.nowMs() - this.lastPersistMono >= this.config.persistEveryMs) {
      f.run(FaultKind.persist, Meter.step, this);
    }
    this.collectFaults();
    f.run(FaultKind.persist, Meter.bootStep, this);
    // Collection ahead of need in a tick without heavy storage work (no collection, no day compacted into the
    // load ring): the capture tick that compacts a day then finds free sectors (LogStore.maintain).
    if (this.log && this.log.collections === collections && (this.loadRing?.appends ?? 0) === compactions) f.run(FaultKind.persist, Meter.maintainStep, this);
  }

  // The tick's steps: one static method, made once with the class (in flash on a device), not a closure
  // per meter nor a function per step; the tick runs every second and allocates nothing to call it.
  private static step(m: Meter, kind: FaultKind): void {
    switch (kind) {
      case FaultKind.metrology:
        m.metrology.tick();
        break;
      case FaultKind.tariff:
        m.toRegisters();
        m.activations.store(m.settings);
        break;
      case FaultKind.clock:
        m.clock.poll();
        break;
      case FaultKind.limiter:
        m.limiter.poll();
        break;
      case FaultKind.prepay:
        m.prepay?.tick();
        break;
      case FaultKind.monitor:
        m.monitor?.evaluate();
        break;
      case FaultKind.persist:
        m.persist();
        break;
      case FaultKind.push:
        m.pushes?.poll();
        break;
      case FaultKind.alarms:
        m.alarms.tick();
        break;
      case FaultKind.relay:
        m.disconnect.checkFeedback();
        m.relay.saveIfChanged();
        break;
    }
  }

  private static bootStep(m: Meter): void {
    m.boot.check(m.ports.mono.nowMs(), m.faults);
  }
  private static maintainStep(m: Meter): void {
    m.log?.maintain();
  }
  private static tariffOnly(m: Meter): void {
    m.toRegisters();
  }
  private static powerFailStep(m: Meter): void {
    m.powerFail();
  }

  /**
   * The energy since the last tick to the rate registers: through the tariff
   * engine, or in safe mode straight to the registers the activation mask
   * selects now (no schedules, calendar switches or captures run).
   */
  private toRegisters(): void {
    const deltas = this.metrology.take();
    if (this.boot.safeMode) this.activation.accumulate(this.bank, deltas, 1);
    else this.engine.tick(this.clock.now(), deltas);
  }

  /** Faults counted elsewhere (the xDLMS server, the event sinks) join the meter's count. */
  private collectFaults(): void {
    const dlms = this.dlms?.server.faults ?? 0;
    this.faults.record(FaultKind.dlms, dlms - this.dlmsFaults);
    this.dlmsFaults = dlms;
    const sink = this.events.sinkFaults;
    this.faults.record(FaultKind.events, sink - this.sinkFaults);
    this.sinkFaults = sink;
    const alarms = this.alarms.listenerFaults;
    this.faults.record(FaultKind.alarms, alarms - this.alarmFaults);
    this.alarmFaults = alarms;
  }

  /** The storage budget's lines (partition, areas, streams), for the start-up print. */
  get storageLines(): readonly string[] {
    return storageLines(this.ports, this.config);
  }

  /** The diagnostic object's content (also a COSEM Data object, ln.FAULT_DIAGNOSTIC). */
  faultDiagnostic(): FaultDiagnostic {
    this.collectFaults();
    return { total: this.faults.total, safeMode: this.boot.safeMode, bootAttempts: this.boot.stable ? 0 : this.boot.attempts, byKind: this.faults.byKind() };
  }

  /** Writes everything that must survive a restart. */
  persist(): void {
    const store = this.store;
    saveSeen(store, this.clock.now());
    saveEnergy(store, this.bank);
    saveU32(store, KEY_BILLING, this.billing.counter);
    this.prepay?.persist();
    this.relay.save();
    this.lastPersistMono = this.ports.mono.nowMs();
  }

  /**
   * The power-fail path (after metrology's own handler drained the IC and
   * persisted): the energy up to this instant goes to the rate registers,
   * then everything is saved.
   */
  powerFail(): void {
    if (this.stopped) return;
    // The registers are saved even if the tariff step faults (its energy then reaches only metrology's totals).
    this.faults.run(FaultKind.tariff, Meter.tariffOnly, this);
    this.persist();
  }

  /** Stops the tick and saves (a clean shutdown is a power-fail with warning), then closes the links. */
  stop(): void {
    if (this.stopped) return;
    this.faults.run(FaultKind.powerFailMetrology, () => this.metrology.powerFail());
    this.faults.run(FaultKind.powerFailMeter, Meter.powerFailStep, this);
    this.dlms?.close();
    this.pushes?.stop();
    if (this.tickTimer !== undefined) this.ports.timers.clear(this.tickTimer);
    this.tickTimer = undefined;
    this.stopped = true;
  }

  status(): MeterStatus {
    const utc = this.clock.now();
    return {
      utcMs: utc,
      local: this.clock.dateTimeAt(utc),
      tariff: activeTariff(this.activation),
      activePowerW: this.activePowerW(),
      importWh: this.metrology.energy(0, Qty.importActive),
      exportWh: this.metrology.energy(0, Qty.exportActive),
      relayConnected: this.disconnect.outputState,
      controlState: this.disconnect.controlState,
      captures: this.captures,
      billingPeriods: this.billing.counter,
      faults: this.faultDiagnostic().total,
      safeMode: this.boot.safeMode,
      ...(this.prepay ? { creditWh: this.prepay.available() } : {}),
    };
  }
}

/** The configuration a meter refuses to start with. */
function checkConfig(config: MeterConfig): void {
  if (!validIdentity(config.identity)) throw new Error("invalid meter identity (FLAG id: 3 letters, serial: 1..13 digits)");
  // Local midnight must be a capture instant (the daily profile captures there).
  if (!(config.capturePeriodS >= 1 && 86400 % config.capturePeriodS === 0)) throw new Error(`capture period ${config.capturePeriodS} s does not divide a day`);
}

/** Builds the meter from its ports; `config` overrides the factory defaults (derived ones, such as the tariff scripts, follow the overrides). */
export function createMeter(ports: MeterPorts, config: Partial<MeterConfig> = {}): Meter {
  return new Meter(ports, { ...defaultConfig(config.identity, config.tariffs), ...config });
}
