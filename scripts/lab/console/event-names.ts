/**
 * Names for event codes, per event log, taken from the firmware's own code
 * tables (each domain keeps its codes beside its code), so that the console
 * names every code this firmware logs without a second list. A meter that is
 * not ours may log codes we do not know: they show as their number.
 */
import type { EventLogId } from "../../../src/events.js";
import { SecurityEvent } from "../../../src/cosem/security/events.js";
import { FirmwareEvent, TransferStatus } from "../../../src/fota/transfer.js";
import { MetrologyEvent } from "../../../src/metrology/event-codes.js";
import { DisconnectorEvent } from "../../../src/relay/disconnect.js";
import { StandardEventCode } from "../../../src/tariff/clock.js";

type CodeTable = Record<string, number | ((phase: number) => number)>;

const PHASES = ["L1", "L2", "L3"];

function names(...tables: CodeTable[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const table of tables) {
    for (const [key, v] of Object.entries(table)) {
      const words = key.replace(/([A-Z])/g, " $1").toLowerCase();
      if (typeof v === "number") out.set(v, words);
      else PHASES.forEach((ph, p) => out.set(v(p), `${words} ${ph}`));
    }
  }
  return out;
}

const BY_LOG: Record<EventLogId, Map<number, string>> = {
  standard: names(StandardEventCode, MetrologyEvent),
  fraud: names(MetrologyEvent),
  "power-quality": names(MetrologyEvent),
  "power-failure": names(MetrologyEvent),
  disconnector: names(DisconnectorEvent),
  security: names(SecurityEvent),
  firmware: names(FirmwareEvent),
};

export function eventName(log: EventLogId, code: number): string {
  return BY_LOG[log]?.get(code) ?? `code ${code}`;
}

/** image_transfer_status values by name (Blue Book class 18 attribute 6), from the firmware's own table. */
export function transferStatusNames(): Record<number, string> {
  const out: Record<number, string> = {};
  for (const [key, v] of Object.entries(TransferStatus)) out[v] = key.replace(/([A-Z])/g, " $1").toLowerCase();
  return out;
}
