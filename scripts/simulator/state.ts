/**
 * The simulator's state directory: what a real meter keeps in flash and in
 * its battery-backed RTC. Files are replaced atomically (write to a
 * temporary name, fsync, rename), so a simulator killed at any instant
 * leaves the previous or the new state, never a torn file.
 *
 *  kv.bin   the KeyValueStore contents (energy, counters, relay), written
 *           through on every put, until the flash-backed store of
 *           src/storage replaces it with flash.bin
 *  rtc.json the RTC at the last save and the host time it was saved at, so
 *           the meter clock keeps running while the simulator is stopped
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import { MemoryKeyValueStore, type KeyValueStore } from "../../src/persistence.js";

export function writeAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, typeof data === "string" ? Buffer.from(data, "utf8") : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/**
 * kv.bin layout: repeated [u8 key length][key ASCII][u16 BE value length][value].
 * A file that does not parse completely is ignored as a whole (fresh meter)
 * rather than half-loaded.
 */
export function encodeKv(entries: [string, Uint8Array][]): Uint8Array {
  const parts: number[] = [];
  for (const [k, v] of entries) {
    if (k.length > 255 || v.length > 0xffff) throw new Error(`kv entry too large: ${k}`);
    parts.push(k.length, ...Array.from(k, (c) => c.charCodeAt(0) & 0x7f), v.length >> 8, v.length & 0xff, ...v);
  }
  return Uint8Array.from(parts);
}

export function decodeKv(bytes: Uint8Array): [string, Uint8Array][] | undefined {
  const out: [string, Uint8Array][] = [];
  let i = 0;
  while (i < bytes.length) {
    const kl = bytes[i++];
    if (i + kl + 2 > bytes.length) return undefined;
    const key = String.fromCharCode(...bytes.subarray(i, i + kl));
    i += kl;
    const vl = (bytes[i] << 8) | bytes[i + 1];
    i += 2;
    if (i + vl > bytes.length) return undefined;
    out.push([key, bytes.slice(i, i + vl)]);
    i += vl;
  }
  return out;
}

/**
 * A RAM store written through to kv.bin on every put/delete, so that the
 * port's contract holds on the host too: once put() returns, a kill of the
 * simulator at any instant keeps that value (invocation counters rely on
 * it). Writes are rare (energy every persist period, counters per reserved
 * block), so rewriting the small file each time costs nothing noticeable.
 */
export class FileKeyValueStore implements KeyValueStore {
  readonly #mem = new MemoryKeyValueStore();
  readonly #keys = new Set<string>();
  #dirty = false;
  #loaded = false;

  constructor(readonly path: string) {
    if (existsSync(path)) {
      const entries = decodeKv(new Uint8Array(readFileSync(path)));
      if (entries) for (const [k, v] of entries) this.put(k, v);
    }
    this.#dirty = false;
    this.#loaded = true;
  }

  get(key: string): Uint8Array | undefined {
    return this.#mem.get(key);
  }

  put(key: string, value: Uint8Array): void {
    this.#mem.put(key, value);
    this.#keys.add(key);
    this.#dirty = true;
    if (this.#loaded) this.save();
  }

  delete(key: string): void {
    this.#mem.delete(key);
    this.#keys.delete(key);
    this.#dirty = true;
    if (this.#loaded) this.save();
  }

  save(): void {
    if (!this.#dirty) return;
    const entries: [string, Uint8Array][] = [];
    for (const k of [...this.#keys].sort()) {
      const v = this.#mem.get(k);
      if (v) entries.push([k, v]);
    }
    writeAtomic(this.path, encodeKv(entries));
    this.#dirty = false;
  }
}

export interface RtcState {
  utcMs: number;
  hostMs: number;
}

export class StateDir {
  readonly store: FileKeyValueStore;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.store = new FileKeyValueStore(join(dir, "kv.bin"));
  }

  /** Where the meter clock stands now: the saved RTC plus the host time since (the RTC ran on its battery). */
  rtcNow(hostNowMs: number): number | undefined {
    const p = join(this.dir, "rtc.json");
    if (!existsSync(p)) return undefined;
    try {
      const s = JSON.parse(readFileSync(p, "utf8")) as RtcState;
      if (typeof s.utcMs !== "number" || typeof s.hostMs !== "number" || !Number.isFinite(s.utcMs)) return undefined;
      return s.utcMs + Math.max(0, hostNowMs - s.hostMs);
    } catch {
      return undefined;
    }
  }

  saveRtc(utcMs: number, hostMs: number): void {
    writeAtomic(join(this.dir, "rtc.json"), JSON.stringify({ utcMs, hostMs } satisfies RtcState) + "\n");
  }

  save(utcMs: number, hostMs: number): void {
    this.store.save();
    this.saveRtc(utcMs, hostMs);
  }
}
