/**
 * The meter's storage wiring (the composition root's first step): the flash
 * partition split by the storage budget into the main log and the load
 * profile's ring, the key-value store on the main log, the profiles and
 * event logs that live in it, and the boot checks of what it holds
 * (src/storage/health.ts): damage, an unclean shutdown, a clock behind the
 * stored data, energy below the last capture. A meter built on a bare
 * KeyValueStore (tests, flash-less builds) has no profiles or logs.
 */
import { Tag, type Data } from "../cosem/axdr.js";
import { intData } from "../cosem/classes/register.js";
import { ProfileGeneric } from "../cosem/classes/profile-generic.js";
import { NOT_SPECIFIED_DATE_TIME } from "../cosem/classes/prepay-common.js";
import type { KeyValueStore } from "../persistence.js";
import { DEFAULT_BUDGET, StorageBudgetError, checkBudget, storageAreas, withDepths } from "../storage/budget.js";
import { EventLogSink } from "../storage/event-logs.js";
import { StorageEventCode, checkUncleanShutdown, loadDamage, loadSeen, saveDamage } from "../storage/health.js";
import { LogKeyValueStore, maxRecords } from "../storage/kv-store.js";
import { LogStore } from "../storage/log-store.js";
import { BillingProfile, dailyProfile, energyRegister, loadProfile, loadProfileChunkRows } from "../storage/meter-profiles.js";
import { managed, type Catalog } from "./catalog.js";
import type { MeterConfig } from "./config.js";
import type { Meter } from "./meter.js";
import type { MeterPorts } from "./ports.js";

/** What the storage step gives the meter. */
export interface MeterStorage {
  store: KeyValueStore;
  /** The main flash log and the load profile's own ring of sectors (src/storage/budget.ts); absent on a bare KeyValueStore. */
  log: LogStore | undefined;
  loadRing: LogStore | undefined;
  /** The transmit invocation counters' second copy (on the load ring), when the meter has flash. */
  counterMirror: LogKeyValueStore | undefined;
  loadProfile: ProfileGeneric | undefined;
  dailyProfile: ProfileGeneric | undefined;
  billingProfile: BillingProfile | undefined;
  /** Hash-chained event logs in flash (class 7 views in the catalog). */
  eventLogs: EventLogSink | undefined;
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

const NO_LINES: readonly string[] = Object.freeze([]);

/** The board's budget with the depths the configuration asks for: the configuration is the one source of depths, the budget of the split. */
function budgetOf(ports: MeterPorts, config: MeterConfig) {
  return withDepths(ports.storageBudget ?? DEFAULT_BUDGET, config.profileEntries, loadProfileChunkRows(config.capturePeriodS), config.dailyProfileEntries, config.billingProfileEntries);
}

/** The storage budget's lines (partition, areas, streams) for the start-up print: made when asked, not kept (RAM). */
export function storageLines(ports: MeterPorts, config: MeterConfig): readonly string[] {
  return ports.flash ? checkBudget(budgetOf(ports, config), ports.flash.geometry).lines : NO_LINES;
}

/**
 * Mounts the partition (or takes the board's store). Every owner of a stream
 * registers before the mount scan; the profiles read metrology and billing
 * only at capture time, so `m`'s later domains may still be missing here.
 */
export function wireStorage(m: Meter, ports: MeterPorts, config: MeterConfig): MeterStorage {
  if (!ports.flash) {
    if (!ports.store) throw new Error("a meter needs a flash partition or a KeyValueStore");
    return { store: ports.store, log: undefined, loadRing: undefined, counterMirror: undefined, loadProfile: undefined, dailyProfile: undefined, billingProfile: undefined, eventLogs: undefined };
  }
  // The partition as a budget: refuse to start on one that cannot keep every promised depth.
  const budget = budgetOf(ports, config);
  const check = checkBudget(budget, ports.flash.geometry);
  if (check.problems.length) throw new StorageBudgetError(check.problems);
  const areas = storageAreas(ports.flash, budget);
  const log = new LogStore(areas.main);
  const ring = new LogStore(areas.load, "oldest");
  const store = new LogKeyValueStore(log);
  // The transmit counters' second copy lives on the load ring: other sectors, so damage to one area leaves a copy.
  const counterMirror = new LogKeyValueStore(ring);
  const sources = [1, 2, 3, 4].map((c) => new EnergySource(m, c));
  const lp = new ProfileGeneric({ ...loadProfile(log, m.profileStatus, sources, { periodS: config.capturePeriodS, capacity: config.profileEntries }, 0, ring), timeBase: m.clock });
  const dp = new ProfileGeneric({ ...dailyProfile(log, m.profileStatus, sources, config.dailyProfileEntries, 1), timeBase: m.clock });
  const billingProfile = new BillingProfile(log, m.bank.obis, m.demand.maxima.map((d) => d.obis), {
    stream: 2,
    capacity: config.billingProfileEntries,
    endOfBilling: (utc) => m.billing.endOfPeriod(utc),
  });
  const eventLogs = ports.crypto ? new EventLogSink(log, ports.crypto) : undefined;
  // The ring first: the load profile finishes its index when the main log (its journal) is mounted.
  // At the first start the ring is formatted before the main log's first append, so a formatted main
  // log proves the ring formatted too: a ring sector erased behind the store's back is damage even
  // while no ring sector holds data yet.
  ring.mount(LogStore.formatted(areas.main));
  log.mount();
  if (eventLogs) m.events.attach(eventLogs);
  return { store, log, loadRing: ring, counterMirror, loadProfile: lp, dailyProfile: dp, billingProfile, eventLogs };
}

/** A profile's energy column (1.0.c.8.0.255 totals): an object with a method, not a closure per column (RAM on XS). */
class EnergySource {
  readonly definition: ReturnType<typeof energyRegister>;

