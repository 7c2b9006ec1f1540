/**
 * Names for event codes, per event log, taken from the firmware's own code
 * tables (each domain keeps its codes beside its code), so that the console
 * names every code this firmware logs without a second list. A meter that is
 * not ours may log codes we do not know: they show as their number.
 */
import type { EventLogId } from "../../../src/events.js";
import { SecurityEvent } from "../../../src/cosem/security/events.js";
import { FirmwareEvent, TransferStatus } from "../../../src/fota/transfer.js";
import { FaultEvent } from "../../../src/meter/faults.js";
import { SettingsEvent } from "../../../src/meter/settings.js";
import { MetrologyEvent } from "../../../src/metrology/event-codes.js";
import { TokenResult } from "../../../src/prepay/results.js";
import { PrepayEvent } from "../../../src/prepay/service.js";
import { DisconnectorEvent } from "../../../src/relay/disconnect.js";
import { StorageEventCode } from "../../../src/storage/health.js";
import { StandardEventCode } from "../../../src/tariff/event-codes.js";

export type CodeTable = Readonly<Record<string, number | ((phase: number) => number)>>;

const PHASES = ["L1", "L2", "L3"];

/** The entries of a table that go to one log (a domain's table may serve several logs). */
function pick<T extends CodeTable>(table: T, ...keys: (keyof T & string)[]): CodeTable {
  return Object.fromEntries(keys.map((k) => [k, table[k]]));
}

/** Token results as the prepayment log records them: 230 + result. */
const tokenResults: CodeTable = Object.fromEntries(Object.entries(TokenResult).map(([k, v]) => [`token ${k}`, PrepayEvent.tokenBase + v]));
const { tokenBase: _base, ...prepayEvents } = PrepayEvent;

/**
 * Which domain tables each log's codes come from. Every exported event-code
 * table in src/ appears here (host-tests/lab/event-names.node.test.ts checks
 * that, and that no code means two things in one log).
 */
export const LOG_TABLES: Record<EventLogId, CodeTable[]> = {
  standard: [StandardEventCode, pick(MetrologyEvent, "measurementSystemError", "calibrationChanged", "energyRegisterOverflow"), SettingsEvent, FaultEvent, pick(StorageEventCode, "damage", "clockBehindStoredData", "energyBelowStored")],
  fraud: [pick(MetrologyEvent, "terminalCoverRemoved", "terminalCoverClosed", "strongDcFieldDetected", "noStrongDcField", "meterCoverRemoved", "meterCoverClosed")],
  "power-quality": [pick(MetrologyEvent, "underVoltage", "overVoltage", "missingVoltage", "voltageNormal", "currentReversal", "currentReversalEnd", "overCurrent", "overCurrentEnd")],
  "power-failure": [pick(MetrologyEvent, "powerDown", "powerUp")],
  disconnector: [DisconnectorEvent, pick(StorageEventCode, "relayStateLost")],
  security: [SecurityEvent],
  firmware: [FirmwareEvent],
  prepayment: [prepayEvents, tokenResults],
};

/** Each code of one log with its names; more than one name is a collision. */
export function codesOf(log: EventLogId): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const table of LOG_TABLES[log]) {
    for (const [key, v] of Object.entries(table)) {
      const words = key.replace(/([A-Z])/g, " $1").toLowerCase();
      const entries: [number, string][] = typeof v === "number" ? [[v, words]] : PHASES.map((ph, p) => [v(p), `${words} ${ph}`]);
      for (const [code, name] of entries) out.set(code, [...(out.get(code) ?? []), name]);
    }
  }
  return out;
}

const BY_LOG = new Map((Object.keys(LOG_TABLES) as EventLogId[]).map((log) => [log, codesOf(log)]));

export function eventName(log: EventLogId, code: number): string {
  return BY_LOG.get(log)?.get(code)?.join(" / ") ?? `code ${code}`;
}

/** image_transfer_status values by name (Blue Book class 18 attribute 6), from the firmware's own table. */
export function transferStatusNames(): Record<number, string> {
  const out: Record<number, string> = {};
  for (const [key, v] of Object.entries(TransferStatus)) out[v] = key.replace(/([A-Z])/g, " $1").toLowerCase();
  return out;
}
