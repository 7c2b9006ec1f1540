/**
 * The simulator's real links handed to each firmware instance. A firmware
 * restart closes its links (the MCU reset drops connections and the UART),
 * but the host socket and the pty stay: clients reconnect to the same
 * address, as they would to a meter that rebooted. So each instance gets a
 * view that forwards while it is current and detaches on close().
 */
import type { SerialPort } from "../../hal/serial.js";
import type { TcpConnection, TcpListener } from "../../hal/tcp.js";

export class ListenerView implements TcpListener {
  #handler: ((c: TcpConnection) => void) | undefined;
  readonly #connections = new Set<TcpConnection>();
  #closed = false;

  constructor(private readonly real: TcpListener & { onConnection(handler: (c: TcpConnection) => void): void }) {}

  get port(): number {
    return this.real.port;
  }

  onConnection(handler: (connection: TcpConnection) => void): void {
    this.#handler = handler;
  }

  /** Called by the shared listener for every new socket while this view is current. */
  accept(c: TcpConnection): void {
    if (this.#closed || !this.#handler) {
      c.close();
      return;
    }
    this.#connections.add(c);
    c.onClose(() => this.#connections.delete(c));
    this.#handler(c);
  }

  close(): void {
    this.#closed = true;
    for (const c of this.#connections) c.close();
    this.#connections.clear();
  }
}

export class SerialView implements SerialPort {
  #handler: ((bytes: Uint8Array) => void) | undefined;
  #closed = false;

  constructor(private readonly real: SerialPort) {}

  get baud(): number {
    return this.real.baud;
  }

  setBaud(baud: number): void {
    if (!this.#closed) this.real.setBaud(baud);
  }

  write(bytes: Uint8Array): void {
    if (!this.#closed) this.real.write(bytes);
  }

  onReceive(handler: (bytes: Uint8Array) => void): void {
    this.#handler = handler;
  }

  /** Called by the shared port for every received chunk while this view is current. */
  deliver(bytes: Uint8Array): void {
    if (!this.#closed) this.#handler?.(bytes);
  }

  close(): void {
    this.#closed = true;
  }
}
