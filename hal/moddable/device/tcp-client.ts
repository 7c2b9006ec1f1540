import Timer from "timer";
import { ModdableTcpConnector } from "../tcp-client.js";
import { openSocket } from "./tcp.js";

/** A dotted IPv4 address goes to the socket as `address`, anything else as a `host` name the platform resolves. */
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** The meter's outgoing connections (pushes to a head-end) on `embedded:io/socket/tcp`. */
export function tcpConnector(): ModdableTcpConnector {
  return new ModdableTcpConnector(
    (host, port, callbacks) => openSocket(IPV4.test(host) ? { address: host, port, nodelay: true } : { host, port, nodelay: true }, callbacks),
    (callback) => {
      Timer.set(() => callback(), 0);
    },
  );
}
