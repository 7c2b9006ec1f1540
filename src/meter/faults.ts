/**
 * Containment of firmware faults. Every step of the meter's tick and every
 * power-fail handler runs through FaultMonitor.run: a throw is counted per
 * kind, recorded once per kind and boot as an event in the standard log
 * (code 241, the kind as value), and the other steps still run, the
 * watchdog kick included. The counts are a diagnostic object (COSEM class 1,
 * see Meter) so a head-end sees a faulting meter that keeps working.
 *
 * BootGuard recognises a fault that repeats at every start: a persisted
 * counter of starts that did not reach a stable run (STABLE_AFTER_MS of
 * ticks without a contained fault other than a DLMS request's). After SAFE_MODE_AFTER such starts in a
 * row the meter comes up in safe mode: it still meters (metrology, the rate
 * registers of the tariff in force, energy persistence, power-fail path) and
 * still serves DLMS, but the tariff engine (captures, schedules, calendar
 * switches, scripts), prepayment, the limiter and the register monitor are
 * left out, so a client can repair the setting that made them fail. The
 * counter is cleared by a stable run, in safe mode too: the start after a
 * stable safe-mode run tries the normal mode again.
 */
import type { SystemPort } from "../../hal/system.js";
import type { EventSink } from "../events.js";
import type { KeyValueStore } from "../persistence.js";
import { Tag, type Data } from "../cosem/axdr.js";
import { DataObject, type DataBinding } from "../cosem/classes/data.js";
import { readOnly, type Catalog, type RightsSpec } from "./catalog.js";
import type { Meter } from "./meter.js";
import { FAULT_DIAGNOSTIC, STORAGE_DIAGNOSTIC } from "./obis-codes.js";
import { loadU32, saveU32 } from "./persistence.js";
import { frozen } from "../util/frozen.js";
import { storageData, storageDiagnostic } from "./storage.js";

/** What can fault; the number is the event value and the diagnostic's key. */
export const FaultKind = Object.freeze({
  metrology: 1,
  tariff: 2,
  clock: 3,
  limiter: 4,
  monitor: 5,
  relay: 6,
  persist: 7,
  /** A request the xDLMS server answered with exception-response after an adapter threw (CosemServer.faults). */
  dlms: 8,
  /** The event logs could not take an event. */
  events: 9,
  /** Power-fail handlers: metrology's, then the meter's. */
  powerFailMetrology: 10,
  powerFailMeter: 11,
  powerFailFirmware: 12,
  /** Prepayment (credit and its disconnect rules): skipped in safe mode like the tariff engine. */
  prepay: 13,
  /** A subscriber of the alarms (the push engine) threw, or handing over waiting alarm bits failed. */
  alarms: 14,
  /** The push engine's tick (src/push) and the last gasp on the power-fail signal. */
  push: 15,
  powerFailPush: 16,
} as const);
export type FaultKind = (typeof FaultKind)[keyof typeof FaultKind];

/** Standard event log codes in the manufacturer-specific range (see src/metrology/event-codes.ts). */
export const FaultEvent = Object.freeze({
  /** A fault of a kind not seen since start was contained; value = FaultKind. */
  faultContained: 241,
  /** The meter started in safe mode; value = consecutive unstable starts. */
  safeMode: 242,
} as const);

const KEY_BOOT_ATTEMPTS = "m.boots";
/** Unstable starts in a row after which the meter starts in safe mode. */
export const SAFE_MODE_AFTER = 3;
/** A start is stable once the meter has ticked this long (monotonic ms) with no contained fault. */
export const STABLE_AFTER_MS = 15 * 60_000;

export interface FaultDiagnostic {
  total: number;
  safeMode: boolean;
  /** Consecutive unstable starts, this one included (0 once this start is stable). */
  bootAttempts: number;
  byKind: { kind: FaultKind; count: number }[];
}

/** What reads the meter's time (MeterClock): domains keep the clock object, not a closure each. */
export interface UtcClock {
  now(): number;
}

export class FaultMonitor {
  private readonly counts = new Map<FaultKind, number>();
  private readonly events: EventSink;
  /** The meter's clock (an object, not a closure per domain: RAM on XS). */
  private readonly clock: UtcClock;
  total = 0;
  /** Faults seen since the last stability check (BootGuard). */
  sinceCheck = 0;

  constructor(events: EventSink, clock: UtcClock) {
    this.events = events;
    this.clock = clock;
  }

  /**
   * Runs one step; a throw is contained and recorded. True when the step
   * completed. `arg` and the kind are passed to the step, so that a step can
   * be a function made once (a static method, one for several kinds) instead
   * of a closure per caller (RAM on XS).
   */
  run(kind: FaultKind, step: () => void): boolean;
  run<T>(kind: FaultKind, step: (arg: T, kind: FaultKind) => void, arg: T): boolean;
  run<T>(kind: FaultKind, step: (arg: T | undefined, kind: FaultKind) => void, arg?: T): boolean {
    try {
      step(arg, kind);
      return true;
    } catch {
      this.record(kind, 1);
      return false;
    }
  }

