/**
 * Cuts a received byte stream into HDLC frames. The length in the format
 * field (not a scan for the closing flag) delimits a frame, because 7E may
 * occur inside a frame: IEC 62056-46 uses no byte stuffing. One flag may
 * close a frame and open the next. A candidate that fails (bad CRC, no
 * closing flag where the length says) is dropped from its opening flag on,
 * and the search resumes at the next 7E, so garbage (a baud mismatch, line
 * noise) costs at most one frame and never stalls the reader.
 *
 * Memory is bounded: the buffer never holds more than one maximal frame.
 * Frames are decoded where they lie in that buffer (FrameSink.frame).
 */
import { DecodeError } from "../../util/errors.js";
import { decodeFrame, FLAG, MAX_FRAME_LENGTH, type HdlcFrame } from "./frame.js";

const CAPACITY = MAX_FRAME_LENGTH + 2;

export interface FrameSink {
  /**
   * A whole frame. It is decoded in place: its info field and `raw` (the
   * frame's bytes, flags included) are views into the reader's buffer, valid
   * until this call returns (the sink copies what it keeps), so a frame costs
   * no copy on its way in.
   */
  frame(frame: HdlcFrame, raw: Uint8Array): void;
  /** A candidate frame that was discarded (CRC or format error); for counters and logs. */
  discarded?(error: DecodeError): void;
}

export class HdlcFrameReader {
  private declare readonly buf: Uint8Array<ArrayBuffer>;
  private declare len: number;

  private declare readonly sink: FrameSink;

  constructor(sink: FrameSink) {
    this.buf = new Uint8Array(CAPACITY);
    this.len = 0;
    this.sink = sink;
  }

  /** Drops any partial frame (inter-frame time-out, baud change). */
  reset(): void {
    this.len = 0;
  }

  get buffered(): number {
    return this.len;
  }

  push(bytes: Uint8Array): void {
    // The usual case, a chunk that is exactly one whole frame while nothing but a flag is
    // pending, is decoded where it lies: no copy into the buffer, no compaction. Anything
    // else (or a frame that does not decode) takes the general path below.
    const n = bytes.length;
    if (n >= 9 && this.len <= 1 && bytes[0] === FLAG && bytes[n - 1] === FLAG && (((bytes[1] & 7) << 8) | bytes[2]) === n - 2) {
      let frame: HdlcFrame | undefined;
      try {
        frame = decodeFrame(bytes, 0, n);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
      }
      if (frame) {
        // As after the general path: the closing flag is kept as the next frame's opening flag.
        this.buf[0] = FLAG;
        this.len = 1;
        this.sink.frame(frame, bytes);
        return;
      }
    }
    let i = 0;
    while (i < bytes.length) {
      const n = Math.min(bytes.length - i, CAPACITY - this.len);
      this.buf.set(bytes.subarray(i, i + n), this.len);
      this.len += n;
      i += n;
      this.drain();
      // drain() always leaves room unless a maximal frame is still incomplete; it then keeps at most CAPACITY - 1 bytes.
    }
  }

  private drain(): void {
    const b = this.buf;
    let p = 0;
    for (;;) {
      while (p < this.len && b[p] !== FLAG) p++;
      // Runs of flags (inter-frame fill) collapse to the last one.
      while (p + 1 < this.len && b[p + 1] === FLAG) p++;
      if (p + 3 > this.len) break;
      const f0 = b[p + 1];
      if (f0 >> 4 !== 0xa) {
        p++;
        continue;
      }
      const length = ((f0 & 7) << 8) | b[p + 2];
      if (length < 7) {
        p++;
        continue;
      }
      const end = p + length + 2;
      if (end > this.len) {
        // Incomplete: but the "length" may be noise before a flag (7E A0 7E ...). A complete frame at a
        // later flag wins over waiting; checking the closing flag first keeps this cheap.
        const q = this.completeFrameAfter(p);
        if (q < 0) break;
        p = q;
        continue;
      }
      if (b[end - 1] !== FLAG) {
        this.discard(new DecodeError("hdlc-flag", "no closing flag where the length field says", end - 1));
        p++;
        continue;
      }
      let frame: HdlcFrame;
      try {
        frame = decodeFrame(b, p, end);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        this.discard(e);
        p++;
        continue;
      }
      this.sink.frame(frame, b.subarray(p, end));
      // Then drop it; the closing flag may be the next frame's opening flag. (The sink may have reset the reader.)
      this.compact(end - 1);
      p = 0;
      if (this.len === 0) return;
    }
    this.compact(p);
  }

  /** Index of the next flag after p that opens a whole valid frame in the buffer, or -1. */
  private completeFrameAfter(p: number): number {
    const b = this.buf;
    for (let q = p + 1; q + 9 <= this.len; q++) {
      if (b[q] !== FLAG || b[q + 1] >> 4 !== 0xa) continue;
      const end = q + (((b[q + 1] & 7) << 8) | b[q + 2]) + 2;
      if (end > this.len || b[end - 1] !== FLAG) continue;
      try {
        decodeFrame(b, q, end);
        return q;
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
      }
    }
    return -1;
  }

  private compact(from: number): void {
    if (from <= 0) return;
    if (from >= this.len) {
      this.len = 0;
      return;
    }
    this.buf.copyWithin(0, from, this.len);
    this.len -= from;
  }

  private discard(e: DecodeError): void {
    if (this.sink.discarded) this.sink.discarded(e);
  }
}
