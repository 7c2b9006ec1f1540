/**
 * The meter's relay wiring: the Disconnect Control on the relay and its
 * feedback, started from the stored relay state (never closing because
 * that state was lost), the load limiter on the total active power set from
 * the configuration, the record of the relay state, and their COSEM
 * objects (Disconnect Control 70, Limiter 71).
 */
import { DisconnectControlObject } from "../cosem/classes/disconnect-control.js";
import { LimiterObject } from "../cosem/classes/limiter.js";
import type { KeyValueStore } from "../persistence.js";
import { ControlState, DisconnectControl } from "../relay/disconnect.js";
import { Limiter, type LimiterHost, type ScriptRef } from "../relay/limiter.js";
import { StorageEventCode } from "../storage/health.js";
import { internalContext } from "../tariff/script-table.js";
import { allMethods, managed, noMethods, readAll, type Catalog } from "./catalog.js";
import type { MeterConfig } from "./config.js";
import type { Meter } from "./meter.js";
import * as ln from "./obis-codes.js";
import { KEY_RELAY, loadRelay, saveRelay, type RelayState } from "./persistence.js";
import type { MeterPorts } from "./ports.js";

/**
 * The relay state to start from. The relay never closes because its state was lost: a meter with
 * stored data but no readable (or, after damage, no proven-current) relay state comes back ready
 * for reconnection.
 */
export function storedRelay(m: Meter, config: MeterConfig): RelayState | undefined {
  const store = m.store;
  const relay = loadRelay(store);
  const relayProven = store.proven?.(KEY_RELAY) ?? true;
  if ((!relay && (m.restored || m.health.damage > 0)) || (relay && relay.state === ControlState.connected && !relayProven)) {
    m.health.relayStateLost = true;
    m.events.record({ log: "disconnector", code: StorageEventCode.relayStateLost, utcMs: m.clock.now() });
    return { state: ControlState.readyForReconnection, mode: config.disconnectMode };
  }
  return relay;
}

export function wireDisconnect(m: Meter, ports: MeterPorts, config: MeterConfig, relay: RelayState | undefined): DisconnectControl {
  const d = new DisconnectControl(
    ports.relay,
    ports.relayFeedback,
    m.events,
    () => m.clock.now(),
    relay?.mode ?? config.disconnectMode,
    (relay?.state ?? ControlState.connected) as ControlState,
  );
  if (ports.button) d.attachButton(ports.button);
  return d;
}

/** The limiter's view of the meter: the total active power, its clock and script registry. */
class MeterLimiterHost implements LimiterHost {
  constructor(readonly m: Meter) {}

  monitoredValue(): number {
    return this.m.activePowerW();
  }

  nowUtc(): number {
    return this.m.clock.now();
  }

  runScript(ref: ScriptRef, utcMs: number): boolean {
    return this.m.scripts.run(ref.scriptLn, ref.selector, internalContext(utcMs));
  }

  localToUtc(localMs: number): number {
    return this.m.clock.utcOfLocal(localMs);
  }
}

/** The load limiter on the active power, set from the configuration; its actions run scripts of the meter's registry. */
export function wireLimiter(m: Meter, ports: MeterPorts, config: MeterConfig): Limiter {
  const limiter = new Limiter({ classId: 3, logicalName: ln.ACTIVE_POWER, attribute: 2 }, new MeterLimiterHost(m), ports.mono, m.events);
  // Configuration, not a change: assigned directly so that no threshold event is logged at start.
  const lc = config.limiter;
  limiter.thresholdNormal = lc.thresholdNormal;
  limiter.thresholdEmergency = lc.thresholdEmergency;
  limiter.minOverS = lc.minOverS;
  limiter.minUnderS = lc.minUnderS;
  limiter.actionOver = { scriptLn: lc.actionOver.scriptLn.slice(), selector: lc.actionOver.selector };
  limiter.actionUnder = { scriptLn: lc.actionUnder.scriptLn.slice(), selector: lc.actionUnder.selector };
  return limiter;
}

/**
 * The relay state as last stored: written when it changes (a restart must
 * never silently reconnect a customer) and with everything else at each
 * persist. State and mode in one number (mode is 0..6), compared every tick
 * without building anything.
 */
export class RelayRecord {
  private saved = -1;

  constructor(
    readonly store: KeyValueStore,
    readonly disconnect: DisconnectControl,
  ) {}

  /** Marks the current state as stored (it was read back at boot). */
  stored(): void {
    this.saved = relayKey(this.disconnect);
  }

  save(): void {
    saveRelay(this.store, { state: this.disconnect.controlState, mode: this.disconnect.controlMode });
    this.saved = relayKey(this.disconnect);
  }

  saveIfChanged(): void {
    if (relayKey(this.disconnect) !== this.saved) this.save();
  }
}

function relayKey(d: DisconnectControl): number {
  return d.controlState * 16 + d.controlMode;
}

/** The control mode is a setting (stored before the response); the relay record written by the tick carries it too, but too late for a restart right after the write. */
export function addRelayObjects(c: Catalog, m: Meter): void {
  c.add(new DisconnectControlObject(m.disconnect, ln.DISCONNECT_CONTROL), {
    public: ["r r r -", noMethods(2)],
    reader: [readAll(4), noMethods(2)],
    management: ["r r r rw", allMethods(2)],
  });
  c.add(new LimiterObject(m.limiter, ln.LIMITER), managed("r rw r rw rw rw rw rw rw r rw"));
}