  /** Counts `n` faults of a kind (the event goes out for the first of each kind only). */
  record(kind: FaultKind, n: number): void {
    if (n <= 0) return;
    const before = this.counts.get(kind) ?? 0;
    this.counts.set(kind, before + n);
    this.total += n;
    // A request that faulted says nothing about the start (safe mode keeps DLMS anyway), and a
    // client must not be able to push the meter into safe mode by repeating one.
    if (kind !== FaultKind.dlms) this.sinceCheck += n;
    if (before === 0) {
      // The event log may itself be what fails: its fault is counted, never thrown.
      try {
        this.events.record({ log: "standard", code: FaultEvent.faultContained, utcMs: this.clock.now(), value: kind });
      } catch {
        if (kind !== FaultKind.events) this.record(FaultKind.events, 1);
      }
    }
  }

  count(kind: FaultKind): number {
    return this.counts.get(kind) ?? 0;
  }

  byKind(): { kind: FaultKind; count: number }[] {
    const out: { kind: FaultKind; count: number }[] = [];
    this.counts.forEach((count, kind) => out.push({ kind, count }));
    return out.sort((a, b) => a.kind - b.kind);
  }
}

/**
 * The system port as the meter's domains see it: every power-fail handler
 * they register is contained under its own fault kind (the port itself also
 * runs each handler even if another threw: src/util/isolate.ts).
 */
export function guardedSystem(system: SystemPort, faults: FaultMonitor, kind: FaultKind): SystemPort {
  return {
    resetCause: () => system.resetCause(),
    reboot: () => system.reboot(),
    kickWatchdog: () => system.kickWatchdog(),
    onPowerFail: (handler) => system.onPowerFail(() => faults.run(kind, handler)),
  };
}

/** The persisted count of unstable starts (see the module comment). */
export class BootGuard {
  readonly attempts: number;
  readonly safeMode: boolean;
  private isStable = false;
  private since: number;

  constructor(
    private readonly store: KeyValueStore,
    monoNowMs: number,
  ) {
    const previous = loadU32(store, KEY_BOOT_ATTEMPTS) ?? 0;
    this.attempts = Math.min(previous + 1, 0xffff);
    this.safeMode = previous >= SAFE_MODE_AFTER;
    // Written before anything that could fail at start: a start that dies leaves the count up.
    saveU32(store, KEY_BOOT_ATTEMPTS, this.attempts);
    this.since = monoNowMs;
  }

  get stable(): boolean {
    return this.isStable;
  }

  /** Called every tick: a fault restarts the stability period; once stable, the count is cleared. */
  check(monoNowMs: number, faults: FaultMonitor): void {
    if (this.isStable) return;
    if (faults.sinceCheck > 0) {
      faults.sinceCheck = 0;
      this.since = monoNowMs;
      return;
    }
    if (monoNowMs - this.since < STABLE_AFTER_MS) return;
    saveU32(this.store, KEY_BOOT_ATTEMPTS, 0);
    this.isStable = true;
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

const DIAGNOSTIC_RIGHTS = readOnly(2);
// Public too: when damage took the transmit counters, the ciphered associations are refused and this says why.
const STORAGE_DIAGNOSTIC_RIGHTS: RightsSpec = frozen({ public: ["r r", ""], ...DIAGNOSTIC_RIGHTS });

/**
 * The diagnostic Data objects: contained faults {total, safe mode, unstable
 * starts, [{kind, count}]}, and on flash the storage damage {damaged records
 * and regions, damaged or missing sectors, when the damage was first found}.
 */
export function addDiagnosticObjects(c: Catalog, m: Meter, toDateTime: (utcMs: number) => Data): void {
  c.add(new DataObject(FAULT_DIAGNOSTIC, new FaultDiagnosticValue(m)), DIAGNOSTIC_RIGHTS);
  if (m.log) c.add(new DataObject(STORAGE_DIAGNOSTIC, new StorageDiagnosticValue(m, toDateTime)), STORAGE_DIAGNOSTIC_RIGHTS);
}

/** The diagnostics' values: binding objects, not a closure per object (RAM on XS, issue 13). */
class FaultDiagnosticValue implements DataBinding {
  constructor(readonly m: Meter) {}

  read(): Data {
    return faultData(this.m.faultDiagnostic());
  }
}

class StorageDiagnosticValue implements DataBinding {
  constructor(
    readonly m: Meter,
    readonly toDateTime: (utcMs: number) => Data,
  ) {}

  read(): Data {
    return storageData(storageDiagnostic(this.m), this.toDateTime);
  }
}
