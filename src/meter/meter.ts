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
import { Tag } from "../cosem/axdr.js";
import { ActivityCalendarObject } from "../cosem/classes/activity-calendar.js";
import { ClockObject } from "../cosem/classes/clock.js";
import { DisconnectControlObject } from "../cosem/classes/disconnect-control.js";
import { LimiterObject } from "../cosem/classes/limiter.js";
import { RegisterActivationObject } from "../cosem/classes/register-activation.js";
import { ScriptTableObject } from "../cosem/classes/script-table.js";
import { SingleActionScheduleObject } from "../cosem/classes/single-action-schedule.js";
import { SpecialDaysTableObject } from "../cosem/classes/special-days-table.js";
import type { TimerId } from "../../hal/timer.js";
import type { EventSink } from "../events.js";
import { Obis } from "../cosem/obis.js";
import { ControlState, DisconnectControl } from "../relay/disconnect.js";
import { Limiter } from "../relay/limiter.js";
import { BILLING_COUNTER_OBIS, Billing, DemandTracker, activeTariff, billingCaptureTarget, type BillingSnapshot } from "../tariff/billing.js";
import { ActivityCalendar, SpecialDaysTable } from "../tariff/calendar.js";
import { MeterClock } from "../tariff/clock.js";
import { StandardEventCode } from "../tariff/event-codes.js";
import { TariffEngine } from "../tariff/engine.js";
import { ProfileStatusTracker } from "../tariff/profile-status.js";
import { TouRegisterBank, standardTouActivation, type RegisterActivation } from "../tariff/registers.js";
import { SingleActionSchedule } from "../tariff/schedule.js";
import { ScriptRegistry, ScriptTable, internalContext } from "../tariff/script-table.js";
import { Catalog, allMethods, noMethods, readAll } from "./catalog.js";
import { defaultConfig, type MeterConfig } from "./config.js";
import { RamEventLog } from "./events.js";
import { logicalDeviceName, serialNumberBytes, validIdentity } from "./identity.js";
import { DataObject } from "../cosem/classes/data.js";
import { RegisterObject, Unit, intData, type RegisterBinding } from "../cosem/classes/register.js";
import { frozen } from "../util/frozen.js";
import type { RegisterMonitorObject } from "../cosem/classes/register-monitor.js";
import { maxDemandCatalog, metrologyCatalog, registerMonitorOf } from "./metrology.js";
import { dateTimeOs } from "../cosem/axdr-helpers.js";
import { DlmsFront } from "./dlms.js";
import { ProfileGeneric } from "../cosem/classes/profile-generic.js";
import type { Data } from "../cosem/axdr.js";
import { EventLogSink } from "../storage/event-logs.js";
import { LogKeyValueStore, maxRecords } from "../storage/kv-store.js";
import { LogStore } from "../storage/log-store.js";
import { DEFAULT_BUDGET, StorageBudgetError, checkBudget, storageAreas, withDepths } from "../storage/budget.js";
import { StorageEventCode, checkUncleanShutdown, loadDamage, loadSeen, saveDamage, saveSeen, type BootHealth } from "../storage/health.js";
import { BillingProfile, dailyProfile, energyRegister, loadProfile, loadProfileChunkRows } from "../storage/meter-profiles.js";
import type { KeyValueStore } from "../persistence.js";
import { ImageTransferObject } from "../cosem/classes/image-transfer.js";
import { MCUBOOT_ESP32, maxImageSize } from "../fota/bootloader-config.js";
import { versionString } from "../fota/image.js";
import { FirmwareUpdate } from "../fota/transfer.js";
import { ImageVerifier } from "../fota/verify.js";
import * as ln from "./obis-codes.js";
import { Qty } from "../metrology/accumulators.js";
import { MetrologyService } from "../metrology/service.js";
import { KEY_BILLING, KEY_RELAY, loadEnergy, loadRelay, loadU32, saveEnergy, saveRelay, saveU32, type RelayState } from "./persistence.js";
import type { MeterPorts } from "./ports.js";
import type { MeterStatus } from "./status.js";
import { BootGuard, FaultEvent, FaultKind, FaultMonitor, guardedSystem, type FaultDiagnostic } from "./faults.js";
import type { PrepayService } from "../prepay/service.js";
import { addPrepayObjects, buildPrepay } from "./prepay.js";
import { KeypadEntry } from "../prepay/keypad-entry.js";
import { FactoryResetScriptTable } from "./factory-reset.js";
import { SettingsStore, type RestoreReport } from "./settings.js";
import type { PushEngine } from "../push/engine.js";
import { PushReason } from "../push/engine.js";
import { PushLn, buildPush } from "./push.js";
import { Alarms } from "../alarm/alarms.js";
import { addAlarmObjects } from "./alarm-objects.js";

