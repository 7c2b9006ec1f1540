import Listener from "embedded:io/socket/listener";
import TCP from "embedded:io/socket/tcp";
import { ModdableTcpListener, type ListenerDevice, type SocketCallbacks, type TcpSocket } from "../tcp.js";

/** Where a socket comes from: an accepted request (`from`), or an address to connect to. */
type SocketTarget = { from: TCP } | { address: string; port: number; nodelay: boolean } | { host: string; port: number; nodelay: boolean };

/**
 * The one place an ECMA-419 socket is built, for the listener and the
 * connector alike: bytes as ArrayBuffers, and the platform's callbacks
 * forwarded to the HAL's (the platform calls them with the socket as
 * `this`, which the HAL's do not use).
 */
export function openSocket(target: SocketTarget, callbacks: SocketCallbacks): TcpSocket {
  return new TCP({
    ...target,
    format: "buffer",
    onReadable(bytes) {
      callbacks.onReadable(bytes);
    },
    onWritable(bytes) {
      callbacks.onWritable(bytes);
    },
    onError() {
      callbacks.onError();
    },
  }) as unknown as TcpSocket;
}

/**
 * The DLMS wrapper's listener (IEC 62056-47, port 4059 by default). The cap is a RAM bound only:
 * the wrapper's nb_of_sim_conn (2) plus one newcomer, because admission is the firmware's
 * (src/transport/admission.ts): a new connection may displace an idle or unauthenticated one.
 */
export function listenTcp(port: number, maxConnections = 3): ModdableTcpListener {
  const listener = new ModdableTcpListener(port, (from, callbacks) => openSocket({ from: from as TCP }, callbacks), maxConnections);
  const device = new Listener({
    port,
    onReadable(requests) {
      listener.accept(requests);
    },
  });
  return listener.attach(device as unknown as ListenerDevice);
}
