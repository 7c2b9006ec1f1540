/**
 * An in-memory TCP network on simulated time: listeners by port, connections
 * as two ends whose bytes arrive in order after a fixed latency (a Timers
 * callback, never synchronously, so neither side re-enters the other).
 * Closing one end closes the other after the same latency. The host
 * simulator can bridge a connection end to a real socket through
 * `onTransmit` and `inject`.
 */
import type { TcpConnection, TcpListener } from "../tcp.js";
import type { TcpConnectAttempt, TcpConnectHandler, TcpConnector } from "../tcp-client.js";
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

export class SimTcpListener implements TcpListener {
  #handler: ((c: TcpConnection) => void) | undefined;
  /** The next this many connection attempts are refused (a head-end that is down or overloaded). */
  refuseNext = 0;
  /** Extra time before an attempt is answered (a slow network), on top of the network latency. */
  answerDelayMs = 0;
  /** Connection attempts seen, refused ones included. */
  attempts = 0;

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

  /** The meter's TCP client port on this network (host names are not modelled: a port is a destination). */
  connector(): SimTcpConnector {
    return new SimTcpConnector(this);
  }

  /** @internal the listener on a port, if any. */
  listener(port: number): SimTcpListener | undefined {
    return this.#listeners.get(port);
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

/**
 * The TCP client port on the in-memory network: an attempt is answered after
 * the network latency (plus the listener's answerDelayMs), never inside
 * connect(); no listener, or a listener refusing, is "refused".
 */
class SimTcpConnector implements TcpConnector {
  readonly #live = new Set<() => void>();
  readonly #ends = new Set<SimTcpEnd>();
  #disposed = false;

  constructor(private readonly net: SimTcpNetwork) {}

  connect(_host: string, port: number, handler: TcpConnectHandler): TcpConnectAttempt {
    let live = !this.#disposed;
    const l = this.net.listener(port);
    const delay = this.net.latencyMs + (l?.answerDelayMs ?? 0);
    const cancel = (): void => {
      if (!live) return;
      live = false;
      this.#live.delete(cancel);
      this.net.timers.clear(id);
    };
    const id = this.net.timers.once(delay, () => {
      if (!live) return;
      live = false;
      this.#live.delete(cancel);
      const listener = this.net.listener(port);
      if (listener) listener.attempts++;
      if (!listener || listener.refuseNext > 0) {
        if (listener) listener.refuseNext--;
        handler.failed("refused");
        return;
      }
      const end = this.net.connect(port);
      if (!end) {
        handler.failed("refused");
        return;
      }
      for (const e of this.#ends) if (!e.open) this.#ends.delete(e);
      this.#ends.add(end);
      handler.connected(end);
    });
    if (live) this.#live.add(cancel);
    return { cancel };
  }

  /**
   * The MCU is gone (a reset or the end of the hold-up time): attempts stop
   * and its connections close. Bytes already written still arrive: they left
   * the MCU before it stopped.
   */
  dispose(): void {
    this.#disposed = true;
    for (const c of [...this.#live]) c();
    for (const e of [...this.#ends]) e.close();
    this.#ends.clear();
  }
}
