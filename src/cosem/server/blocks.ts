import type { EncodedStream } from "../interface-class.js";

/**
 * The bytes of one long response, handed out block by block. A value built
 * in RAM is sliced; an EncodedStream is pulled only as far as the block being
 * sent (plus one look-ahead pull to know whether it is the last), so a year
 * of load profile never sits in RAM whole.
 */
export class BlockSource {
  #buf: Uint8Array;
  #stream: EncodedStream | undefined;
  #ended: boolean;

  constructor(bytes: Uint8Array, stream?: EncodedStream) {
    this.#buf = bytes;
    this.#stream = stream;
    this.#ended = stream === undefined;
  }

  /** Buffers until n bytes are available or the source ended; returns the bytes available. */
  #fill(n: number): void {
    while (!this.#ended && this.#buf.length < n) {
      const chunk = this.#stream!.next(n - this.#buf.length);
      // An empty chunk would spin forever: it ends the value like undefined does.
      if (chunk === undefined || chunk.length === 0) {
        this.#ended = true;
        break;
      }
      const joined = new Uint8Array(this.#buf.length + chunk.length);
      joined.set(this.#buf);
      joined.set(chunk, this.#buf.length);
      this.#buf = joined;
    }
  }

  /** True when everything left fits in n bytes (pulls ahead one byte to know). */
  fitsIn(n: number): boolean {
    this.#fill(n + 1);
    return this.#ended && this.#buf.length <= n;
  }

  /** Takes up to n bytes; `last` tells whether nothing remains after them. */
  take(n: number): { bytes: Uint8Array; last: boolean } {
    this.#fill(n + 1);
    // All that is left: #buf is this source's own (encoded or joined here), handed over without a copy.
    const bytes = n >= this.#buf.length ? this.#buf : this.#buf.subarray(0, n).slice();
    this.#buf = this.#buf.subarray(bytes.length);
    return { bytes, last: this.#ended && this.#buf.length === 0 };
  }
}
