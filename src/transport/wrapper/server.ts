/**
 * The meter's TCP wrapper server (IEC 62056-47) over the TcpListener port:
 * each connection gets its own reader and one ApduSession per wPort pair
 * (normally one: a client talks to one logical device). Messages for a
 * logical device the meter does not have are discarded, as the wrapper
 * has no error message. A stream that cannot be resynchronised (bad
 * version, oversize length) and the inactivity time-out close the
 * connection, which releases its sessions.
 */
import type { TcpConnection, TcpListener } from "../../../hal/tcp.js";
import type { TimerId, Timers } from "../../../hal/timer.js";
import type { ApduHandler, ApduSession } from "../apdu-port.js";
import { encodeWrapper, WrapperReader, type WrapperMessage } from "./wrapper.js";
import { frozen } from "../../util/frozen.js";

export interface WrapperServerConfig {
  /** Server wPorts (logical devices) answered, e.g. [1]. */
  logicalDevices: readonly number[];
  /** Largest APDU accepted and sent. */
  maxApduSize: number;
  /** Connection closed after this long without a message (class 41 inactivity_time_out); 0 = never. */
  inactivityMs: number;
  /** Sessions one connection may open (distinct wPort pairs). */
  maxSessionsPerConnection: number;
  /** Simultaneous connections (class 41 nb_of_sim_conn); one more is closed at once. */
  maxConnections: number;
}

export const DEFAULT_WRAPPER_CONFIG: Readonly<WrapperServerConfig> = frozen({
  logicalDevices: [1],
  maxApduSize: 2048,
  inactivityMs: 180_000,
  maxSessionsPerConnection: 4,
  maxConnections: 2,
});

/** The IANA port of DLMS/COSEM over TCP. */
export const DLMS_TCP_PORT = 4059;

class WrapperSession implements ApduSession {
  readonly transport = "wrapper" as const;
  constructor(
    private readonly conn: WrapperConnection,
    readonly clientSap: number,
    readonly serverLogical: number,
    readonly maxApduSize: number,
  ) {}
  push(apdu: Uint8Array): void {
    this.conn.send(this, apdu);
  }
}

class WrapperConnection {
  private readonly sessions: WrapperSession[] = [];
  private readonly reader: WrapperReader;
  private timer: TimerId | undefined;
  private open = true;

  constructor(
    private readonly server: WrapperServer,
    private readonly tcp: TcpConnection,
  ) {
    this.reader = new WrapperReader(
      server.config.maxApduSize,
      (m) => this.onMessage(m),
      () => this.close(),
    );
    tcp.onData((b) => {
      if (!this.open) return;
      this.restartTimer();
      this.reader.push(b);
    });
    tcp.onClose(() => this.closed());
    this.restartTimer();
  }

  get sessionCount(): number {
    return this.sessions.length;
  }

  send(session: WrapperSession, apdu: Uint8Array): void {
    if (!this.open || apdu.length > 0xffff) return;
    this.tcp.write(encodeWrapper(session.serverLogical, session.clientSap, apdu));
  }

  close(): void {
    if (!this.open) return;
    this.tcp.close();
    this.closed();
  }

  private onMessage(m: WrapperMessage): void {
    const { source, destination } = m.header;
    if (!this.server.config.logicalDevices.includes(destination)) return;
    let s = this.sessions.find((x) => x.clientSap === source && x.serverLogical === destination);
    if (!s) {
      if (this.sessions.length >= this.server.config.maxSessionsPerConnection) return;
      s = new WrapperSession(this, source, destination, this.server.config.maxApduSize);
      this.sessions.push(s);
    }
    const response = this.server.handler.handle(m.apdu, s);
    if (response && this.open) this.send(s, response);
  }

  private restartTimer(): void {
    if (this.timer !== undefined) this.server.timers.clear(this.timer);
    this.timer = undefined;
    const ms = this.server.config.inactivityMs;
    if (ms > 0) this.timer = this.server.timers.once(ms, () => this.close());
  }

  private closed(): void {
    if (!this.open) return;
    this.open = false;
    if (this.timer !== undefined) this.server.timers.clear(this.timer);
    this.timer = undefined;
    for (const s of this.sessions.splice(0)) this.server.handler.sessionClosed(s);
    this.server.forget(this);
  }
}

export class WrapperServer {
  private readonly connections: WrapperConnection[] = [];

  constructor(
    private readonly listener: TcpListener,
    readonly handler: ApduHandler,
    readonly timers: Timers,
    public config: WrapperServerConfig = DEFAULT_WRAPPER_CONFIG,
  ) {
    listener.onConnection((c) => {
      if (this.connections.length >= this.config.maxConnections) {
        c.close();
        return;
      }
      this.connections.push(new WrapperConnection(this, c));
    });
  }

  get currentConfig(): Readonly<WrapperServerConfig> {
    return this.config;
  }

  get port(): number {
    return this.listener.port;
  }

  get connectionCount(): number {
    return this.connections.length;
  }

  /** New settings (class 41 writes): apply to connections accepted from now on, the time-out at the next message. */
  configure(config: WrapperServerConfig): void {
    this.config = config;
  }

  close(): void {
    for (const c of this.connections.slice()) c.close();
    this.listener.close();
  }

  /** @internal a connection ended. */
  forget(c: WrapperConnection): void {
    const i = this.connections.indexOf(c);
    if (i >= 0) this.connections.splice(i, 1);
  }
}
