import type { TcpConnection, TcpListener } from "../tcp.js";
import { PacedWriter } from "./buffers.js";

/** What the HAL uses of an ECMA-419 TCP socket (`embedded:io/socket/tcp`, format "buffer"). */
export interface TcpSocket {
  read(byteLength?: number): ArrayBuffer | number;
  write(buffer: ArrayBuffer): void;
  close(): void;
}

export interface SocketCallbacks {
  onReadable(bytes: number): void;
  onWritable(bytes: number): void;
  onError(): void;
}

/**
 * One accepted connection. Outgoing bytes wait for onWritable like the serial
 * port's (a DLMS block can exceed lwIP's send buffer); an error or a read of
 * zero bytes closes it once and tells the handler.
 */
export class ModdableTcpConnection implements TcpConnection {
  private declare readonly release: () => void;
  private declare socket: TcpSocket | undefined;
  private declare readonly out: PacedWriter;
  private declare dataHandler: ((bytes: Uint8Array) => void) | undefined;
  private declare closeHandler: (() => void) | undefined;

  /** `release` runs once when the connection closes, whoever closes it (the listener counts open connections). */
  constructor(release: () => void = () => {}) {
    this.out = new PacedWriter();
    this.release = release;
  }

  /** Binds the socket; its callbacks must already point at `callbacks()`. */
  attach(socket: TcpSocket): this {
    this.socket = socket;
    return this;
  }

  callbacks(): SocketCallbacks {
    return {
      onReadable: (count) => {
        const socket = this.socket;
        if (!socket) return;
        const chunk = socket.read(count);
        if (chunk instanceof ArrayBuffer && chunk.byteLength > 0) this.dataHandler?.(new Uint8Array(chunk));
      },
      onWritable: (count) => this.out.writable(this.socket, count),
      onError: () => this.close(),
    };
  }

  write(bytes: Uint8Array): void {
    if (!this.socket || bytes.length === 0) return;
    this.out.write(this.socket, bytes);
  }

  onData(handler: (bytes: Uint8Array) => void): void {
    this.dataHandler = handler;
  }

  onClose(handler: () => void): void {
    this.closeHandler = handler;
  }

  close(): void {
    const socket = this.socket;
    if (!socket) return;
    this.socket = undefined;
    this.out.clear();
    try {
      socket.close();
    } catch {
      // Already closed by the peer: nothing left to release.
    }
    this.release();
    this.closeHandler?.();
  }
}

/** What the HAL uses of an ECMA-419 listener (`embedded:io/socket/listener`). */
export interface ListenerDevice {
  read(): unknown;
  close?(): void;
}

/** Wraps an accepted socket (`new TCP({from, ...callbacks, format: "buffer"})` on a board). */
export type SocketAdopter = (from: unknown, callbacks: SocketCallbacks) => TcpSocket;

/**
 * The TCP listener port. The device binding constructs the listener with
 * onReadable pointing at `accept(count)`; each pending request becomes a
 * connection handed to the handler, or is closed at once when nobody listens
 * or more than `maxConnections` are open (RAM on a 256 KB device).
 */
export class ModdableTcpListener implements TcpListener {
  declare readonly port: number;
  private declare readonly adopt: SocketAdopter;
  private declare readonly maxConnections: number;
  private declare device: ListenerDevice | undefined;
  private declare handler: ((connection: TcpConnection) => void) | undefined;
  private declare open: number;

  constructor(port: number, adopt: SocketAdopter, maxConnections = 2) {
    this.open = 0;
    this.port = port;
    this.adopt = adopt;
    this.maxConnections = maxConnections;
  }

  attach(device: ListenerDevice): this {
    this.device = device;
    return this;
  }

  onConnection(handler: (connection: TcpConnection) => void): void {
    this.handler = handler;
  }

  accept(count: number): void {
    const device = this.device;
    for (let i = 0; device && i < count; i++) {
      const from = device.read();
      if (from === undefined) return;
      const admitted = this.handler !== undefined && this.open < this.maxConnections;
      const connection = new ModdableTcpConnection(admitted ? () => this.open-- : undefined);
      connection.attach(this.adopt(from, connection.callbacks()));
      if (!admitted || !this.handler) {
        connection.close();
        continue;
      }
      this.open++;
      this.handler(connection);
    }
  }

  /** Connections handed out and not yet closed. */
  get openConnections(): number {
    return this.open;
  }

  close(): void {
    // The 5.6.0 typings of the listener lack close(); the SDK's class has it.
    this.device?.close?.();
    this.device = undefined;
  }
}
