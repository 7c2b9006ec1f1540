import type { TcpConnectAttempt, TcpConnectHandler, TcpConnector } from "../tcp-client.js";
import { ModdableTcpConnection, type SocketCallbacks, type TcpSocket } from "./tcp.js";

/**
 * Opens an ECMA-419 client socket (`new TCP({address | host, port, ...callbacks, format: "buffer"})`
 * on a board); may throw for an address the platform cannot take.
 */
export type SocketOpener = (host: string, port: number, callbacks: SocketCallbacks) => TcpSocket;

/**
 * The TCP client port on Moddable. ECMA-419 reports a connection by its first
 * onWritable and a failure by onError, with no reason, so every failure is
 * "error". `defer` (a HAL timer of 0 ms) keeps a constructor that throws from
 * answering inside connect(). Once connected, the socket is a
 * ModdableTcpConnection: writes wait for onWritable, an error closes it.
 */
export class ModdableTcpConnector implements TcpConnector {
  private declare readonly open: SocketOpener;
  private declare readonly defer: (callback: () => void) => void;

  constructor(
    open: SocketOpener,
    defer: (callback: () => void) => void,
  ) {
    this.open = open;
    this.defer = defer;
  }

  connect(host: string, port: number, handler: TcpConnectHandler): TcpConnectAttempt {
    let state: "connecting" | "connected" | "done" = "connecting";
    const connection = new ModdableTcpConnection();
    const inner = connection.callbacks();
    const fail = (): void => {
      if (state !== "connecting") return;
      state = "done";
      connection.close();
      handler.failed("error");
    };
    const callbacks: SocketCallbacks = {
      onReadable: (count) => inner.onReadable(count),
      onWritable: (count) => {
        if (state === "connecting") {
          state = "connected";
          handler.connected(connection);
        }
        inner.onWritable(count);
      },
      onError: () => (state === "connecting" ? fail() : inner.onError()),
    };
    try {
      connection.attach(this.open(host, port, callbacks));
    } catch {
      this.defer(fail);
    }
    return {
      cancel: () => {
        if (state !== "connecting") return;
        state = "done";
        connection.close();
      },
    };
  }
}
