/**
 * The xDLMS server (src/cosem/server) behind the real link layers: the
 * management client signs on at the optical port (mode E, 300 baud, baud
 * switch), opens HDLC with a small maximum information length, associates
 * with HLS-GMAC and authenticated encryption, runs GET/SET/ACTION and a
 * block-transferred object_list in segmented I-frames, releases and
 * disconnects; the same over the TCP wrapper. The meter and its keys are
 * the xDLMS tests' fixture.
 */
import { describe, expect, it } from "vitest";
import { SimClock } from "../../hal/sim/clock.js";
import { SimSerialLine } from "../../hal/sim/serial.js";
import { SimTcpNetwork } from "../../hal/sim/tcp.js";
import { SimTimers } from "../../hal/sim/timers.js";
import { Mechanism } from "../../src/cosem/apdu/acse.js";
import { D, Tag } from "../../src/cosem/axdr.js";
import { DlmsClient } from "../../src/cosem/client/client.js";
import { DataAccessResult } from "../../src/cosem/interface-class.js";
import { Obis } from "../../src/cosem/obis.js";
import { OpticalClient } from "../../src/transport/client/optical-client.js";
import { WrapperClient } from "../../src/transport/client/wrapper-client.js";
import { decodeFrame, type HdlcFrame } from "../../src/transport/hdlc/frame.js";
import { DEFAULT_HDLC_SERVER_CONFIG } from "../../src/transport/hdlc/server.js";
import { DEFAULT_OPTICAL_CONFIG, OpticalPort } from "../../src/transport/optical-port.js";
import { DEFAULT_WRAPPER_CONFIG, DLMS_TCP_PORT, WrapperServer } from "../../src/transport/wrapper/server.js";
import { buildMeter, CLIENT_TITLE, GAK, GUEK, LN, SAP, type Meter } from "../../bench/rigs/xdlms-meter.js";
import { drive } from "./support.js";

const CURRENT = Obis.of(0, 0, 40, 0, 0);

function managementClient(m: Meter, exchange: (req: Uint8Array) => Promise<Uint8Array>): DlmsClient {
  return new DlmsClient({
    exchange,
    mechanism: Mechanism.hlsGmac,
    ciphering: { crypto: m.crypto, systemTitle: CLIENT_TITLE, keys: { encryptionKey: GUEK, authenticationKey: GAK }, invocationCounter: 1 },
    maxReceivePduSize: 256,
  });
}

async function exercise(clock: SimClock, client: DlmsClient, m: Meter): Promise<void> {
  await drive(clock, client.associate());
  expect(await drive(clock, client.get(1, LN.energy, 2))).toEqual({ ok: true, value: D.u32(12345) });
  expect(await drive(clock, client.set(1, LN.config, 2, D.u16(99)))).toBe(DataAccessResult.success);
  expect(await drive(clock, client.get(1, LN.config, 2))).toEqual({ ok: true, value: D.u16(99) });
  expect(await drive(clock, client.action(9, LN.echo, 1, D.visible("ping")))).toEqual({ ok: true, value: D.visible("ping") });
  const list = await drive(clock, client.get(15, CURRENT, 2));
  if (!list.ok || list.value.tag !== Tag.Array) throw new Error("object_list not read");
  expect(list.value.value.length).toBe(m.server.directory.visibleTo("management").length);
  await drive(clock, client.release());
}

describe("xDLMS over the link layers", () => {
  it("optical port: mode E sign-on, HDLC with 64-byte segments, HLS-GMAC ciphered session, block-transferred object_list, RLRQ, DISC", async () => {
    const m = buildMeter();
    const clock = new SimClock({ startUtcMs: Date.UTC(2026, 0, 1) });
    const timers = new SimTimers(clock);
    const line = new SimSerialLine(timers);
    const port = new OpticalPort(line.meter, m.server, timers, {
      ...DEFAULT_OPTICAL_CONFIG,
      hdlc: { ...DEFAULT_HDLC_SERVER_CONFIG, physicalAddress: 17, limits: { maxInfoTx: 64, maxInfoRx: 64, windowTx: 1, windowRx: 1 } },
    });
    const frames: HdlcFrame[] = [];
    line.meter.onTransmit = (b) => {
      if (port.phase === "hdlc") frames.push(decodeFrame(b));
    };
    const probe = new OpticalClient(line.probe, timers, {
      clientSap: SAP.management,
      serverLogical: 1,
      serverPhysical: 17,
      proposal: { maxInfoTx: 64, maxInfoRx: 64, windowTx: 1, windowRx: 1 },
      responseTimeoutMs: 3000,
      maxApduSize: 4096,
    });
    const id = await drive(clock, probe.signOn({ maxBaud: 9600 }));
    expect(id.baud).toBe(9600);
    await drive(clock, probe.hdlc.connect());
    await exercise(clock, managementClient(m, (req) => probe.hdlc.request(req)), m);
    // The 256-byte blocks left the meter in 64-byte segments.
    expect(frames.some((f) => f.control.kind === "I" && f.segmented)).toBe(true);
    expect(frames.every((f) => f.info.length <= 64)).toBe(true);
    await drive(clock, probe.hdlc.disconnect());
    expect(port.link.connected).toBe(false);
    clock.advance(500);
    expect(line.meter.baud).toBe(300);
  });

  it("TCP wrapper on port 4059: the same ciphered session", async () => {
    const m = buildMeter();
    const clock = new SimClock({ startUtcMs: Date.UTC(2026, 0, 1) });
    const timers = new SimTimers(clock);
    const net = new SimTcpNetwork(timers);
    const server = new WrapperServer(net.listen(DLMS_TCP_PORT), m.server, timers, DEFAULT_WRAPPER_CONFIG);
    const tcp = new WrapperClient(net.connect(DLMS_TCP_PORT)!, timers, { clientSap: SAP.management, serverLogical: 1, responseTimeoutMs: 3000, maxApduSize: 4096 });
    await exercise(clock, managementClient(m, (req) => tcp.request(req)), m);
    expect(server.connectionCount).toBe(1);
    tcp.close();
    clock.advance(10);
    expect(server.connectionCount).toBe(0);
  });
});
