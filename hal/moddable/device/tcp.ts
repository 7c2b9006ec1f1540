import Listener from "embedded:io/socket/listener";
import TCP from "embedded:io/socket/tcp";
import { ModdableTcpListener, type ListenerDevice, type TcpSocket } from "../tcp.js";

/** The DLMS wrapper's listener (IEC 62056-47, port 4059 by default). */
export function listenTcp(port: number, maxConnections = 2): ModdableTcpListener {
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
