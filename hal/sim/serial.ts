/**
 * A simulated serial line: two connected SerialPort endpoints (meter side,
 * probe side), each with its own baud setting, on simulated time (the
 * Timers port). Bytes take their real time on the wire (10 bit times per
 * 8N1 character) and arrive in order. A chunk sent at one baud and received
 * at another arrives as garbage of roughly the length a UART would see,
 * which is what makes a wrong baud switch visible in tests. The host
 * simulator can later bridge an endpoint to a real pty through `inject` and
 * `onTransmit`.
 */
import type { SerialPort } from "../serial.js";
import type { Timers } from "../timer.js";

interface Chunk {
  bytes: Uint8Array;
  baud: number;
}

class Direction {
  private readonly queue: Chunk[] = [];
  private busy = false;

  constructor(
    private readonly line: SimSerialLine,
    private readonly to: SimSerialEndpoint,
  ) {}

  send(bytes: Uint8Array, baud: number): void {
    if (bytes.length === 0) return;
    this.queue.push({ bytes: bytes.slice(), baud });
    if (!this.busy) this.startNext();
  }

  private startNext(): void {
    const head = this.queue[0];
    if (!head) {
      this.busy = false;
      return;
    }
    this.busy = true;
    const ms = Math.max(1, Math.ceil((head.bytes.length * 10 * 1000) / head.baud));
    this.line.timers.once(ms, () => {
      this.queue.shift();
      this.to.arrive(head.baud === this.to.baud ? head.bytes : this.line.garble(head.bytes.length, head.baud, this.to.baud));
      this.startNext();
    });
  }
}

class SimSerialEndpoint implements SerialPort {
  #baud: number;
  #handler: ((bytes: Uint8Array) => void) | undefined;
  #closed = false;
  #peer: Direction | undefined;
  /** Baud changes in order, for tests (the meter's sign-on and return to 300 baud). */
  readonly baudHistory: number[] = [];
  /** The next this many writes are lost on the line (a test's interrupted beam). */
  dropWrites = 0;
  /** Every chunk written (for a host bridge or a test's trace). */
  onTransmit: ((bytes: Uint8Array) => void) | undefined;

  constructor(
    readonly name: string,
    baud: number,
  ) {
    this.#baud = baud;
  }

  /** @internal wiring done by SimSerialLine. */
  connect(d: Direction): void {
    this.#peer = d;
  }

  get baud(): number {
    return this.#baud;
  }

  get closed(): boolean {
    return this.#closed;
  }

  setBaud(baud: number): void {
    if (!(baud > 0)) throw new RangeError(`baud ${baud}`);
    this.#baud = baud;
    this.baudHistory.push(baud);
  }

  write(bytes: Uint8Array): void {
    if (this.#closed) return;
    if (this.onTransmit) this.onTransmit(bytes);
    if (this.dropWrites > 0) {
      this.dropWrites--;
      return;
    }
    if (this.#peer) this.#peer.send(bytes, this.#baud);
  }

  onReceive(handler: (bytes: Uint8Array) => void): void {
    this.#handler = handler;
  }

  close(): void {
    this.#closed = true;
  }

  /** @internal bytes that reached this end's receiver. */
  arrive(bytes: Uint8Array): void {
    if (!this.#closed && this.#handler) this.#handler(bytes);
  }

  /** Bytes from outside the simulation (a host pty bridge), delivered at once. */
  inject(bytes: Uint8Array): void {
    this.arrive(bytes);
  }
}

export class SimSerialLine {
  readonly meter: SimSerialEndpoint;
  readonly probe: SimSerialEndpoint;
  #seed: number;

  constructor(
    readonly timers: Timers,
    options: { baud?: number; seed?: number } = {},
  ) {
    const baud = options.baud ?? 300;
    this.#seed = options.seed ?? 0x2545f491;
    this.meter = new SimSerialEndpoint("meter", baud);
    this.probe = new SimSerialEndpoint("probe", baud);
    this.meter.connect(new Direction(this, this.probe));
    this.probe.connect(new Direction(this, this.meter));
  }

  /** What a receiver at rxBaud makes of n characters sent at txBaud: about n * rx/tx characters of noise. */
  garble(n: number, txBaud: number, rxBaud: number): Uint8Array {
    const m = Math.max(1, Math.round((n * rxBaud) / txBaud));
    const out = new Uint8Array(m);
    let x = this.#seed;
    for (let i = 0; i < m; i++) {
      // xorshift32: deterministic noise, so a failing run replays exactly.
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = x & 0xff;
    }
    this.#seed = x >>> 0 || 1;
    return out;
  }
}
