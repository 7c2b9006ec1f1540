import type { KeyValueStore } from "../../persistence.js";
import { readU32 as u32At, u32Bytes as u32 } from "../../util/bytes.js";

/**
 * Invocation counters (Green Book 9.2.7.2.4.3): the IV is system title ||
 * counter, so reusing a transmit counter under the same key would reuse a GCM
 * nonce and break confidentiality and integrity. Flash cannot be written for
 * every APDU, so the transmit counter reserves values ahead in blocks: the
 * store holds the end of the reservation, written (and committed, see
 * KeyValueStore) BEFORE the first value of the block is used. After a power
 * cut the counter restarts at the stored end, above every value that could
 * have been sent; at most one block of values is skipped, never reused.
 */
export const TX_RESERVATION_BLOCK = 1024;
const MAX = 0xffffffff;
/**
 * The first value sent under a key. 0 is legal in the Green Book, but common
 * clients (dlms-cosem among them) take a counter of 0 as "never set" and
 * refuse it by default; starting at 1 costs nothing.
 */
const FIRST = 1;

/** A stored counter: four big-endian bytes, anything else is none. */
function readU32(b: Uint8Array | undefined): number | undefined {
  return b && b.length === 4 ? u32At(b, 0) : undefined;
}

/**
 * The mirror copy's value: the reservation end and its complement, so that a
 * bit flipped where the mirror's area checks no CRC at mount (the middle of
 * the load ring) reads as damaged, never as another value.
 */
function mirrorBytes(v: number): Uint8Array {
  const b = new Uint8Array(8);
  b.set(u32(v), 0);
  b.set(u32(~v >>> 0), 4);
  return b;
}

function readMirror(b: Uint8Array | undefined): number | undefined {
  if (!b || b.length !== 8) return undefined;
  const v = u32At(b, 0);
  return (u32At(b, 4) ^ v) >>> 0 === 0xffffffff ? v : undefined;
}

/**
 * The transmit counter (see the file comment). Every reservation end is
 * written to two copies before its first value is used: the main record in
 * `kv`, and a mirror in `mirror`, a store on other sectors (the composition
 * root puts it on the load ring, a separate area of the partition). So
 * either copy alone is a floor: at mount the newest value of a copy that
 * damage cannot have overtaken (KeyValueStore.proven) is exact, and the
 * larger copy wins. Only when no copy is proven does the skip bound apply
 * (an older value of a copy + every reservation damage could have lost);
 * when no copy has any value left and damage could have taken them, no safe
 * value can be proved: the counter is refused (take() gives undefined,
 * `refused` is true) and stays refused across boots (flag `<key>.r` in both
 * copies) until a key change (reset()) starts a new nonce space. The value
 * never goes backwards otherwise: it only grows until reset().
 */
export class TransmitCounter {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare private readonly kv: KeyValueStore;
  declare private readonly mirror: KeyValueStore | undefined;
  declare private readonly key: string;
  declare private readonly block: number;
  declare private next: number;
  declare private reservedEnd: number;
  declare private isRefused: boolean;
  /** Refused by this boot's damage handling (the flag was written now): the caller logs why once. */
  declare readonly refusedNow: boolean;

  constructor(kv: KeyValueStore, key: string, block = TX_RESERVATION_BLOCK, mirror?: KeyValueStore) {
    this.kv = kv;
    this.mirror = mirror;
    this.key = key;
    this.block = block;
    const main = copyState(kv, key, readU32);
    const copies = mirror ? [main, copyState(mirror, key, readMirror)] : [main];
    let exact = -1;
    let bounded = -1;
    let present = false;
    for (let i = 0; i < copies.length; i++) {
      const c = copies[i];
      if (c.value !== undefined) {
        present = true;
        // An unproven copy is an older value: below the newest, or skipped past every reservation damage could have lost.
        if (c.proven) exact = Math.max(exact, c.value);
        else bounded = Math.max(bounded, c.value + c.lost * block);
      }
    }
    let floor: number | undefined;
    if (exact >= 0) floor = Math.min(MAX, Math.max(exact, bounded));
    else if (bounded >= 0) floor = Math.min(MAX, bounded);
    // No value anywhere: a fresh counter if a copy proves it never had one (its area undamaged), else nothing is proved.
    else if (copies.some((c) => c.proven && !c.invalid)) floor = 0;
    this.isRefused = floor === undefined || kv.get(`${key}.r`) !== undefined || mirror?.get(`${key}.r`) !== undefined;
    this.refusedNow = false;
    this.next = Math.max(FIRST, floor ?? 0);
    this.reservedEnd = this.next;
    if (this.isRefused) {
      if (kv.get(`${key}.r`) === undefined) {
        kv.put(`${key}.r`, Uint8Array.of(1));
        mirror?.put(`${key}.r`, Uint8Array.of(1));
        this.refusedNow = true;
      }
      return;
    }
    // Both copies agree with the floor from now on: written at once after damage (so the boot that found it
    // skips, and later boots resume from there: the composition root sets lostRecordBound only for damage not
    // handled yet), and once for a mirror missing beside a main record (a meter stored before mirrors existed).
    // On a store that can find damage a fresh counter is stored too (0: nothing reserved), so that later a copy lost
    // to damage is told from one never written: damage then bounds it (skip) instead of leaving nothing to prove.
    if (present ? copies.some((c) => c.value !== floor) : kv.proven !== undefined) this.store(floor as number);
  }

