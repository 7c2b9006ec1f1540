/**
 * An in-memory TCP network on simulated time: listeners by port, connections
 * as two ends whose bytes arrive in order after a fixed latency (a Timers
 * callback, never synchronously, so neither side re-enters the other).
 * Closing one end closes the other after the same latency. The host
 * simulator can bridge a connection end to a real socket through
 * `onTransmit` and `inject`.
 */
import type { TcpConnection, TcpListener } from "../tcp.js";
import type { Timers } from "../timer.js";

export class SimTcpEnd implements TcpConnection {
  #peer: SimTcpEnd | undefined;
  #data: ((bytes: Uint8Array) => void) | undefined;
  #close: (() => void) | undefined;
  #open = true;
  /** Bytes written before the other side set its handler are kept, like a socket buffer. */
  #backlog: Uint8Array[] = [];
  onTransmit: ((bytes: Uint8Array) => void) | undefined;

  constructor(private readonly net: SimTcpNetwork) {}

  /** @internal */
  pair(peer: SimTcpEnd): void {
    this.#peer = peer;
  }

  get open(): boolean {
    return this.#open;
  }

  write(bytes: Uint8Array): void {
    if (!this.#open) return;
    if (this.onTransmit) this.onTransmit(bytes);
    const peer = this.#peer;
    if (!peer) return;
    const copy = bytes.slice();
    this.net.later(() => peer.inject(copy));
  }

  onData(handler: (bytes: Uint8Array) => void): void {
    this.#data = handler;
    for (const b of this.#backlog.splice(0)) handler(b);
  }

  onClose(handler: () => void): void {
    this.#close = handler;
  }

  close(): void {
    if (!this.#open) return;
    this.#open = false;
    const peer = this.#peer;
    if (peer) this.net.later(() => peer.remoteClosed());
  }

  /** Bytes arriving at this end (from the peer, or from a host bridge). */
  inject(bytes: Uint8Array): void {
    if (!this.#open) return;
    if (this.#data) this.#data(bytes);
    else this.#backlog.push(bytes);
  }

  private remoteClosed(): void {
    if (!this.#open) return;
    this.#open = false;
    if (this.#close) this.#close();
  }
}

class SimTcpListener implements TcpListener {
  #handler: ((c: TcpConnection) => void) | undefined;

  constructor(
    private readonly net: SimTcpNetwork,
    readonly port: number,
  ) {}

  onConnection(handler: (connection: TcpConnection) => void): void {
    this.#handler = handler;
  }

  close(): void {
    this.net.unlisten(this.port);
  }

  /** @internal */
  accept(end: SimTcpEnd): boolean {
    if (!this.#handler) return false;
    this.#handler(end);
    return true;
  }
}

export class SimTcpNetwork {
  readonly #listeners = new Map<number, SimTcpListener>();

  constructor(
    readonly timers: Timers,
    readonly latencyMs = 1,
  ) {}

  listen(port: number): SimTcpListener {
    if (this.#listeners.has(port)) throw new Error(`port ${port} already in use`);
    const l = new SimTcpListener(this, port);
    this.#listeners.set(port, l);
    return l;
  }

  /** Opens a connection; the client end, or undefined when nothing listens (connection refused). */
  connect(port: number): SimTcpEnd | undefined {
    const l = this.#listeners.get(port);
    if (!l) return undefined;
    const client = new SimTcpEnd(this);
    const server = new SimTcpEnd(this);
    client.pair(server);
    server.pair(client);
    if (!l.accept(server)) return undefined;
    return client;
  }

  /** @internal */
  unlisten(port: number): void {
    this.#listeners.delete(port);
  }

  /** @internal */
  later(fn: () => void): void {
    this.timers.once(this.latencyMs, fn);
  }
}
