import Listener from "embedded:io/socket/listener";
import TCP from "embedded:io/socket/tcp";
import { ModdableTcpListener, type ListenerDevice, type TcpSocket } from "../tcp.js";

/**
 * The DLMS wrapper's listener (IEC 62056-47, port 4059 by default). The cap is a RAM bound only:
 * the wrapper's nb_of_sim_conn (2) plus one newcomer, because admission is the firmware's
 * (src/transport/admission.ts): a new connection may displace an idle or unauthenticated one.
 */
export function listenTcp(port: number, maxConnections = 3): ModdableTcpListener {
  const listener = new ModdableTcpListener(
    port,
    (from, callbacks) =>
      new TCP({
        from: from as TCP,
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
      }) as unknown as TcpSocket,
    maxConnections,
  );
  const device = new Listener({
    port,
    onReadable(requests) {
      listener.accept(requests);
    },
  });
  return listener.attach(device as unknown as ListenerDevice);
}
