/**
 * What both link ends share for segmentation (IEC 62056-46 6.4.4.4.3.6): an
 * APDU longer than the negotiated maximum information length travels as
 * I-frames with the segmentation bit set on all but the last, each one
 * acknowledged (RR) before the next; the receiver reassembles up to a bound.
 */

/** Sequence numbers are modulo 8. */
export function nextSeq(n: number): number {
  return (n + 1) & 7;
}

export function prevSeq(n: number): number {
  return (n + 7) & 7;
}

/** Reassembles segments into one buffer, refusing to grow past a bound (a hostile peer cannot exhaust RAM). */
export class Reassembly {
  private parts: Uint8Array[] = [];
  private total = 0;

  constructor(private readonly limit: number) {}

  get length(): number {
    return this.total;
  }

  /** False when the segment would exceed the bound (nothing is kept then). */
  add(segment: Uint8Array): boolean {
    if (this.total + segment.length > this.limit) return false;
    this.parts.push(segment.slice());
    this.total += segment.length;
    return true;
  }

  take(): Uint8Array {
    const out = new Uint8Array(this.total);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    this.clear();
    return out;
  }

  clear(): void {
    this.parts = [];
    this.total = 0;
  }
}

/** Hands out consecutive slices of one outgoing buffer. */
export class Segmenter {
  private data: Uint8Array = new Uint8Array(0);
  private offset = 0;

  load(data: Uint8Array): void {
    this.data = data;
    this.offset = 0;
  }

  get pending(): boolean {
    return this.offset < this.data.length;
  }

  /** The next slice of at most max bytes and whether more follows it. */
  next(max: number): { chunk: Uint8Array; more: boolean } {
    const end = Math.min(this.data.length, this.offset + Math.max(1, max));
    const chunk = this.data.subarray(this.offset, end);
    this.offset = end;
    return { chunk, more: end < this.data.length };
  }

  clear(): void {
    this.data = new Uint8Array(0);
    this.offset = 0;
  }
}
