import type { KeyValueStore } from "../persistence.js";

/**
 * A counter that never hands out the same value twice, across any power cut
 * (invocation counters, frame counters, billing counters).
 *
 * It persists a reservation ahead of use: the stored value is a bound that
 * no value handed out so far reaches. After a reboot counting resumes at the
 * bound, so the values reserved but not used are skipped, never reused, and
 * the KV store writes only once per `step` values.
 */
export class PersistentCounter {
  private value: number;
  private bound: number;

  constructor(
    private readonly kv: KeyValueStore,
    private readonly key: string,
    private readonly step = 32,
  ) {
    const raw = kv.get(key);
    this.bound = raw && raw.length === 8 ? decode(raw) : 0;
    this.value = this.bound;
  }

  /** The next value that will be handed out. */
  peek(): number {
    return this.value;
  }

  /** Hands out a value never handed out before (committed before it returns). */
  next(): number {
    if (this.value >= this.bound) this.reserve(this.value + this.step);
    return this.value++;
  }

  /** Moves the counter up to at least v (e.g. a peer's counter seen); never down. */
  advanceTo(v: number): void {
    if (v <= this.value) return;
    if (v > this.bound) this.reserve(v + this.step);
    this.value = v;
  }

  private reserve(bound: number): void {
    if (!Number.isSafeInteger(bound)) throw new RangeError("counter exhausted");
    this.kv.put(this.key, encode(bound));
    this.bound = bound;
  }
}

function encode(v: number): Uint8Array {
  const out = new Uint8Array(8);
  const hi = Math.floor(v / 0x100000000);
  const lo = v >>> 0;
  new DataView(out.buffer).setUint32(0, hi);
  new DataView(out.buffer).setUint32(4, lo);
  return out;
}

function decode(b: Uint8Array): number {
  const dv = new DataView(b.buffer, b.byteOffset, 8);
  return dv.getUint32(0) * 0x100000000 + dv.getUint32(4);
}