/** Activity calendar attributes kept as settings: the active and passive calendars and the activation time. */
const CALENDAR_SETTINGS = Object.freeze([2, 3, 4, 5, 6, 7, 8, 9, 10] as const);

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
  /** The storage budget's lines (partition, areas, streams), for the start-up print. */
  readonly storageLines: readonly string[] = [];
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
  readonly #captureListeners: CaptureListener[] = [];
  #tickTimer: TimerId | undefined;
  #monitor: RegisterMonitorObject | undefined;
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
  #dlmsFaults = 0;
  #sinkFaults = 0;
  #alarmFaults = 0;
  #lastPersistMono: number;
  #savedRelay = -1;
  #stopped = false;
  #calendarActivated = false;

  constructor(ports: MeterPorts, config: MeterConfig) {
    if (!validIdentity(config.identity)) throw new Error("invalid meter identity (FLAG id: 3 letters, serial: 1..13 digits)");
    // Local midnight must be a capture instant (the daily profile captures there).
    if (!(config.capturePeriodS >= 1 && 86400 % config.capturePeriodS === 0)) throw new Error(`capture period ${config.capturePeriodS} s does not divide a day`);
    this.config = config;
    this.ports = ports;
    this.events = new RamEventLog(64, ports.events);
    const events: EventSink = this.events;
    // Storage first: every domain below reads its state back from it.
    this.clock = new MeterClock(ports.rtc, events, config.clock);
    this.faults = new FaultMonitor(events, () => this.clock.now());
    this.profileStatus = new ProfileStatusTracker(this.clock);
    this.bank = new TouRegisterBank(config.tariffs);
    this.demand = new DemandTracker(config.demandPeriodS, config.tariffs);
    if (ports.flash) {
      // The partition as a budget: refuse to start on one that cannot keep every promised depth.
      // The board's budget with the depths the configuration asks for: the configuration is the one source of depths, the budget of the split.
      const budget = withDepths(ports.storageBudget ?? DEFAULT_BUDGET, config.profileEntries, loadProfileChunkRows(config.capturePeriodS), config.dailyProfileEntries, config.billingProfileEntries);
      const check = checkBudget(budget, ports.flash.geometry);
      if (check.problems.length) throw new StorageBudgetError(check.problems);
      this.storageLines = check.lines;
      const areas = storageAreas(ports.flash, budget);
      const log = new LogStore(areas.main);
      const ring = new LogStore(areas.load, "oldest");
      this.log = log;
      this.loadRing = ring;
      this.store = new LogKeyValueStore(log);
      // The transmit counters' second copy lives on the load ring: other sectors, so damage to one area leaves a copy.
      this.counterMirror = new LogKeyValueStore(ring);
      // Every owner registers before the mount scan; profile sources read metrology only at capture time.
      const energy = (c: number) => (): Data => intData(Tag.DoubleLongUnsigned, this.metrology ? Math.floor(this.metrology.registerEnergy(0, c)) : 0);
      const sources = [1, 2, 3, 4].map((c) => ({ definition: energyRegister(c), read: energy(c) }));
      this.loadProfile = new ProfileGeneric({ ...loadProfile(log, this.profileStatus, sources, { periodS: config.capturePeriodS, capacity: config.profileEntries }, 0, ring), timeBase: this.clock });
      this.dailyProfile = new ProfileGeneric({ ...dailyProfile(log, this.profileStatus, sources, config.dailyProfileEntries, 1), timeBase: this.clock });
      this.billingProfile = new BillingProfile(log, this.bank.obis, this.demand.maxima.map((m) => m.obis), {
        stream: 2,
        capacity: config.billingProfileEntries,
        endOfBilling: (utc) => this.billing.endOfPeriod(utc),
      });
      const eventLogs = ports.crypto ? new EventLogSink(log, ports.crypto) : undefined;
      // The ring first: the load profile finishes its index when the main log (its journal) is mounted.
      // At the first start the ring is formatted before the main log's first append, so a formatted main
      // log proves the ring formatted too: a ring sector erased behind the store's back is damage even
      // while no ring sector holds data yet.
      ring.mount(LogStore.formatted(areas.main));
      log.mount();
      if (eventLogs) {
        this.eventLogs = eventLogs;
        this.events.attach(eventLogs);
      }
    } else if (ports.store) {
      this.store = ports.store;
    } else {
      throw new Error("a meter needs a flash partition or a KeyValueStore");
    }
    // The alarms take every event from the one log, like the flash logs; attached before start-up ends, so
    // the events of this boot so far (clock invalid, storage damage) are replayed into them too.
    this.alarms = new Alarms(this.store, config.alarmFilters);
    this.events.attach(this.alarms);
    this.events.started();
    const store = this.store;
    this.boot = new BootGuard(store, ports.mono.nowMs());
    if (this.boot.safeMode) events.record({ log: "standard", code: FaultEvent.safeMode, utcMs: this.clock.now(), value: this.boot.attempts - 1 });
    this.#checkStorage(ports);
    // Every catalog row with settings is bound to the store as it is added; restore() runs once the catalog is whole.
    // On flash one setting is one KV record, which one log record body bounds.
    const settings = new SettingsStore(store, events, () => this.clock.now(), this.log ? this.log.maxBody : Infinity);
    this.settings = settings;
    this.catalog.attachSettings(settings);

    // The last gasp goes first on the power-fail signal, before any flash save (metrology's and the meter's below).
    const holdUp = ports.holdUp;
    if (holdUp) ports.system.onPowerFail(() => this.faults.run(FaultKind.powerFailPush, () => this.pushes?.lastGasp(PushLn.powerDown, holdUp.holdUpMs - holdUp.saveMs)));
    // Built first so that its power-fail handler (drain the IC, persist) runs before the meter's.
    this.metrology = new MetrologyService({
      ic: ports.energyIc,
      store,
      events,
      rtc: ports.rtc,
      system: guardedSystem(ports.system, this.faults, FaultKind.powerFailMetrology),
      tamper: ports.tamper,
      defaultCalibration: ports.defaultCalibration,
      config: { demandPeriodS: config.demandPeriodS },
    });
    this.restored = loadEnergy(store, this.bank);
    this.activation = standardTouActivation(this.bank, config.tariffs);
    const billingProfile = this.billingProfile;
    this.billing = new Billing(this.bank, this.demand, {
      capture: (s) => {
        this.lastBilling = s;
        billingProfile?.capture(s);
      },
    });
    this.billing.counter = loadU32(store, KEY_BILLING) ?? 0;
    this.specialDays = new SpecialDaysTable();
    // A scheduled activation changes the active calendar outside any client request: the tick stores it (see tick()).
    const calendarEvents: EventSink = {
      record: (e) => {
        events.record(e);
        if (e.log === "standard" && e.code === StandardEventCode.touActivated) this.#calendarActivated = true;
      },
    };
    this.calendar = new ActivityCalendar(this.clock, this.specialDays, calendarEvents, config.calendar);

    const relay = this.#storedRelay(store, config);
    this.#checkEnergy();
    this.disconnect = new DisconnectControl(
      ports.relay,
      ports.relayFeedback,
      events,
      () => this.clock.now(),
      relay?.mode ?? config.disconnectMode,
      (relay?.state ?? ControlState.connected) as ControlState,
    );
    if (ports.button) this.disconnect.attachButton(ports.button);

    this.limiter = this.#buildLimiter(ports, config, events);
    if (config.prepay) {
      const m = this.metrology;
      this.prepay = buildPrepay(config.prepay, { store, events, clock: this.clock, specialDays: this.specialDays, importWh: () => m.energy(0, Qty.importActive), disconnect: this.disconnect, limiter: this.limiter });
      if (ports.keypad) this.keypadEntry = new KeypadEntry(ports.keypad, ports.timers, this.prepay);
    }

    const eob = config.endOfBilling;
    const endOfBilling = new SingleActionSchedule(eob.script.scriptLn.slice(), eob.script.selector, eob.type, eob.times.map((t) => ({ time: { ...t.time }, date: { ...t.date } })));
    // Captures never store a time at or before the newest stored row (a clock that came back behind stored data, see #checkStorage).
    const lp = this.loadProfile;
    if (lp) this.onCapture((t) => {
      if (t > lp.store.lastUtcMs) lp.capture(t);
    });
    // The daily profile captures at local midnight, which is always one of the capture instants.
    const dp = this.dailyProfile;
    if (dp) this.onCapture((t) => {
      if (this.clock.localMsAt(t) % 86400000 === 0 && t > dp.store.lastUtcMs) dp.capture(t);
    });
    if (ports.slots && config.fota && ports.crypto) this.firmware = this.#buildFirmware(ports.slots, config.fota, ports);
    this.#buildCatalog(endOfBilling);
    // Push Setups resolve their values and security late (the DLMS front is built below); the schedule joins the tariff engine's.
    const push = ports.crypto
      ? buildPush(config.push, {
          catalog: this.catalog,
          scripts: this.scripts,
          clock: this.clock,
          timers: ports.linkTimers ?? ports.timers,
          store,
          crypto: ports.crypto,
          security: (name) => this.dlms?.setups[name],
          connector: ports.tcpClient,
        })
      : undefined;
    this.pushes = push?.engine;
    // An alarm bit that rose and passed its filter (src/alarm) pushes the on-alarm setup; its body carries the descriptors.
    const pushes = this.pushes;
    if (pushes) this.alarms.onAlarm(() => {
      pushes.trigger(PushLn.alarm, PushReason.alarm);
    });

    this.engine = new TariffEngine({
      clock: this.clock,
      calendar: this.calendar,
      scripts: this.scripts,
      activation: this.activation,
      bank: this.bank,
      demand: this.demand,
      schedules: push ? [endOfBilling, push.schedule] : [endOfBilling],
      capturePeriodS: config.capturePeriodS,
      onCapture: (t) => this.#capture(t),
    });

    if (ports.crypto) {
      const id = config.identity;
      this.dlms = new DlmsFront({
        catalog: this.catalog,
        crypto: ports.crypto,
        store,
        counterMirror: this.counterMirror,
        events,
        nowUtcMs: () => this.clock.now(),
        security: config.security,
        logicalDeviceName: logicalDeviceName(id),
        manufacturer: id.manufacturer,
        identification: id.serial,
        linkTimers: ports.linkTimers ?? ports.timers,
        tcp: ports.tcp,
        optical: ports.optical,
      });
    }

    // New damage handled (logged, counters raised and stored above): recorded so that later boots do not handle it again.
    if (this.health.damageNew) {
      if (this.store instanceof LogKeyValueStore) this.store.lostRecordBound = 0;
      if (this.counterMirror) this.counterMirror.lostRecordBound = 0;
      saveDamage(store, this.#damageFingerprint(), this.health.lastDamageUtcMs ?? this.clock.now());
    }

    // Before the meter serves (the links deliver bytes only through timers,
    // which run after the constructor): what clients wrote comes back. The
    // domains' change events were logged when the client made the change.
    const restored = this.events.quiet(() => settings.restore());
    settings.recordDrops(restored);
    this.settingsRestored = restored;

    // Last: the self-test of a new image is that everything above was built.
    this.firmware?.boot();

    const cause = ports.system.resetCause();
    if (cause === "power-on" || cause === "brown-out") {
      this.profileStatus.markPowerDown();
      // Power restored: the power-up notification (on-connectivity push).
      this.pushes?.trigger(PushLn.connectivity, PushReason.powerUp);
    }
    ports.system.onPowerFail(() => this.faults.run(FaultKind.powerFailMeter, () => this.powerFail()));
    this.#lastPersistMono = ports.mono.nowMs();
    this.#savedRelay = this.#relayKey();
  }

  /** Energy total of a quantity by OBIS C (1 +A, 2 -A, 3 +R = QI+QII, 4 -R = QIII+QIV). */
  /**
   * FOTA: blocks go to the secondary slot, verification is the
   * bootloader's (same keys), activation requests a test swap and reboots.
   * boot() runs at every start: on the first boot of a new image it runs the
   * self-test (the meter was built, so the catalog and the store work) and
   * confirms the image, or leaves the bootloader to revert it.
   */
  /**
   * The relay state to start from. The relay never closes because its state was lost: a meter with
   * stored data but no readable (or, after damage, no proven-current) relay state comes back ready
   * for reconnection.
   */
  #storedRelay(store: KeyValueStore, config: MeterConfig): RelayState | undefined {
    const relay = loadRelay(store);
    const relayProven = !(store instanceof LogKeyValueStore) || store.proven(KEY_RELAY);
    if ((!relay && (this.restored || this.health.damage > 0)) || (relay && relay.state === ControlState.connected && !relayProven)) {
      this.health.relayStateLost = true;
      this.events.record({ log: "disconnector", code: StorageEventCode.relayStateLost, utcMs: this.clock.now() });
      return { state: ControlState.readyForReconnection, mode: config.disconnectMode };
    }
    return relay;
  }

  /** The load limiter on the active power, set from the configuration. */
  #buildLimiter(ports: MeterPorts, config: MeterConfig, events: EventSink): Limiter {
    const limiter = new Limiter(
      { classId: 3, logicalName: ln.ACTIVE_POWER, attribute: 2 },
      () => this.activePowerW(),
      () => this.clock.now(),
      ports.mono,
      (ref, utc) => this.scripts.run(ref.scriptLn, ref.selector, internalContext(utc)),
      events,
    );
    // Configuration, not a change: assigned directly so that no threshold event is logged at start.
    const lc = config.limiter;
    limiter.thresholdNormal = lc.thresholdNormal;
    limiter.thresholdEmergency = lc.thresholdEmergency;
    limiter.minOverS = lc.minOverS;
    limiter.minUnderS = lc.minUnderS;
    limiter.actionOver = { scriptLn: lc.actionOver.scriptLn.slice(), selector: lc.actionOver.selector };
    limiter.actionUnder = { scriptLn: lc.actionUnder.scriptLn.slice(), selector: lc.actionUnder.selector };
    limiter.localToUtc = (localMs) => this.clock.utcOfLocal(localMs);
    return limiter;
  }

  #buildFirmware(slots: NonNullable<MeterPorts["slots"]>, fota: NonNullable<MeterConfig["fota"]>, ports: MeterPorts): FirmwareUpdate {
    // The verdict is the board's bootloader's: its signature type, allow-list and trailer geometry.
    const bootloader = { ...(fota.bootloader ?? MCUBOOT_ESP32), signature: fota.signature };
    const verifier = new ImageVerifier(
      { signature: fota.signature, keys: fota.keys, tlvAllowList: bootloader.tlvAllowList, maxImageSize: maxImageSize(bootloader, slots.secondary.byteLength) },
      ports.crypto!,
    );
    const fw = new FirmwareUpdate(
      {
        primary: slots.primary,
        secondary: slots.secondary,
        store: this.store,
        system: guardedSystem(ports.system, this.faults, FaultKind.powerFailFirmware),
        events: this.events,
        verifier,
        nowUtcMs: () => this.clock.now(),
        selfTest: () => this.catalog.entries.length > 0 && (fota.selfTest === undefined || fota.selfTest()),
      },
      { blockSize: fota.blockSize, bootloader, refuseVersionDowngrade: fota.refuseVersionDowngrade },
    );
    return fw;
  }

  #buildCatalog(endOfBilling: SingleActionSchedule): void {
    const c = this.catalog;
    const resolve = (classId: number, name: Obis) => c.resolve(classId, name);
    const id = this.config.identity;

    // Identity: every association, the public client included, may read it (it is how a client finds the meter).
    const everyone = (attrs: string, methods = "") => ({
      public: [attrs, methods],
      reader: [attrs, methods],
      management: [attrs, methods],
      firmware: [attrs, methods],
    }) as const;
    c.add(DataObject.constant(ln.LOGICAL_DEVICE_NAME, { tag: Tag.OctetString, value: logicalDeviceName(id) }), everyone("r r"));
    c.add(DataObject.constant(ln.SERIAL_NUMBER, { tag: Tag.OctetString, value: serialNumberBytes(id) }), everyone("r r"));

    // The time itself (attribute 2) lives in the RTC, not in the settings.
    c.add(
      new ClockObject(this.clock, ln.CLOCK),
      {
        public: ["r r r r r r r r r", noMethods(6)],
        reader: [readAll(9), noMethods(6)],
        management: ["r rw rw r rw rw rw rw r", allMethods(6)],
        firmware: ["r r - - - - - - -", noMethods(6)],
      },
      [3, 5, 6, 7, 8],
    );

    // Metrology's rows (energy totals per phase and quadrant, instantaneous values, demand, monitor, calibration).
    const toDateTime = (utc: number) => dateTimeOs(this.clock.dateTimeAt(utc));
    const metrologyRows = metrologyCatalog(this.metrology, {
      nowUtc: () => this.clock.now(),
      runScript: (ref) => this.scripts.run(ref.script.toBytes(), ref.selector, internalContext(this.clock.now())),
      toDateTime,
    });
    for (const row of metrologyRows) c.addEntry(row);
    this.#monitor = registerMonitorOf(metrologyRows);
    // The rate registers of the tariff bank (1.0.c.8.t.255), whole Wh / varh as the display shows them.
    const registerRights = { reader: [readAll(3), noMethods(1)], management: [readAll(3), noMethods(1)] } as const;
    for (const o of this.bank.obis) c.add(new RegisterObject(o, o.c <= 2 ? WH : VARH, new RateRegisterValue(this.bank, o)), registerRights);
    for (const row of maxDemandCatalog(this.demand.maxima, toDateTime)) c.addEntry(row);
    c.add(new DataObject(BILLING_COUNTER_OBIS, { read: () => ({ tag: Tag.DoubleLongUnsigned, value: this.billing.counter >>> 0 }) }), {
      reader: ["r r", ""],
      management: ["r r", ""],
    });

    // Contained faults: {total, safe mode, unstable starts, [{kind, count}]} (faults.ts).
    c.add(new DataObject(ln.FAULT_DIAGNOSTIC, { read: () => faultData(this.faultDiagnostic()) }), { reader: ["r r", ""], management: ["r r", ""] });
    // Storage damage: {damaged records and regions, damaged or missing sectors, when the damage was first found} (storageData).
    if (this.log) c.add(new DataObject(ln.STORAGE_DIAGNOSTIC, { read: () => storageData(this.storageDiagnostic(), toDateTime) }), {
        // Public too: when damage took the transmit counters, the ciphered associations are refused and this says why.
        public: ["r r", ""],
        reader: ["r r", ""],
        management: ["r r", ""],
      });

    // Tariff configuration: management writes, reader reads.
    // The active calendar (2..5) is a setting too: activation changes it, a client never writes it.
    c.add(
      new ActivityCalendarObject(this.calendar, ln.ACTIVITY_CALENDAR),
      {
        reader: [readAll(10), noMethods(1)],
        management: ["r r r r r rw rw rw rw rw", allMethods(1)],
      },
      CALENDAR_SETTINGS,
    );
    c.add(new SpecialDaysTableObject(this.specialDays, ln.SPECIAL_DAYS), { reader: [readAll(2), noMethods(2)], management: ["r rw", allMethods(2)] });
    // The active mask is the calendar's to set at every tariff switch: only the assignment and the masks are settings.
    c.add(new RegisterActivationObject(this.activation, ln.REGISTER_ACTIVATION), { reader: [readAll(4), noMethods(3)], management: ["r rw rw rw", allMethods(3)] }, [2, 3]);

    const profileRights = { reader: [readAll(8), noMethods(2)], management: ["r r r r rw r r r", allMethods(2)] } as const;
    // The end-of-billing script executes method 2 of the billing profile; without flash a stand-in takes the call.
    if (this.billingProfile) c.add(new ProfileGeneric({ ...this.billingProfile.profile, timeBase: this.clock }), profileRights);
    else c.addInternal(billingCaptureTarget(this.billing, ln.BILLING_PROFILE));
    for (const tc of this.config.scriptTables) {
      // Copies: a client's write replaces the table's scripts, never the configuration's.
      const t = new ScriptTable(tc.logicalName, tc.scripts.map((sc) => ({ id: sc.id, actions: sc.actions.map((a) => ({ ...a })) })), resolve);
      this.scripts.add(t);
      c.add(new ScriptTableObject(t), { reader: [readAll(2), noMethods(1)], management: ["r rw", allMethods(1)] });
    }
    // Global meter reset (Blue Book 0.0.10.0.0.255): script 1 restores the factory defaults, management only.
    c.add(new FactoryResetScriptTable(ln.GLOBAL_METER_RESET, () => this.factoryDefaults()), { management: ["r r", allMethods(1)] });
    c.add(new SingleActionScheduleObject(endOfBilling, ln.END_OF_BILLING_SCHEDULE), { reader: [readAll(4), ""], management: ["r rw rw rw", ""] });

    if (this.firmware) {
      // The firmware client and management transfer images; the reader may watch the progress.
      const transfer: [string, string] = ["r r r r rw r r", "x x x x"];
      // image_transfer_enabled is kept by the firmware update service itself.
      c.add(new ImageTransferObject(this.firmware, ln.IMAGE_TRANSFER), { reader: [readAll(7), noMethods(4)], management: transfer, firmware: transfer }, []);
      // Which firmware runs (Blue Book 7.5.1 / IDIS): the identifier is the
      // running MCUboot image's version, the signature its image hash (what
      // the bootloader checked), read from the primary slot on first use
      // (hashing the slot is not worth doing at every start).
      const fw = this.firmware;
      const empty = new Uint8Array(0);
      const identifier = () => {
        const r = fw.running;
        return { tag: Tag.OctetString, value: r ? asciiBytes(versionString(r.version)) : empty } as const;
      };
      c.add(new DataObject(ln.ACTIVE_FIRMWARE_IDENTIFIER, { read: identifier }), everyone("r r"));
      c.add(new DataObject(ln.ACTIVE_FIRMWARE_SIGNATURE, { read: () => ({ tag: Tag.OctetString, value: fw.running?.hash ?? empty }) as const }), everyone("r r"));
    }
    for (const p of [this.loadProfile, this.dailyProfile]) if (p) c.add(p, profileRights);
    if (this.eventLogs) for (const p of this.eventLogs.profiles()) c.add(new ProfileGeneric({ ...p, timeBase: this.clock }), profileRights);
    // The control mode is a setting (stored before the response); the relay record written by the tick carries it too, but too late for a restart right after the write.
    c.add(new DisconnectControlObject(this.disconnect, ln.DISCONNECT_CONTROL), {
      public: ["r r r -", noMethods(2)],
      reader: [readAll(4), noMethods(2)],
      management: ["r r r rw", allMethods(2)],
    });
    c.add(new LimiterObject(this.limiter, ln.LIMITER), {
      reader: [readAll(11), ""],
      management: ["r rw r rw rw rw rw rw rw r rw", ""],
    });
    if (this.prepay) addPrepayObjects(c, this.prepay, this.clock, ln.ENERGY_IMPORT_TOTAL);
    addAlarmObjects(c, this.alarms);
  }

  /**
   * Boot checks of the storage (src/storage/health.ts), before metrology
   * restores its record: damage found by the mount, a shutdown without the
   * power-fail path, a clock behind the newest stored data.
   */
  #checkStorage(ports: MeterPorts): void {
    const now = this.clock.now();
    const h = this.health;
    h.damage = (this.log?.damaged ?? 0) + (this.loadRing?.damaged ?? 0);
    h.damagedSectors = (this.log?.damagedSectors ?? 0) + (this.loadRing?.damagedSectors ?? 0);
    if (h.damage > 0) {
      // Damage is handled once: while the same damage stays in flash, later boots neither log it nor skip again.
      // (A record of the same fingerprint means the counters were raised and stored after this very damage existed.)
      const known = loadDamage(this.store);
      if (known && known.fingerprint === this.#damageFingerprint()) {
        h.lastDamageUtcMs = known.utcMs;
      } else {
        h.damageNew = true;
        h.lastDamageUtcMs = now;
        this.events.record({ log: "standard", code: StorageEventCode.damage, utcMs: now, value: h.damage });
        // Invocation counters skip every value a lost record could have reserved, and store the skip (src/cosem/security/counters.ts).
        if (this.store instanceof LogKeyValueStore && this.log) this.store.lostRecordBound = maxRecords(this.log);
        if (this.counterMirror && this.loadRing) this.counterMirror.lostRecordBound = maxRecords(this.loadRing);
      }
    }
    const newest = Math.max(loadSeen(this.store) ?? 0, this.loadProfile?.store.lastUtcMs ?? 0, this.dailyProfile?.store.lastUtcMs ?? 0);
    const down = checkUncleanShutdown(this.store, ports.system.resetCause(), newest, now, this.events);
    h.unclean = down.unclean;
    h.downUtcMs = down.downUtcMs;
    if (newest > now) {
      // Captures would repeat or go back in time: the clock is not trusted until it is set.
      h.clockBehindS = Math.round((newest - now) / 1000);
      this.events.record({ log: "standard", code: StorageEventCode.clockBehindStoredData, utcMs: now, value: h.clockBehindS });
      this.clock.markInvalid();
    }
  }

  /** Both areas' damage fingerprints in one number (0 without damage). */
  #damageFingerprint(): number {
    return (Math.imul(this.log?.damageFingerprint ?? 0, 31) + (this.loadRing?.damageFingerprint ?? 0)) >>> 0;
  }

  /** Energy never comes back below the last capture that stored it without an event saying so. */
  #checkEnergy(): void {
    const last = this.loadProfile?.store.last();
    if (!last) return;
    const now = Math.floor(this.rateSum(1) % 1e9);
    if (now + 1 < last.values[0]) this.events.record({ log: "standard", code: StorageEventCode.energyBelowStored, utcMs: this.clock.now(), value: last.values[0] - now });
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
    let s = 0;
    for (const o of this.bank.obis) if (o.c === quantity) s += this.bank.value(o);
    return s;
  }

  /** Total active power of the last metrology sample, W (import positive). */
  activePowerW(): number {
    const s = this.metrology.instantaneous;
    if (!s) return 0;
    let p = 0;
    for (const ph of s.phases) p += ph.activeW;
    return p;
  }

  #capture(utcMs: number): void {
    this.captures++;
    for (const l of this.#captureListeners) l(utcMs);
  }

  /** State and mode in one number (mode is 0..6): compared every tick without building anything. */
  #relayKey(): number {
    return this.disconnect.controlState * 16 + this.disconnect.controlMode;
  }

  /** Load profiles (src/storage) subscribe here: called at each capture instant after the energy up to it. */
  onCapture(listener: CaptureListener): void {
    this.#captureListeners.push(listener);
  }

  /** Starts the periodic tick on the timers port. */
  start(): void {
    if (this.#tickTimer !== undefined || this.#stopped) return;
    this.#tickTimer = this.ports.timers.repeat(this.config.tickMs, () => this.tick());
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
    f.run(FaultKind.metrology, this.#metrologyStep);
    f.run(FaultKind.tariff, this.#tariffStep);
    f.run(FaultKind.clock, this.#clockStep);
    if (!this.boot.safeMode) {
      f.run(FaultKind.limiter, this.#limiterStep);
      if (this.prepay) f.run(FaultKind.prepay, this.#prepayStep);
      f.run(FaultKind.monitor, this.#monitorStep);
    }
    f.run(FaultKind.relay, this.#relayStep);
    if (this.pushes) f.run(FaultKind.push, this.#pushStep);
    f.run(FaultKind.alarms, this.#alarmStep);
    this.ports.system.kickWatchdog();
    // The rate registers are saved in the tick in which metrology saved its
    // totals, so that after a cut without warning both come back from the
    // same instant (they can differ only if the cut falls between the two
    // writes of that tick).
    if (this.metrology.persistCount !== metrologySaves || this.ports.mono.nowMs() - this.#lastPersistMono >= this.config.persistEveryMs) {
      f.run(FaultKind.persist, this.#persistStep);
    }
    this.#collectFaults();
    f.run(FaultKind.persist, this.#bootStep);
    // Collection ahead of need in a tick without heavy storage work (no collection, no day compacted into the
    // load ring): the capture tick that compacts a day then finds free sectors (LogStore.maintain).
    if (this.log && this.log.collections === collections && (this.loadRing?.appends ?? 0) === compactions) f.run(FaultKind.persist, this.#maintainStep);
  }

  // The tick's steps, built once: the tick runs every second and allocates no closures.
  readonly #metrologyStep = (): void => {
    this.metrology.tick();
  };
  readonly #tariffStep = (): void => {
    this.#toRegisters();
    if (this.#calendarActivated) {
      this.#calendarActivated = false;
      this.settings.saveCurrent(ln.ACTIVITY_CALENDAR, CALENDAR_SETTINGS);
    }
  };
  readonly #clockStep = (): void => this.clock.poll();
  readonly #limiterStep = (): void => this.limiter.poll();
  readonly #prepayStep = (): void => this.prepay?.tick();
  readonly #monitorStep = (): void => {
    this.#monitor?.evaluate();
  };
  readonly #persistStep = (): void => this.persist();
  readonly #pushStep = (): void => this.pushes?.poll();
  readonly #alarmStep = (): void => this.alarms.tick();
  readonly #bootStep = (): void => this.boot.check(this.ports.mono.nowMs(), this.faults);
  readonly #maintainStep = (): void => {
    this.log?.maintain();
  };
  readonly #relayStep = (): void => {
    this.disconnect.checkFeedback();
    const relay = this.#relayKey();
    // The relay state is written when it changes: a restart must never silently reconnect a customer.
    if (relay !== this.#savedRelay) {
      saveRelay(this.store, { state: this.disconnect.controlState, mode: this.disconnect.controlMode });
      this.#savedRelay = relay;
    }
  };

  /**
   * The energy since the last tick to the rate registers: through the tariff
   * engine, or in safe mode straight to the registers the activation mask
   * selects now (no schedules, calendar switches or captures run).
   */
  #toRegisters(): void {
    const deltas = this.metrology.take();
    if (this.boot.safeMode) this.activation.accumulate(this.bank, deltas, 1);
    else this.engine.tick(this.clock.now(), deltas);
  }

  /** Faults counted elsewhere (the xDLMS server, the event sinks) join the meter's count. */
  #collectFaults(): void {
    const dlms = this.dlms?.server.faults ?? 0;
    this.faults.record(FaultKind.dlms, dlms - this.#dlmsFaults);
    this.#dlmsFaults = dlms;
    const sink = this.events.sinkFaults;
    this.faults.record(FaultKind.events, sink - this.#sinkFaults);
    this.#sinkFaults = sink;
    const alarms = this.alarms.listenerFaults;
    this.faults.record(FaultKind.alarms, alarms - this.#alarmFaults);
    this.#alarmFaults = alarms;
  }

  /** Flash damage (the COSEM Data object ln.STORAGE_DIAGNOSTIC): what the boot found plus records found unreadable since. */
  storageDiagnostic(): StorageDiagnostic {
    const damaged = (this.log?.damaged ?? 0) + (this.loadRing?.damaged ?? 0);
    const found = damaged > 0 && this.health.lastDamageUtcMs === undefined ? this.clock.now() : this.health.lastDamageUtcMs;
    if (damaged > 0 && this.health.lastDamageUtcMs === undefined) this.health.lastDamageUtcMs = found;
    const s = this.dlms?.setups;
    const refused = (s?.management.tx.refused ? 1 : 0) | (s?.reader.tx.refused ? 2 : 0);
    return { damaged, damagedSectors: (this.log?.damagedSectors ?? 0) + (this.loadRing?.damagedSectors ?? 0), lastDamageUtcMs: found, countersRefused: refused };
  }

  /** The diagnostic object's content (also a COSEM Data object, ln.FAULT_DIAGNOSTIC). */
  faultDiagnostic(): FaultDiagnostic {
    this.#collectFaults();
    return { total: this.faults.total, safeMode: this.boot.safeMode, bootAttempts: this.boot.stable ? 0 : this.boot.attempts, byKind: this.faults.byKind() };
  }

  /** Writes everything that must survive a restart. */
  persist(): void {
    const store = this.store;
    saveSeen(store, this.clock.now());
    saveEnergy(store, this.bank);
    saveU32(store, KEY_BILLING, this.billing.counter);
    this.prepay?.persist();
    saveRelay(store, { state: this.disconnect.controlState, mode: this.disconnect.controlMode });
    this.#savedRelay = this.#relayKey();
    this.#lastPersistMono = this.ports.mono.nowMs();
  }

  /**
   * The power-fail path (after metrology's own handler drained the IC and
   * persisted): the energy up to this instant goes to the rate registers,
   * then everything is saved.
   */
  powerFail(): void {
    if (this.#stopped) return;
    // The registers are saved even if the tariff step faults (its energy then reaches only metrology's totals).
    this.faults.run(FaultKind.tariff, () => this.#toRegisters());
    this.persist();
  }

  /** Stops the tick and saves (a clean shutdown is a power-fail with warning), then closes the links. */
  stop(): void {
    if (this.#stopped) return;
    this.faults.run(FaultKind.powerFailMetrology, () => this.metrology.powerFail());
    this.faults.run(FaultKind.powerFailMeter, () => this.powerFail());
    this.dlms?.close();
    this.pushes?.stop();
    if (this.#tickTimer !== undefined) this.ports.timers.clear(this.#tickTimer);
    this.#tickTimer = undefined;
    this.#stopped = true;
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

/** Flash damage as the diagnostic object shows it. */
export interface StorageDiagnostic {
  /** Damaged regions, headers and records: found by the mount plus records found unreadable since. */
  damaged: number;
  /** Sectors with a damaged header or missing from the used area (erased or zeroed). */
  damagedSectors: number;
  /** When the damage in flash was first found (UTC ms), undefined without damage. */
  lastDamageUtcMs: number | undefined;
  /** Security Setups whose transmit counter damage took with both copies (bit 0 management, bit 1 reader): their ciphered service is refused. */
  countersRefused: number;
}

/** DLMS date-time "not specified" (Blue Book 4.1.6.1): no damage found. Made per read: a module-level typed array cannot be frozen. */
function noTime(): Uint8Array {
  return Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x80, 0x00, 0xff);
}

function storageData(d: StorageDiagnostic, toDateTime: (utc: number) => Data): Data {
  return {
    tag: Tag.Structure,
    value: [
      { tag: Tag.DoubleLongUnsigned, value: Math.min(d.damaged, 0xffffffff) },
      { tag: Tag.LongUnsigned, value: Math.min(d.damagedSectors, 0xffff) },
      d.lastDamageUtcMs === undefined ? { tag: Tag.OctetString, value: noTime() } : toDateTime(d.lastDamageUtcMs),
      { tag: Tag.Unsigned, value: d.countersRefused },
    ],
  };
}

const WH = frozen({ scaler: 0, unit: Unit.Wh });
const VARH = frozen({ scaler: 0, unit: Unit.varh });

/** A rate register's value: a binding object, not a closure per register (a closure made at run time costs far more RAM on XS: issue 13). */
class RateRegisterValue implements RegisterBinding {
  constructor(
    readonly bank: TouRegisterBank,
    readonly obis: Obis,
  ) {}

  read(): Data {
    return intData(Tag.DoubleLongUnsigned, Math.floor(this.bank.value(this.obis) % 1e9));
  }
}

function faultData(d: FaultDiagnostic): Data {
  return {
    tag: Tag.Structure,
    value: [
      { tag: Tag.DoubleLongUnsigned, value: Math.min(d.total, 0xffffffff) },
      { tag: Tag.Boolean, value: d.safeMode },
      { tag: Tag.LongUnsigned, value: Math.min(d.bootAttempts, 0xffff) },
      {
        tag: Tag.Array,
        value: d.byKind.map((k) => ({ tag: Tag.Structure, value: [{ tag: Tag.Unsigned, value: k.kind }, { tag: Tag.DoubleLongUnsigned, value: Math.min(k.count, 0xffffffff) }] }) as Data),
      },
    ],
  };
}

/** Builds the meter from its ports; `config` overrides the factory defaults (derived ones, such as the tariff scripts, follow the overrides). */
export function createMeter(ports: MeterPorts, config: Partial<MeterConfig> = {}): Meter {
  return new Meter(ports, { ...defaultConfig(config.identity, config.tariffs), ...config });
}

/** A version string's bytes (digits, dots and '+': ASCII). */
function asciiBytes(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0x7f);
}
