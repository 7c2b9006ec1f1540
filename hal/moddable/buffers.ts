/**
 * Moddable's native IO takes and returns ArrayBuffers; the ports speak
 * Uint8Array. A view over a whole buffer is passed as its buffer without a
 * copy; only a partial view is copied (natives ignore a view's offset on some
 * platforms).
 */
export function asArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) return bytes.buffer;
  return bytes.slice().buffer as ArrayBuffer;
}

/** What ECMA-419 IO writes to (a serial port, a socket). */
export interface ByteSink {
  write(buffer: ArrayBuffer): void;
}

/**
 * Outgoing bytes paced by ECMA-419's onWritable, for the serial port and the
 * sockets alike: `write` accepts no more than the count the last onWritable
 * gave, and a DLMS frame or block can exceed a UART FIFO or lwIP's send
 * buffer, so what does not fit waits here and goes out as room is reported,
 * never dropped.
 */
export class PacedWriter {
  private room = 0;
  private queue: Uint8Array[] = [];

  /** Queues a copy of `bytes` (the caller may reuse its buffer) and writes what fits now. */
  write(sink: ByteSink | undefined, bytes: Uint8Array): void {
    this.queue.push(bytes.slice());
    this.drain(sink);
  }

  /** onWritable: the device takes `count` more bytes. */
  writable(sink: ByteSink | undefined, count: number): void {
    this.room = count;
    this.drain(sink);
  }

  /** Drops what waits and the room reported: the device closed, or was reopened at another rate. */
  clear(): void {
    this.queue = [];
    this.room = 0;
  }

  private drain(sink: ByteSink | undefined): void {
    while (sink && this.room > 0 && this.queue.length > 0) {
      const head = this.queue[0];
      const n = Math.min(head.length, this.room);
      sink.write(asArrayBuffer(n === head.length ? head : head.subarray(0, n)));
      this.room -= n;
      if (n === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(n);
    }
  }
}
