/**
 * The meter's TCP wrapper server (IEC 62056-47) over the TcpListener port:
 * each connection gets its own reader and one ApduSession per wPort pair
 * (normally one: a client talks to one logical device). Messages for a
 * logical device the meter does not have are discarded, as the wrapper
 * has no error message. A stream that cannot be resynchronised (bad
 * version, oversize length) and the inactivity time-out close the
 * connection, which releases its sessions.
 *
 * No client can hold a slot for free: the inactivity time-out restarts only
 * on a complete message (a byte now and then does not count), a message
 * begun must be complete within frameTimeoutMs of its first byte, and when
 * all nb_of_sim_conn slots are taken a newcomer displaces the oldest
 * connection that is not authenticated or idle (admission.ts).
 */
import type { TcpConnection, TcpListener } from "../../../hal/tcp.js";
import type { TimerId, Timers } from "../../../hal/timer.js";
import { LinkSession, type ApduHandler, type SessionLink } from "../apdu-port.js";
import { displaceFor } from "../admission.js";
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
  /** Simultaneous connections (class 41 nb_of_sim_conn); a newcomer beyond them displaces one or is closed (admission.ts). */
  maxConnections: number;
  /** A message must be complete within this time of its first byte, or the connection is closed; 0 = never. */
  frameTimeoutMs: number;
  /** An authenticated connection without a complete message for this long may be displaced by a newcomer. */
  idleDisplaceMs: number;
}

export const DEFAULT_WRAPPER_CONFIG: Readonly<WrapperServerConfig> = frozen({
  logicalDevices: [1],
  maxApduSize: 2048,
  inactivityMs: 180_000,
  maxSessionsPerConnection: 4,
  maxConnections: 2,
  frameTimeoutMs: 10_000,
  idleDisplaceMs: 30_000,
});

/** The IANA port of DLMS/COSEM over TCP. */
export const DLMS_TCP_PORT = 4059;

class WrapperConnection implements SessionLink {
  private declare readonly sessions: LinkSession[];
  private declare readonly reader: WrapperReader;
  private declare timer: TimerId | undefined;
  private declare frameTimer: TimerId | undefined;
  private declare idleTimer: TimerId | undefined;
  private declare open: boolean;
  /** No complete message for idleDisplaceMs. */
  declare idle: boolean;

  private declare readonly server: WrapperServer;
  private declare readonly tcp: TcpConnection;

  constructor(
    server: WrapperServer,
    tcp: TcpConnection,
  ) {
    this.sessions = [];
    this.open = true;
    this.idle = false;
    this.server = server;
    this.tcp = tcp;
    this.reader = new WrapperReader(
      server.config.maxApduSize,
      (m) => this.onMessage(m),
      () => this.close(),
    );
    tcp.onData((b) => {
      if (!this.open) return;
      this.reader.push(b);
      // A message begun must end in bounded time; bytes dribbling in do not extend it.
      if (!this.open) return;
      if (this.reader.pending && this.frameTimer === undefined) {
        const ms = this.server.config.frameTimeoutMs;
        if (ms > 0) this.frameTimer = this.server.timers.once(ms, () => this.close());
      } else if (!this.reader.pending) this.stopFrameTimer();
    });
    tcp.onClose(() => this.closed());
    this.restartTimer();
  }

  /** Whether any of its sessions holds an authenticated association. */
  get authenticated(): boolean {
    const h = this.server.handler;
    return h.authenticated !== undefined && this.sessions.some((s) => h.authenticated!(s));
  }

  get sessionCount(): number {
    return this.sessions.length;
  }

  sendTo(session: LinkSession, apdu: Uint8Array): void {
    if (!this.open || apdu.length > 0xffff) return;
    this.tcp.write(encodeWrapper(session.serverLogical, session.clientSap, apdu));
  }

  close(): void {
    if (!this.open) return;
    this.tcp.close();
    this.closed();
  }

  private onMessage(m: WrapperMessage): void {
    this.stopFrameTimer();
    this.restartTimer();
    const { source, destination } = m.header;
    if (!this.server.config.logicalDevices.includes(destination)) return;
    let s = this.sessions.find((x) => x.clientSap === source && x.serverLogical === destination);
    if (!s) {
      if (this.sessions.length >= this.server.config.maxSessionsPerConnection) return;
      s = new LinkSession("wrapper", this, source, destination, this.server.config.maxApduSize);
      this.sessions.push(s);
    }
    const response = this.server.handler.handle(m.apdu, s);
    if (response && this.open) this.sendTo(s, response);
  }

  /** Restarts the inactivity and idle timers: a complete message arrived (or the connection opened). */
  private restartTimer(): void {
    const t = this.server.timers;
    if (this.timer !== undefined) t.clear(this.timer);
    this.timer = undefined;
    const ms = this.server.config.inactivityMs;
    if (ms > 0) this.timer = t.once(ms, () => this.close());
    if (this.idleTimer !== undefined) t.clear(this.idleTimer);
    this.idle = false;
    this.idleTimer = t.once(this.server.config.idleDisplaceMs, () => {
      this.idleTimer = undefined;
      this.idle = true;
    });
  }

  private stopFrameTimer(): void {
    if (this.frameTimer !== undefined) this.server.timers.clear(this.frameTimer);
    this.frameTimer = undefined;
  }

  private closed(): void {
    if (!this.open) return;
    this.open = false;
    const t = this.server.timers;
    if (this.timer !== undefined) t.clear(this.timer);
    this.timer = undefined;
    if (this.idleTimer !== undefined) t.clear(this.idleTimer);
    this.idleTimer = undefined;
    this.stopFrameTimer();
    const closed = this.sessions.splice(0);
    for (let i = 0; i < closed.length; i++) this.server.handler.sessionClosed(closed[i]);
    this.server.forget(this);
  }
}

export class WrapperServer {
  private declare readonly connections: WrapperConnection[];

  private declare readonly listener: TcpListener;
  declare readonly handler: ApduHandler;
  declare readonly timers: Timers;
  public declare config: WrapperServerConfig;

  constructor(
    listener: TcpListener,
    handler: ApduHandler,
    timers: Timers,
    config: WrapperServerConfig = DEFAULT_WRAPPER_CONFIG,
  ) {
    this.connections = [];
    this.admissions = { displaced: 0, refused: 0 };
    this.listener = listener;
    this.handler = handler;
    this.timers = timers;
    this.config = config;
    listener.onConnection((c) => this.admit(c));
  }

  /** Counts connections closed to make room for a newcomer, and newcomers refused. */
  declare readonly admissions: { displaced: number; refused: number; };

  private admit(c: TcpConnection): void {
    // A lowered nb_of_sim_conn may leave more open than allowed: each newcomer evens one out.
    while (this.connections.length >= this.config.maxConnections) {
      const victim = displaceFor(this.connections);
      if (victim < 0) {
        this.admissions.refused++;
        c.close();
        return;
      }
      this.admissions.displaced++;
      this.connections[victim].close();
    }
    this.connections.push(new WrapperConnection(this, c));
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
    const open = this.connections.slice();
    for (let i = 0; i < open.length; i++) open[i].close();
    this.listener.close();
  }

  /** @internal a connection ended. */
  forget(c: WrapperConnection): void {
    const i = this.connections.indexOf(c);
    if (i >= 0) this.connections.splice(i, 1);
  }
}
