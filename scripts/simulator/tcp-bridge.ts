/**
 * The TcpListener port over a real Node socket server: the DLMS wrapper
 * transport sees the same small interface on the simulator as on a board.
 */
import { createServer, type Server, type Socket } from "node:net";
import type { TcpConnection, TcpListener } from "../../hal/tcp.js";
import { SocketTcpConnection } from "../lab/node-ports.js";

export class NodeTcpListener implements TcpListener {
  readonly #server: Server;
  readonly #handlers: ((c: TcpConnection) => void)[] = [];
  readonly #sockets = new Set<Socket>();
  port = 0;

  private constructor(server: Server) {
    this.#server = server;
    server.on("connection", (socket) => {
      socket.setNoDelay(true);
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
      socket.on("error", () => socket.destroy());
      const c = new SocketTcpConnection(socket);
      for (const h of this.#handlers) h(c);
    });
  }

  /** Listens on 127.0.0.1:port (0 = any free port); resolves once bound. */
  static listen(port: number, host = "127.0.0.1"): Promise<NodeTcpListener> {
    const server = createServer();
    const l = new NodeTcpListener(server);
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        const a = server.address();
        l.port = typeof a === "object" && a ? a.port : port;
        resolve(l);
      });
    });
  }

  onConnection(handler: (connection: TcpConnection) => void): void {
    this.#handlers.push(handler);
  }

  close(): void {
    for (const s of this.#sockets) s.destroy();
    this.#server.close();
  }
}
