/**
 * The whole stack: the DLMS client over the transports' own clients, the
 * xDLMS server behind the transports' servers, on simulated serial and TCP.
 * Optical port: mode E sign-on at 300 baud, baud switch, SNRM, AARQ with
 * HLS-GMAC and authenticated encryption, GET/SET/ACTION including a
 * block-transferred object_list, RLRQ, DISC. Wrapper: the same session over
 * TCP port 4059.
 */
import { describe, expect, it } from "vitest";
import { SimClock } from "../../hal/sim/clock.js";
import { SimSerialLine } from "../../hal/sim/serial.js";
import { SimTcpNetwork } from "../../hal/sim/tcp.js";
import { SimTimers } from "../../hal/sim/timers.js";
import { D, Tag } from "../../src/cosem/axdr.js";
import { DlmsClient } from "../../src/cosem/client/client.js";
import { Mechanism } from "../../src/cosem/apdu/acse.js";
import { DataAccessResult } from "../../src/cosem/interface-class.js";
import { Obis } from "../../src/cosem/obis.js";
import { OpticalClient } from "../../src/transport/client/optical-client.js";
import { WrapperClient } from "../../src/transport/client/wrapper-client.js";
import { DEFAULT_HDLC_SERVER_CONFIG } from "../../src/transport/hdlc/server.js";
import { DEFAULT_OPTICAL_CONFIG, OpticalPort } from "../../src/transport/optical-port.js";
import { DEFAULT_WRAPPER_CONFIG, DLMS_TCP_PORT, WrapperServer } from "../../src/transport/wrapper/server.js";
import { drive } from "../transport/support.js";
import { CLIENT_TITLE, GAK, GUEK, LN, SAP, buildMeter, type Meter } from "../../bench/rigs/xdlms-meter.js";

const CURRENT = Obis.of(0, 0, 40, 0, 0);

let exchanges = 0;

function dlmsClient(m: Meter, exchange: (apdu: Uint8Array) => Promise<Uint8Array>, invocationCounter = 1): DlmsClient {
  return new DlmsClient({
    exchange: (apdu) => (exchanges++, exchange(apdu)),
    mechanism: Mechanism.hlsGmac,
    ciphering: { crypto: m.crypto, systemTitle: CLIENT_TITLE, keys: { encryptionKey: GUEK, authenticationKey: GAK }, invocationCounter },
    maxReceivePduSize: 256,
  });
}

/** The same application session on any transport: every service, a long object_list, release. */
async function session(m: Meter, dlms: DlmsClient, run: <T>(p: Promise<T>) => Promise<T>): Promise<void> {
  await run(dlms.associate());
  expect(await run(dlms.get(1, LN.energy, 2))).toEqual({ ok: true, value: D.u32(12345) });
  expect(await run(dlms.set(1, LN.config, 2, D.u16(42)))).toBe(DataAccessResult.success);
  expect(await run(dlms.get(1, LN.config, 2))).toEqual({ ok: true, value: D.u16(42) });
  expect(await run(dlms.action(9, LN.echo, 1, D.visible("over the wire")))).toEqual({ ok: true, value: D.visible("over the wire") });
  const before = exchanges;
  const list = await run(dlms.get(15, CURRENT, 2));
  // More than the client's 256-byte PDU: the object_list came in several GET blocks.
  expect(exchanges - before).toBeGreaterThan(2);
  expect(list.ok && list.value.tag === Tag.Array && list.value.value.length).toBe(m.server.directory.visibleTo("management").length);
  await run(dlms.release());
}

describe("sessions over the simulated transports", () => {
  it("optical port: sign-on at 300 baud, baud switch, SNRM, HLS-GMAC ciphered session with a block-transferred object_list, RLRQ, DISC", async () => {
    const m = buildMeter();
    const clock = new SimClock({ startUtcMs: Date.UTC(2026, 0, 1) });
    const timers = new SimTimers(clock);
    const line = new SimSerialLine(timers);
    const port = new OpticalPort(line.meter, m.server, timers, {
      ...DEFAULT_OPTICAL_CONFIG,
      manufacturer: "MKT",
      identification: "MK100-0001",
      hdlc: { ...DEFAULT_HDLC_SERVER_CONFIG, physicalAddress: 17, limits: { maxInfoTx: 128, maxInfoRx: 128, windowTx: 1, windowRx: 1 }, inactivityMs: 60_000 },
    });
    const probe = new OpticalClient(line.probe, timers, {
      clientSap: SAP.management,
      serverLogical: 1,
      serverPhysical: 17,
      proposal: { maxInfoTx: 128, maxInfoRx: 128, windowTx: 1, windowRx: 1 },
      responseTimeoutMs: 5000,
      maxApduSize: 4096,
    });
    expect(line.meter.baud).toBe(300);
    const id = await drive(clock, probe.signOn({ maxBaud: 9600 }));
    expect(id.modeE).toBe(true);
    await drive(clock, probe.hdlc.connect());
    expect(line.meter.baud).toBe(9600);
    const run = <T>(p: Promise<T>) => drive(clock, p, 600_000);
    const dlms = dlmsClient(m, (apdu) => probe.hdlc.request(apdu));
    await session(m, dlms, run);
    await drive(clock, probe.hdlc.disconnect());
    expect(port.link.connected).toBe(false);
    expect(m.server.faults).toBe(0);
    expect(m.events.security().length).toBe(0);
  });

  it("TCP wrapper on port 4059: the same session; closing the connection releases the association", async () => {
    const m = buildMeter();
    const clock = new SimClock({ startUtcMs: Date.UTC(2026, 0, 1) });
    const timers = new SimTimers(clock);
    const net = new SimTcpNetwork(timers);
    const server = new WrapperServer(net.listen(DLMS_TCP_PORT), m.server, timers, { ...DEFAULT_WRAPPER_CONFIG, inactivityMs: 60_000 });
    const tcp = new WrapperClient(net.connect(DLMS_TCP_PORT)!, timers, { clientSap: SAP.management, serverLogical: 1, responseTimeoutMs: 5000, maxApduSize: 4096 });
    const run = <T>(p: Promise<T>) => drive(clock, p, 600_000);
    await session(m, dlmsClient(m, (apdu) => tcp.request(apdu)), run);
    // A second association on the same connection, then the connection drops without RLRQ.
    const again = dlmsClient(m, (apdu) => tcp.request(apdu), 1000);
    await run(again.associate());
    expect(await run(again.get(1, LN.energy, 2))).toEqual({ ok: true, value: D.u32(12345) });
    expect(server.connectionCount).toBe(1);
    expect(m.server.associationCount).toBe(1);
    tcp.close();
    clock.advance(10);
    expect(server.connectionCount).toBe(0);
    expect(m.server.associationCount).toBe(0);
    expect(m.server.faults).toBe(0);
  });
});
