import type { KeyValueStore } from "../persistence.js";
import { StorageError, type LogOwner, type LogStore } from "./log-store.js";

/**
 * KeyValueStore (src/persistence.ts) on the log store: settings, calibration,
 * energy registers, invocation counters, FOTA state.
 *
 * Each put() or delete() appends one committed record (key, value or
 * tombstone); the newest record of a key by sequence wins at recovery, so a
 * value that put() returned for can only be replaced by a later put. Values
 * are cached in RAM (they are few and small) and the RAM index remembers
 * where each live record is, so garbage collection copies exactly the newest
 * record of each key. Tombstones stay live: a tombstone that vanished could
 * let an older value of the key, surviving in a half-erased sector, return.
 */
const KV_PUT = 1;
const KV_DELETE = 2;

const MAX_KEY = 64;

interface Slot {
  addr: number;
  seq: number;
  value: Uint8Array | undefined;
  /** Body length of the record (for the collector's garbage count). */
  len: number;
}

export class LogKeyValueStore implements KeyValueStore, LogOwner {
  private declare readonly log: LogStore;
  private declare readonly slots: Map<string, Slot>;
  private declare readonly byAddr: Map<number, string>;
  /**
   * Set by the composition root when the mount found damage: every record a
   * damaged area could have held (records of the smallest size in every
   * sector of the log), so a bound on the newer records of any key lost.
   */
  declare lostRecordBound: number;

  /** Registers record types 1 and 2 on the log; call log.mount() afterwards. */
  constructor(log: LogStore) {
    this.slots = new Map<string, Slot>();
    this.byAddr = new Map<number, string>();
    this.lostRecordBound = 0;
    this.log = log;
    log.register(KV_PUT, this);
    log.register(KV_DELETE, this);
  }

  get(key: string): Uint8Array | undefined {
    const v = this.slots.get(key)?.value;
    return v === undefined ? undefined : v.slice();
  }

  put(key: string, value: Uint8Array): void {
    this.write(KV_PUT, key, value);
  }

  delete(key: string): void {
    if (!this.slots.has(key)) return;
    this.write(KV_DELETE, key, undefined);
  }

  /**
   * False when damage found at mount could have destroyed a newer record of
   * the key (or its only record): its value (or absence) is then not proven
   * current, and an older value may have come back.
   */
  proven(key: string): boolean {
    const slot = this.slots.get(key);
    if (!slot) return this.log.damaged === 0;
    return slot.seq === Number.MAX_SAFE_INTEGER || this.log.provenNewest(slot.addr);
  }

  keys(): string[] {
    const out: string[] = [];
    this.slots.forEach((s, k) => {
      if (s.value !== undefined) out.push(k);
    });
    return out;
  }

  private write(type: number, key: string, value: Uint8Array | undefined): void {
    const k = keyBytes(key);
    const v = value ?? new Uint8Array(0);
    const body = new Uint8Array(1 + k.length + v.length);
    body[0] = k.length;
    body.set(k, 1);
    body.set(v, 1 + k.length);
    const addr = this.log.append(type, body);
    const old = this.slots.get(key);
    this.index(key, addr, Number.MAX_SAFE_INTEGER, type === KV_PUT ? v.slice() : undefined, body.length);
    // The record it replaces is garbage now.
    if (old) this.log.release(old.addr, old.len);
  }

  private index(key: string, addr: number, seq: number, value: Uint8Array | undefined, len: number): void {
    const old = this.slots.get(key);
    if (old) this.byAddr.delete(old.addr);
    this.slots.set(key, { addr, seq, value, len });
    this.byAddr.set(addr, key);
  }

  recovered(addr: number, seq: number, type: number, body: Uint8Array): void {
    const n = body[0];
    if (body.length < 1 + n || n === 0 || n > MAX_KEY) return; // not ours to understand: ignore, never throw
    let key = "";
    for (let i = 1; i <= n; i++) key += String.fromCharCode(body[i]);
    const old = this.slots.get(key);
    if (old && old.seq > seq) return;
    this.index(key, addr, seq, type === KV_PUT ? body.slice(1 + n) : undefined, body.length);
  }

  mounted(): void {
    // Sequences from the scan only order the scan; new writes outrank them all.
  }

  isLive(addr: number): boolean {
    return this.byAddr.has(addr);
  }

  moved(from: number, to: number): void {
    const key = this.byAddr.get(from);
    if (key === undefined) return;
    const slot = this.slots.get(key) as Slot;
    this.byAddr.delete(from);
    slot.addr = to;
    this.byAddr.set(to, key);
  }
}

function keyBytes(key: string): Uint8Array {
  if (key.length === 0 || key.length > MAX_KEY) throw new StorageError("too-large", `key "${key}" must have 1..${MAX_KEY} characters`);
  const out = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) throw new StorageError("too-large", `key "${key}" is not printable ASCII`);
    out[i] = c;
  }
  return out;
}

/** Records of the smallest possible size (1-byte key, empty value) a log can hold: the bound on records lost to damage. */
export function maxRecords(log: LogStore): number {
  return log.sectorCount * Math.floor(log.sectorPayload / log.span(1));
}
