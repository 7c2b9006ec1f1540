/**
 * The live status of the meter: what the simulator's status line and a
 * board's display show. A snapshot of plain values, so that the formatter
 * and any transport of it need no access to the domains.
 */
import type { DateTime } from "../cosem/datetime.js";

export interface MeterStatus {
  utcMs: number;
  /** Local date-time as the meter clock shows it (time zone and DST applied). */
  local: DateTime;
  /** Rate in force (1..n), 0 when the active mask selects none. */
  tariff: number;
  activePowerW: number;
  importWh: number;
  exportWh: number;
  /** Physical relay state (feedback input): true = supply connected. */
  relayConnected: boolean;
  /** Disconnect control state (0 disconnected, 1 connected, 2 ready for reconnection). */
  controlState: number;
  /** Load profile captures since start (all profiles capture on the same instants). */
  captures: number;
  billingPeriods: number;
  /** Contained firmware faults since start (src/meter/faults.ts). */
  faults: number;
  /** Started in safe mode after repeated unstable starts. */
  safeMode: boolean;
  /** Prepayment: credit the customer can still use, Wh (absent on a meter without prepayment). */
  creditWh?: number;
}

const p2 = (n: number) => (n < 10 ? "0" : "") + n;

/** One short line: `2026-01-15 13:00:00 T1  1234 W  A+ 12.345 kWh  A- 0.000 kWh  relay on`. */
export function formatStatus(s: MeterStatus): string {
  const t = s.local;
  const when = `${t.year}-${p2(t.month)}-${p2(t.day)} ${p2(t.hour)}:${p2(t.minute)}:${p2(t.second)}`;
  const relay = s.relayConnected ? "on" : s.controlState === 2 ? "off (ready)" : "off";
  const credit = s.creditWh === undefined ? "" : `  credit ${(s.creditWh / 1000).toFixed(1)} kWh`;
  const health = (s.faults > 0 ? `  faults ${s.faults}` : "") + (s.safeMode ? "  SAFE MODE" : "");
  return `${when} T${s.tariff}  ${Math.round(s.activePowerW)} W  A+ ${(s.importWh / 1000).toFixed(3)} kWh  A- ${(s.exportWh / 1000).toFixed(3)} kWh  relay ${relay}${credit}${health}`;
}
