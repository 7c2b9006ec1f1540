/**
 * The APDU link under a lab session: the TCP wrapper, HDLC over TCP, or the
 * optical probe (mode E sign-on, then HDLC). All three are the project's
 * client transports (src/transport/client) on Node ports; the lab adds only
 * the choice and the teardown.
 */
import type { SerialPort } from "../../hal/serial.js";
import type { TcpConnection } from "../../hal/tcp.js";
import type { Timers } from "../../hal/timer.js";
import { DEFAULT_HDLC_CLIENT_CONFIG, HdlcClient, type HdlcClientConfig } from "../../src/transport/client/hdlc-client.js";
import { OpticalClient } from "../../src/transport/client/optical-client.js";
import { WrapperClient } from "../../src/transport/client/wrapper-client.js";

export interface ApduLink {
  readonly description: string;
  /** Largest APDU the link carries in one piece (the xDLMS client proposes it). */
  readonly maxApduSize: number;
  request(apdu: Uint8Array): Promise<Uint8Array>;
  close(): Promise<void>;
}

export interface LinkAddressing {
  clientSap: number;
  serverLogical: number;
  /** HDLC lower address (physical device), 0x10 by default as IEC 62056-46 suggests for a single meter. */
  serverPhysical: number;
  responseTimeoutMs: number;
}

const MAX_APDU = 2048;

function hdlcConfig(a: LinkAddressing): HdlcClientConfig {
  return { ...DEFAULT_HDLC_CLIENT_CONFIG, clientSap: a.clientSap, serverLogical: a.serverLogical, serverPhysical: a.serverPhysical, responseTimeoutMs: a.responseTimeoutMs, maxApduSize: MAX_APDU };
}

export function wrapperLink(tcp: TcpConnection, timers: Timers, a: LinkAddressing, where: string): ApduLink {
  const c = new WrapperClient(tcp, timers, { clientSap: a.clientSap, serverLogical: a.serverLogical, responseTimeoutMs: a.responseTimeoutMs, maxApduSize: MAX_APDU });
  return {
    description: `${where} wrapper`,
    maxApduSize: MAX_APDU,
    request: (apdu) => c.request(apdu),
    close: async () => c.close(),
  };
}

export async function hdlcTcpLink(tcp: TcpConnection, timers: Timers, a: LinkAddressing, where: string): Promise<ApduLink> {
  const c = new HdlcClient((b) => tcp.write(b), timers, hdlcConfig(a));
  tcp.onData((b) => c.receive(b));
  await c.connect();
  return {
    description: `${where} hdlc`,
    maxApduSize: MAX_APDU,
    request: (apdu) => c.request(apdu),
    close: async () => {
      await c.disconnect().catch(() => undefined);
      tcp.close();
    },
  };
}

/**
 * Mode E sign-on then SNRM. A meter that missed the SNRM (still switching
 * its UART, or busy ending a previous link) is signed on again once, after a
 * pause longer than its return to 300 Bd, as hand-held probes do.
 */
export async function opticalLink(serial: SerialPort, timers: Timers, a: LinkAddressing, where: string, maxBaud = 9600): Promise<ApduLink> {
  const c = new OpticalClient(serial, timers, hdlcConfig(a));
  let id = await c.signOn({ maxBaud, timeoutMs: a.responseTimeoutMs });
  try {
    await c.hdlc.connect();
  } catch {
    c.reset();
    await new Promise<void>((resolve) => timers.once(1500, resolve));
    id = await c.signOn({ maxBaud, timeoutMs: a.responseTimeoutMs });
    await c.hdlc.connect();
  }
  return {
    description: `${where} mode E ${id.baud} Bd (${id.manufacturer} ${id.identification}) hdlc`,
    maxApduSize: MAX_APDU,
    request: (apdu) => c.hdlc.request(apdu),
    close: async () => {
      await c.hdlc.disconnect().catch(() => undefined);
      serial.close();
    },
  };
}
