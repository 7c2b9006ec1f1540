/**
 * The HAL ports the client-side transports need, on Node: timers on
 * setTimeout, a TCP connection on a net socket, the optical probe on the
 * `serialport` package (any tty: a USB optical head, or the simulator's pty).
 */
import { connect, type Socket } from "node:net";
import { SerialPort as NodeSerial } from "serialport";
import type { SerialPort } from "../../hal/serial.js";
import type { TcpConnection } from "../../hal/tcp.js";
import type { TimerId, Timers } from "../../hal/timer.js";

export class NodeTimers implements Timers {
  readonly #handles = new Map<TimerId, ReturnType<typeof setTimeout>>();
  #next = 1;

  once(ms: number, callback: () => void): TimerId {
    const id = this.#next++;
    this.#handles.set(
      id,
      setTimeout(() => {
        this.#handles.delete(id);
        callback();
      }, ms),
    );
    return id;
  }

  repeat(ms: number, callback: () => void): TimerId {
    const id = this.#next++;
    this.#handles.set(id, setInterval(callback, Math.max(1, ms)));
    return id;
  }

  clear(id: TimerId): void {
    const h = this.#handles.get(id);
    if (h !== undefined) {
      clearTimeout(h);
      clearInterval(h);
      this.#handles.delete(id);
    }
  }

  clearAll(): void {
    for (const id of [...this.#handles.keys()]) this.clear(id);
  }
}

export class SocketTcpConnection implements TcpConnection {
  constructor(readonly socket: Socket) {}

  static open(host: string, port: number, timeoutMs = 5000): Promise<SocketTcpConnection> {
    return new Promise((resolve, reject) => {
      const s = connect({ host, port });
      const t = setTimeout(() => {
        s.destroy();
        reject(new Error(`tcp ${host}:${port}: no connection after ${timeoutMs} ms`));
      }, timeoutMs);
      s.once("connect", () => {
        clearTimeout(t);
        s.setNoDelay(true);
        resolve(new SocketTcpConnection(s));
      });
      s.once("error", (e) => {
        clearTimeout(t);
        reject(new Error(`tcp ${host}:${port}: ${e.message}`));
      });
    });
  }

  write(bytes: Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }
  onData(handler: (bytes: Uint8Array) => void): void {
    this.socket.on("data", (b: Buffer) => handler(new Uint8Array(b.buffer, b.byteOffset, b.byteLength).slice()));
  }
  onClose(handler: () => void): void {
    this.socket.on("close", () => handler());
  }
  close(): void {
    this.socket.end();
    this.socket.destroy();
  }
}

/**
 * The optical probe. A baud change must not overtake bytes still in the
 * UART (the mode E acknowledgement leaves at 300 Bd): writes and baud
 * changes go through one queue, and a change waits for the drain.
 */
const BAUD_SWITCH_PAUSE_MS = 300;

export class ProbeSerialPort implements SerialPort {
  baud = 300;
  #queue: Promise<void> = Promise.resolve();
  readonly #handlers: ((bytes: Uint8Array) => void)[] = [];

  /** Prints every chunk in and out on stderr (lab --trace). */
  trace = false;

  private constructor(private readonly port: NodeSerial) {
    port.on("data", (b: Buffer) => {
      const bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength).slice();
      if (this.trace) process.stderr.write(`<< ${b.toString("hex")}\n`);
      for (const h of this.#handlers) h(bytes);
    });
  }

  static open(path: string): Promise<ProbeSerialPort> {
    return new Promise((resolve, reject) => {
      const port = new NodeSerial({ path, baudRate: 300, dataBits: 8, parity: "none", stopBits: 1, autoOpen: false });
      port.open((e) => (e ? reject(new Error(`${path}: ${e.message}`)) : resolve(new ProbeSerialPort(port))));
    });
  }

  #then(step: () => Promise<void>): void {
    this.#queue = this.#queue.then(step).catch(() => undefined);
  }

  /**
   * After the drain and the switch, a pause before the next byte: the meter
   * switches its own UART only once it has read the acknowledgement, so a
   * frame sent at once may reach it at the old rate (or, on a pty, in the
   * same read as the acknowledgement). Probes wait a few hundred ms here.
   */
  setBaud(baud: number): void {
    this.baud = baud;
    this.#then(
      () =>
        new Promise<void>((resolve) =>
          this.port.drain(() => {
            this.port.update({ baudRate: baud }, () => setTimeout(resolve, BAUD_SWITCH_PAUSE_MS));
          }),
        ),
    );
  }

  write(bytes: Uint8Array): void {
    if (this.trace) process.stderr.write(`>> ${Buffer.from(bytes).toString("hex")} (${this.baud} Bd)\n`);
    this.#then(() => new Promise<void>((resolve) => this.port.write(Buffer.from(bytes), () => resolve())));
  }

  onReceive(handler: (bytes: Uint8Array) => void): void {
    this.#handlers.push(handler);
  }

  close(): void {
    if (this.port.isOpen) this.port.close();
  }
}
