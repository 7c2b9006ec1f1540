/**
 * TCP client port: the meter opens a connection (a push to a head-end,
 * IEC 62056 Push Setup over the DLMS wrapper). The contract is in
 * hal/README.md: `connect` never calls back from inside itself; exactly one
 * of `connected` or `failed` follows unless the attempt is cancelled; after
 * `connected` the connection keeps the TcpConnection contract (hal/tcp.ts).
 * Time-outs are the caller's: it cancels the attempt from a HAL timer, so one
 * rule holds on every implementation.
 */
import type { TcpConnection } from "./tcp.js";

/** Why an attempt failed: the peer refused, the host or network cannot be reached, or any other socket error. */
export type TcpConnectFailure = "refused" | "unreachable" | "error";

export interface TcpConnectHandler {
  connected(connection: TcpConnection): void;
  failed(reason: TcpConnectFailure): void;
}

export interface TcpConnectAttempt {
  /** Abandons the attempt: no callback follows; a connection that comes up later is closed at once. Idempotent. */
  cancel(): void;
}

export interface TcpConnector {
  /** Starts connecting to host (a name or dotted IPv4 address) and port; answers through the handler, later. */
  connect(host: string, port: number, handler: TcpConnectHandler): TcpConnectAttempt;
}
