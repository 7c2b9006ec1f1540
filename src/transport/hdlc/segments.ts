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

/**
 * Reassembles segments into one buffer, refusing to grow past a bound (a
 * hostile peer cannot exhaust RAM). An APDU that came in one frame is not
 * copied at all (complete): it stays a view into the frame reader's buffer.
 */
export class Reassembly {
  private declare parts: Uint8Array[];
  private declare total: number;

  private declare readonly limit: number;

  constructor(limit: number) {
    this.parts = [];
    this.total = 0;
    this.limit = limit;
  }

  get length(): number {
    return this.total;
  }

  /** False when the segment would exceed the bound (nothing is kept then). The segment is copied: it may be a view into a buffer reused for the next frame. */
  add(segment: Uint8Array): boolean {
    if (this.total + segment.length > this.limit) return false;
    this.parts.push(segment.slice());
    this.total += segment.length;
    return true;
  }

  /**
   * The whole APDU ending with this last segment, or undefined when it would
   * exceed the bound (nothing is kept then). With nothing pending that is the
   * segment itself, uncopied: valid as long as the segment is.
   */
  complete(last: Uint8Array): Uint8Array | undefined {
    if (this.total === 0) return last.length > this.limit ? undefined : last;
    if (!this.add(last)) {
      this.clear();
      return undefined;
    }
    return this.take();
  }

  take(): Uint8Array {
    const parts = this.parts;
    if (parts.length === 1) {
      this.clear();
      return parts[0];
    }
    const out = new Uint8Array(this.total);
    let o = 0;
    for (let i = 0; i < parts.length; i++) {
      out.set(parts[i], o);
      o += parts[i].length;
    }
    this.clear();
    return out;
  }

  clear(): void {
    if (this.total === 0 && this.parts.length === 0) return;
    this.parts = [];
    this.total = 0;
  }
}

const NOTHING = new Uint8Array(0);

/**
 * Hands out consecutive segments of one outgoing APDU, given as a header (the
 * LLC bytes) and the APDU itself, so that the two are never copied together
 * first: a segment is `head` (the part of the header it carries, mostly all
 * or nothing) followed by `body`, which encodeFrame writes one after the other.
 */
export class Segmenter {
  private h: Uint8Array = NOTHING;
  private data: Uint8Array = NOTHING;
  /** Position in head ‖ data. */
  private offset = 0;
  /** The segment of the last next(): header part, APDU part, and whether more follows. Views, nothing copied. */
  head: Uint8Array = NOTHING;
  body: Uint8Array = NOTHING;
  more = false;

  load(data: Uint8Array, head: Uint8Array = NOTHING): void {
    this.h = head;
    this.data = data;
    this.offset = 0;
  }

  get pending(): boolean {
    return this.offset < this.h.length + this.data.length;
  }

  /** Cuts the next segment of at most max bytes (at least 1) into head, body and more. */
  next(max: number): void {
    const hl = this.h.length;
    const total = hl + this.data.length;
    const from = this.offset;
    if (from === 0 && total <= max) {
      // The usual answer: all of it in one segment.
      this.head = this.h;
      this.body = this.data;
      this.offset = total;
      this.more = false;
      return;
    }
    const end = Math.min(total, from + Math.max(1, max));
    this.head = from < hl ? this.h.subarray(from, Math.min(hl, end)) : NOTHING;
    this.body = end > hl ? this.data.subarray(Math.max(0, from - hl), end - hl) : NOTHING;
    this.offset = end;
    this.more = end < total;
  }

  clear(): void {
    this.h = NOTHING;
    this.data = NOTHING;
    this.offset = 0;
    this.head = NOTHING;
    this.body = NOTHING;
    this.more = false;
  }
}
