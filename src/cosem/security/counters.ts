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

export class TransmitCounter {
  readonly #kv: KeyValueStore;
  readonly #key: string;
  readonly #block: number;
  #next: number;
  #reservedEnd: number;

  constructor(kv: KeyValueStore, key: string, block = TX_RESERVATION_BLOCK) {
    this.#kv = kv;
    this.#key = key;
    this.#block = block;
    // Everything below the stored end may already have been sent. After
    // damage the newest reservations may be lost (an older one would then
    // come back): skip every value they could have reserved, so no value
    // is ever reused whatever the damage.
    // The skip is stored at once (a record written after the damage), so
    // the boot that found the damage skips, and later boots resume from there
    // (the composition root sets lostRecordBound only for damage not handled yet).
    const lost = kv.lostRecordBound ?? 0;
    this.#next = Math.max(FIRST, Math.min(MAX, (readU32(kv.get(key)) ?? 0) + lost * block));
    this.#reservedEnd = this.#next;
    if (lost > 0) kv.put(key, u32(this.#next));
  }

  /** The value the next APDU will carry (what the Security Setup's counter object reports). */
  get peek(): number {
    return this.#next;
  }

  /** Takes the next counter value; undefined when the 32-bit space is used up (the key must change). */
  take(): number | undefined {
    if (this.#next >= MAX) return undefined;
    if (this.#next >= this.#reservedEnd) {
      const end = Math.min(MAX, this.#next + this.#block);
      this.#kv.put(this.#key, u32(end));
      this.#reservedEnd = end;
    }
    return this.#next++;
  }

  /** After a key change the counter space starts again (the nonce is new with the key). */
  reset(): void {
    this.#next = FIRST;
    this.#reservedEnd = FIRST;
    this.#kv.put(this.#key, u32(0));
  }
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
  readonly #kv: KeyValueStore;
  readonly #key: string;
  #last: number;
  #proven: boolean;

  constructor(kv: KeyValueStore, key: string) {
    this.#kv = kv;
    this.#key = key;
    const stored = readU32(kv.get(key));
    this.#last = stored === undefined ? -1 : stored;
    // New damage (the composition root sets lostRecordBound for the boot that found it), or an earlier boot's flag.
    this.#proven = !kv.get(`${key}.u`);
    if ((kv.lostRecordBound ?? 0) > 0 && this.#proven) {
      kv.put(`${key}.u`, Uint8Array.of(1));
      this.#proven = false;
    }
  }

  /** The lowest value that would be accepted next. */
  get expected(): number {
    return this.#last + 1;
  }

  /** False after storage damage until an HLS authentication or a key change proves the counter again. */
  get proven(): boolean {
    return this.#proven;
  }

  /** True when above the last accepted value. Check before deciphering, commit only after the tag verified. */
  fresh(ic: number): boolean {
    return ic > this.#last;
  }

  /** Records an authenticated value (never called for a forged APDU, which could otherwise block the peer). */
  commit(ic: number): void {
    if (ic <= this.#last) return;
    this.#last = ic;
    this.#kv.put(this.#key, u32(ic));
  }

  /**
   * The peer proved its current counter `ic` (HLS f(StoC) over a fresh
   * challenge): every APDU recorded before has a lower one, so it is a safe
   * floor again. Returns true when the counter was unproven.
   */
  prove(ic: number): boolean {
    this.commit(ic);
    if (this.#proven) return false;
    this.#proven = true;
    this.#kv.delete(`${this.#key}.u`);
    return true;
  }

  reset(): void {
    this.#last = -1;
    this.#proven = true;
    this.#kv.delete(this.#key);
    this.#kv.delete(`${this.#key}.u`);
  }
}
