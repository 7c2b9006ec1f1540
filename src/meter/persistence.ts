/**
 * What the meter keeps across a restart, through the KeyValueStore port:
 * the time-of-use energy registers, the billing counter, the disconnector
 * state and mode. Energy is a float64 per register (the bank keeps fractions
 * of Wh split at tariff boundaries; rounding them away on every save would
 * lose energy at each restart). Bad stored bytes read as absent: the meter
 * then starts from zero and records nothing it cannot prove.
 */
import type { KeyValueStore } from "../persistence.js";
import { readU32, u32Bytes } from "../util/bytes.js";
import type { TouRegisterBank } from "../tariff/registers.js";

export const KEY_ENERGY = "m.energy";
export const KEY_BILLING = "m.billing";
export const KEY_RELAY = "m.relay";

export function saveEnergy(store: KeyValueStore, bank: TouRegisterBank): void {
  const out = new Uint8Array(bank.obis.length * 8);
  const view = new DataView(out.buffer);
  for (let i = 0; i < bank.obis.length; i++) view.setFloat64(i * 8, bank.value(bank.obis[i]));
  store.put(KEY_ENERGY, out);
}

/** Restores the registers of a freshly built (all-zero) bank; false if nothing valid was stored. */
export function loadEnergy(store: KeyValueStore, bank: TouRegisterBank): boolean {
  const bytes = store.get(KEY_ENERGY);
  if (!bytes || bytes.length !== bank.obis.length * 8) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values: number[] = [];
  for (let i = 0; i < bank.obis.length; i++) {
    const v = view.getFloat64(i * 8);
    if (!(v >= 0) || v === Infinity) return false;
    values.push(v);
  }
  for (let i = 0; i < values.length; i++) bank.add(bank.obis[i].key, values[i] - bank.value(bank.obis[i]));
  return true;
}

export function saveU32(store: KeyValueStore, key: string, value: number): void {
  store.put(key, u32Bytes(value));
}

export function loadU32(store: KeyValueStore, key: string): number | undefined {
  const b = store.get(key);
  return b && b.length === 4 ? readU32(b, 0) : undefined;
}

export interface RelayState {
  state: number;
  mode: number;
}

export function saveRelay(store: KeyValueStore, r: RelayState): void {
  store.put(KEY_RELAY, Uint8Array.of(r.state, r.mode));
}

export function loadRelay(store: KeyValueStore): RelayState | undefined {
  const b = store.get(KEY_RELAY);
  if (!b || b.length !== 2 || b[0] > 2 || b[1] > 6) return undefined;
  return { state: b[0], mode: b[1] };
}