  constructor(
    readonly m: Meter,
    readonly c: number,
  ) {
    this.definition = energyRegister(c);
  }

  read(): Data {
    const metrology = this.m.metrology;
    return intData(Tag.DoubleLongUnsigned, metrology ? Math.floor(metrology.registerEnergy(0, this.c)) : 0);
  }
}

/**
 * Boot checks of the storage (src/storage/health.ts), before metrology
 * restores its record: damage found by the mount, a shutdown without the
 * power-fail path, a clock behind the newest stored data.
 */
export function checkStorage(m: Meter, ports: MeterPorts): void {
  const now = m.clock.now();
  const h = m.health;
  h.damage = (m.log?.damaged ?? 0) + (m.loadRing?.damaged ?? 0);
  h.damagedSectors = (m.log?.damagedSectors ?? 0) + (m.loadRing?.damagedSectors ?? 0);
  if (h.damage > 0) {
    // Damage is handled once: while the same damage stays in flash, later boots neither log it nor skip again.
    // (A record of the same fingerprint means the counters were raised and stored after this very damage existed.)
    const known = loadDamage(m.store);
    if (known && known.fingerprint === damageFingerprint(m)) {
      h.lastDamageUtcMs = known.utcMs;
    } else {
      h.damageNew = true;
      h.lastDamageUtcMs = now;
      m.events.record({ log: "standard", code: StorageEventCode.damage, utcMs: now, value: h.damage });
      // Invocation counters skip every value a lost record could have reserved, and store the skip (src/cosem/security/counters.ts).
      if (m.store instanceof LogKeyValueStore && m.log) m.store.lostRecordBound = maxRecords(m.log);
      if (m.counterMirror && m.loadRing) m.counterMirror.lostRecordBound = maxRecords(m.loadRing);
    }
  }
  const newest = Math.max(loadSeen(m.store) ?? 0, m.loadProfile?.store.lastUtcMs ?? 0, m.dailyProfile?.store.lastUtcMs ?? 0);
  const down = checkUncleanShutdown(m.store, ports.system.resetCause(), newest, now, m.events);
  h.unclean = down.unclean;
  h.downUtcMs = down.downUtcMs;
  if (newest > now) {
    // Captures would repeat or go back in time: the clock is not trusted until it is set.
    h.clockBehindS = Math.round((newest - now) / 1000);
    m.events.record({ log: "standard", code: StorageEventCode.clockBehindStoredData, utcMs: now, value: h.clockBehindS });
    m.clock.markInvalid();
  }
}

/** New damage handled (logged, counters raised and stored by then): recorded so that later boots do not handle it again. */
export function recordDamageHandled(m: Meter): void {
  const h = m.health;
  if (!h.damageNew) return;
  if (m.store instanceof LogKeyValueStore) m.store.lostRecordBound = 0;
  if (m.counterMirror) m.counterMirror.lostRecordBound = 0;
  saveDamage(m.store, damageFingerprint(m), h.lastDamageUtcMs ?? m.clock.now());
}

/** Both areas' damage fingerprints in one number (0 without damage). */
function damageFingerprint(m: Meter): number {
  return (Math.imul(m.log?.damageFingerprint ?? 0, 31) + (m.loadRing?.damageFingerprint ?? 0)) >>> 0;
}

/** Energy never comes back below the last capture that stored it without an event saying so. */
export function checkEnergy(m: Meter): void {
  const last = m.loadProfile?.store.last();
  if (!last) return;
  const now = Math.floor(m.rateSum(1) % 1e9);
  if (now + 1 < last.values[0]) m.events.record({ log: "standard", code: StorageEventCode.energyBelowStored, utcMs: m.clock.now(), value: last.values[0] - now });
}

/**
 * The load and daily profiles capture at the tariff engine's capture
 * instants, never at or before their newest stored row (a clock that came
 * back behind stored data, see checkStorage); the daily one at local
 * midnight, which is always one of those instants.
 */
export function wireCaptures(m: Meter): void {
  const lp = m.loadProfile;
  const dp = m.dailyProfile;
  if (!lp || !dp) return;
  m.onCapture((t) => {
    if (t > lp.store.lastUtcMs) lp.capture(t);
    if (m.clock.localMsAt(t) % 86400000 === 0 && t > dp.store.lastUtcMs) dp.capture(t);
  });
}

/** Flash damage (the COSEM Data object STORAGE_DIAGNOSTIC): what the boot found plus records found unreadable since. */
export function storageDiagnostic(m: Meter): StorageDiagnostic {
  const h = m.health;
  const damaged = (m.log?.damaged ?? 0) + (m.loadRing?.damaged ?? 0);
  const found = damaged > 0 && h.lastDamageUtcMs === undefined ? m.clock.now() : h.lastDamageUtcMs;
  if (damaged > 0 && h.lastDamageUtcMs === undefined) h.lastDamageUtcMs = found;
  const s = m.dlms?.setups;
  const refused = (s?.management.tx.refused ? 1 : 0) | (s?.reader.tx.refused ? 2 : 0);
  // Sector damage is found only by the mount (checkStorage); records can still be found unreadable later.
  return { damaged, damagedSectors: h.damagedSectors, lastDamageUtcMs: found, countersRefused: refused };
}

/** The storage diagnostic's content: {damaged records and regions, damaged or missing sectors, when the damage was first found}. */
export function storageData(d: StorageDiagnostic, toDateTime: (utc: number) => Data): Data {
  return {
    tag: Tag.Structure,
    value: [
      { tag: Tag.DoubleLongUnsigned, value: Math.min(d.damaged, 0xffffffff) },
      { tag: Tag.LongUnsigned, value: Math.min(d.damagedSectors, 0xffff) },
      d.lastDamageUtcMs === undefined ? { tag: Tag.OctetString, value: NOT_SPECIFIED_DATE_TIME.slice() } : toDateTime(d.lastDamageUtcMs),
      { tag: Tag.Unsigned, value: d.countersRefused },
    ],
  };
}

/** Rights of every profile: management sets the capture period (attribute 4), both read. */
export const PROFILE_RIGHTS = managed("r r r r rw r r r", 2);

/** The load and daily profiles and the event logs in the catalog (class 7). */
export function addProfileObjects(c: Catalog, m: Meter): void {
  if (m.loadProfile) c.add(m.loadProfile, PROFILE_RIGHTS);
  if (m.dailyProfile) c.add(m.dailyProfile, PROFILE_RIGHTS);
  m.eventLogs?.profiles().forEach((p) => c.add(new ProfileGeneric({ ...p, timeBase: m.clock }), PROFILE_RIGHTS));
}
