import type { EventSink } from "../events.js";
import type { KeyValueStore } from "../persistence.js";
import { ENERGY_KEY, decodeEnergyState } from "../metrology/service.js";
import type { ResetCause } from "../../hal/system.js";

/**
 * What the meter checks about its storage at boot (issue 14): damage found
 * by the mount, a shutdown that bypassed the power-fail path, and a clock
 * that came back behind data already stored. Events use the
 * manufacturer-specific range (231..255) of the logs they go to.
 */
export const StorageEventCode = Object.freeze({
  /** standard log: CRC or structure failures found at mount (value = count). */
  damage: 245,
  /** disconnector log: the relay state could not be read; the relay comes back disconnected (ready for reconnection). */
  relayStateLost: 246,
  /** standard log: the clock is behind the newest stored data (value = seconds behind); clock status invalid. */
  clockBehindStoredData: 247,
  /** standard log: energy registers came back below the last stored capture, or lost (value = Wh missing). */
  energyBelowStored: 248,
} as const);

/** IDIS power-failure log codes (as metrology records them). */
const POWER_DOWN = 1;
const POWER_UP = 2;

/** The newest instant the meter knew (UTC ms, f64), written with every persist: the best-known start of an outage. */
const KEY_SEEN = "m.seen";

export function saveSeen(store: KeyValueStore, utcMs: number): void {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, utcMs);
  store.put(KEY_SEEN, b);
}

export function loadSeen(store: KeyValueStore): number | undefined {
  const b = store.get(KEY_SEEN);
  if (!b || b.length !== 8) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, 8).getFloat64(0);
  return v >= 0 && v < 1e15 ? v : undefined;
}

export interface BootHealth {
  /** Damaged regions, headers and records found by the mount (both storage areas). */
  damage: number;
  /** The meter went down without the power-fail path (power failure logged at boot). */
  unclean: boolean;
  /** Best-known start of that outage (UTC ms), when unclean. */
  downUtcMs?: number;
  /** Seconds the clock was behind the newest stored data (0 when not behind). */
  clockBehindS: number;
  /** The relay state was unreadable and the relay came back ready for reconnection. */
  relayStateLost: boolean;
}

/**
 * Before metrology restores its record: a stored energy record without the
 * power-down mark after a power-on or brown-out reset means the power went
 * without the warning (or the handler could not finish). The power failure
 * is logged with the newest instant the meter is known to have been up.
 */
export function checkUncleanShutdown(store: KeyValueStore, cause: ResetCause, newestStoredUtc: number, nowUtc: number, events: EventSink): { unclean: boolean; downUtcMs?: number } {
  if (cause !== "power-on" && cause !== "brown-out") return { unclean: false };
  const b = store.get(ENERGY_KEY);
  const st = b ? decodeEnergyState(b) : undefined;
  if (!st || st.poweredDown) return { unclean: false };
  const down = Math.min(nowUtc, newestStoredUtc > 0 ? newestStoredUtc : nowUtc);
  events.record({ log: "power-failure", code: POWER_DOWN, utcMs: down });
  events.record({ log: "power-failure", code: POWER_UP, utcMs: nowUtc, value: Math.max(0, Math.round((nowUtc - down) / 1000)) });
  return { unclean: true, downUtcMs: down };
}
