/**
 * The meter's TCP client port on a real Node socket (the simulator's pushes
 * to a head-end such as `npm run lab -- listen`). Each firmware instance gets
 * its own connector; a restart disposes it, which stops its attempts and
 * closes its connections as an MCU reset would.
 */
import { connect, type Socket } from "node:net";
import type { TcpConnection } from "../../hal/tcp.js";
import type { TcpConnectAttempt, TcpConnectFailure, TcpConnectHandler, TcpConnector } from "../../hal/tcp-client.js";

class ClientConnection implements TcpConnection {
  constructor(readonly socket: Socket) {}
  write(bytes: Uint8Array): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(bytes);
  }
  onData(handler: (bytes: Uint8Array) => void): void {
    this.socket.on("data", (b: Buffer) => handler(new Uint8Array(b.buffer, b.byteOffset, b.byteLength).slice()));
  }
  onClose(handler: () => void): void {
    this.socket.once("close", () => handler());
  }
  /** A graceful end: bytes already written are flushed before the FIN. */
  close(): void {
    if (!this.socket.destroyed) this.socket.end();
  }
}

function reason(e: NodeJS.ErrnoException): TcpConnectFailure {
  if (e.code === "ECONNREFUSED") return "refused";
  if (e.code === "EHOSTUNREACH" || e.code === "ENETUNREACH" || e.code === "ENOTFOUND" || e.code === "EAI_AGAIN") return "unreachable";
  return "error";
}

export class NodeTcpConnector implements TcpConnector {
  readonly #sockets = new Set<Socket>();
  #disposed = false;

  connect(host: string, port: number, handler: TcpConnectHandler): TcpConnectAttempt {
    let live = !this.#disposed;
    const socket = connect({ host, port });
    this.#sockets.add(socket);
    socket.once("close", () => this.#sockets.delete(socket));
    socket.once("connect", () => {
      if (!live) {
        socket.destroy();
        return;
      }
      live = false;
      socket.setNoDelay(true);
      socket.on("error", () => socket.destroy());
      handler.connected(new ClientConnection(socket));
    });
    socket.once("error", (e: NodeJS.ErrnoException) => {
      socket.destroy();
      if (!live) return;
      live = false;
      handler.failed(reason(e));
    });
    if (!live) socket.destroy();
    return {
      cancel: () => {
        if (!live) return;
        live = false;
        socket.destroy();
      },
    };
  }

  /** The firmware instance is gone: pending attempts stop, open connections end after what they already wrote. */
  dispose(): void {
    this.#disposed = true;
    for (const s of this.#sockets) s.end();
  }
}