  /** The value the next APDU will carry (what the Security Setup's counter object reports). */
  get peek(): number {
    return this.next;
  }

  /** No value can be proved unused under the current keys (both copies lost to damage): ciphered service is refused until the keys change. */
  get refused(): boolean {
    return this.isRefused;
  }

  /** Takes the next counter value; undefined when refused or the 32-bit space is used up (the key must change). */
  take(): number | undefined {
    if (this.isRefused || this.next >= MAX) return undefined;
    if (this.next >= this.reservedEnd) {
      const end = Math.min(MAX, this.next + this.block);
      this.store(end);
      this.reservedEnd = end;
    }
    return this.next++;
  }

  /** After a key change the counter space starts again (the nonce is new with the key); a refusal ends with it. */
  reset(): void {
    this.next = FIRST;
    this.reservedEnd = FIRST;
    this.isRefused = false;
    this.store(0);
    this.kv.delete(`${this.key}.r`);
    this.mirror?.delete(`${this.key}.r`);
  }

  /** Both copies, main first, each committed before the caller uses a value below `end`. */
  private store(end: number): void {
    this.kv.put(this.key, u32(end));
    this.mirror?.put(this.key, mirrorBytes(end));
  }
}

/** What one copy of the reservation end says after mount. */
function copyState(kv: KeyValueStore, key: string, read: (b: Uint8Array | undefined) => number | undefined) {
  const bytes = kv.get(key);
  const value = read(bytes);
  return {
    value,
    /** Bytes there that are no counter (a damaged mirror). */
    invalid: bytes !== undefined && value === undefined,
    /** No damage can have destroyed a newer record of this copy (or, absent, its only one). */
    proven: kv.proven ? kv.proven(key) : true,
    lost: kv.lostRecordBound ?? 0,
  };
}

/**
 * The peer's counter under one key: a value is accepted only when above the
 * last accepted one. It is persisted at every acceptance, so a message
 * recorded before a power cut cannot be replayed after it.
 *
 * After storage damage the newest accepted value may be lost and an older
 * one come back. Unlike the transmit counter no bound can be proved (the
 * peer's counter may jump by any amount between two APDUs it sends here), so
 * the counter becomes unproven (kept with a flag record written after the
 * damage, so later boots know too): the server then refuses ciphered
 * service under these keys except HLS authentication, whose f(StoC) is bound
 * to a fresh challenge and so proves the peer's current counter (prove()),
 * and a key change resets the counter space (reset()). ARCHITECTURE.md,
 * Storage, gives the recovery path.
 */
export class ReceiveCounter {
  declare private readonly kv: KeyValueStore;
  declare private readonly key: string;
  declare private last: number;
  declare private isProven: boolean;

  constructor(kv: KeyValueStore, key: string) {
    this.kv = kv;
    this.key = key;
    const stored = readU32(kv.get(key));
    this.last = stored === undefined ? -1 : stored;
    // New damage (the composition root sets lostRecordBound for the boot that found it), or an earlier boot's flag.
    this.isProven = !kv.get(`${key}.u`);
    if ((kv.lostRecordBound ?? 0) > 0 && this.isProven) {
      kv.put(`${key}.u`, Uint8Array.of(1));
      this.isProven = false;
    }
  }

  /** The lowest value that would be accepted next. */
  get expected(): number {
    return this.last + 1;
  }

  /** False after storage damage until an HLS authentication or a key change proves the counter again. */
  get proven(): boolean {
    return this.isProven;
  }

  /** True when above the last accepted value. Check before deciphering, commit only after the tag verified. */
  fresh(ic: number): boolean {
    return ic > this.last;
  }

  /** Records an authenticated value (never called for a forged APDU, which could otherwise block the peer). */
  commit(ic: number): void {
    if (ic <= this.last) return;
    this.last = ic;
    this.kv.put(this.key, u32(ic));
  }

  /**
   * The peer proved its current counter `ic` (HLS f(StoC) over a fresh
   * challenge): every APDU recorded before has a lower one, so it is a safe
   * floor again. Returns true when the counter was unproven.
   */
  prove(ic: number): boolean {
    this.commit(ic);
    if (this.isProven) return false;
    this.isProven = true;
    this.kv.delete(`${this.key}.u`);
    return true;
  }

  reset(): void {
    this.last = -1;
    this.isProven = true;
    this.kv.delete(this.key);
    this.kv.delete(`${this.key}.u`);
  }
}
