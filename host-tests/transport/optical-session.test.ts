import { describe, expect, it } from "vitest";
import { SimClock } from "../../hal/sim/clock.js";
import { SimSerialLine } from "../../hal/sim/serial.js";
import { SimTimers } from "../../hal/sim/timers.js";
import { HdlcClient, HdlcLinkError } from "../../src/transport/client/hdlc-client.js";
import { OpticalClient } from "../../src/transport/client/optical-client.js";
import { decodeFrame, encodeFrame } from "../../src/transport/hdlc/frame.js";
import { DEFAULT_HDLC_SERVER_CONFIG } from "../../src/transport/hdlc/server.js";
import { encode7E1 } from "../../src/transport/iec62056-21.js";
import { DEFAULT_OPTICAL_CONFIG, OpticalPort, type OpticalPortConfig } from "../../src/transport/optical-port.js";
import { drive, driveToError, LoopbackHandler, pattern } from "./support.js";

const INACTIVITY = 20_000;

function setup(overrides: Partial<OpticalPortConfig> = {}) {
  const clock = new SimClock({ startUtcMs: Date.UTC(2026, 0, 1) });
  const timers = new SimTimers(clock);
  const line = new SimSerialLine(timers);
  const handler = new LoopbackHandler();
  const config: OpticalPortConfig = {
    ...DEFAULT_OPTICAL_CONFIG,
    manufacturer: "MKT",
    identification: "MK100-0001",
    deviceAddress: "12345678",
    hdlc: { ...DEFAULT_HDLC_SERVER_CONFIG, physicalAddress: 17, limits: { maxInfoTx: 64, maxInfoRx: 48, windowTx: 1, windowRx: 1 }, inactivityMs: INACTIVITY },
    ...overrides,
  };
  const port = new OpticalPort(line.meter, handler, timers, config);
  const client = new OpticalClient(line.probe, timers, {
    clientSap: 16,
    serverLogical: 1,
    serverPhysical: 17,
    proposal: { maxInfoTx: 32, maxInfoRx: 32, windowTx: 1, windowRx: 1 },
    responseTimeoutMs: 3000,
    maxApduSize: 4096,
  });
  // Every frame the meter sends, decoded, to check segmentation from the outside.
  const meterFrames: ReturnType<typeof decodeFrame>[] = [];
  line.meter.onTransmit = (b) => {
    if (port.phase === "hdlc") meterFrames.push(decodeFrame(b));
  };
  return { clock, timers, line, handler, port, client, meterFrames };
}

describe("optical port session: mode E sign-on, HDLC, segmentation, DISC, time-out", () => {
  it("signs on at 300 baud, switches to 9600, links, echoes segmented APDUs both ways, disconnects", async () => {
    const { clock, line, handler, port, client, meterFrames } = setup();
    expect(line.meter.baud).toBe(300);
    const id = await drive(clock, client.signOn({ address: "12345678", maxBaud: 9600 }));
    expect(id).toEqual({ manufacturer: "MKT", baudLetter: "5", identification: "MK100-0001", modeE: true, baud: 9600 });
    expect(line.probe.baud).toBe(9600);

    const params = await drive(clock, client.hdlc.connect());
    // The meter sends at most what the probe receives (32 < 64) and receives at most its own 48 (> 32 proposed).
    expect(params).toEqual({ maxInfoTx: 32, maxInfoRx: 32, windowTx: 1, windowRx: 1 });
    expect(line.meter.baud).toBe(9600);
    expect(port.phase).toBe("hdlc");
    expect(port.link.connected).toBe(true);

    const small = pattern(10);
    expect(await drive(clock, client.hdlc.request(small))).toEqual(small);
    expect(handler.requests[0].apdu).toEqual(small);
    expect(handler.requests[0].session.clientSap).toBe(16);
    expect(handler.requests[0].session.serverLogical).toBe(1);
    expect(handler.requests[0].session.transport).toBe("hdlc");

    const big = pattern(300, 3);
    meterFrames.length = 0;
    const answer = await drive(clock, client.hdlc.request(big));
    expect(answer).toEqual(big);
    expect(handler.requests[1].apdu).toEqual(big);
    // 303 bytes with LLC in 32-byte segments: 10 I-frames, the first 9 segmented; plus one RR per received request segment.
    const iFrames = meterFrames.filter((f) => f.control.kind === "I");
    expect(iFrames.length).toBe(10);
    expect(iFrames.filter((f) => f.segmented).length).toBe(9);
    expect(iFrames.every((f) => f.info.length <= 32)).toBe(true);
    expect(meterFrames.filter((f) => f.control.kind === "RR").length).toBe(9);

    await drive(clock, client.hdlc.disconnect());
    expect(port.link.connected).toBe(false);
    expect(handler.closed.length).toBe(1);
    client.reset();
    clock.advance(500);
    expect(port.phase).toBe("sign-on");
    expect(line.meter.baud).toBe(300);
    expect(line.meter.baudHistory).toEqual([9600, 300]);
  });

  it("the inactivity time-out closes the link and returns the port to 300 baud sign-on", async () => {
    const { clock, line, handler, port, client } = setup();
    await drive(clock, client.signOn({ maxBaud: 4800 }));
    expect(line.probe.baud).toBe(4800);
    await drive(clock, client.hdlc.connect());
    expect(await drive(clock, client.hdlc.request(pattern(5)))).toEqual(pattern(5));
    clock.advance(INACTIVITY - 100);
    expect(port.link.connected).toBe(true);
    clock.advance(200);
    expect(port.link.connected).toBe(false);
    expect(port.phase).toBe("sign-on");
    expect(line.meter.baud).toBe(300);
    expect(handler.closed.length).toBe(1);
    // A request at 4800 now reaches a meter at 300 baud as garbage: no answer.
    const err = await driveToError(clock, client.hdlc.request(pattern(5)));
    expect(err).toBeInstanceOf(HdlcLinkError);
    expect((err as HdlcLinkError).code).toBe("timeout");
    // A fresh sign-on works.
    client.reset();
    await drive(clock, client.signOn());
    await drive(clock, client.hdlc.connect());
    expect(await drive(clock, client.hdlc.request(pattern(7)))).toEqual(pattern(7));
  });

  it("a request for another device address gets no identification; no ACK returns to sign-on", async () => {
    const { clock, line, port, client } = setup();
    const err = await driveToError(clock, client.signOn({ address: "99999999", timeoutMs: 3000 }));
    expect((err as HdlcLinkError).code).toBe("timeout");
    expect(port.phase).toBe("sign-on");
    // Leading zeros are not significant.
    client.reset();
    await drive(clock, client.signOn({ address: "0012345678" }));
    clock.advance(300); // the ACK's 6 characters at 300 baud
    expect(port.phase).toBe("hdlc");
    // Sign-on without the ACK: identification sent, then the meter gives up.
    client.reset();
    clock.advance(INACTIVITY + 10);
    expect(port.phase).toBe("sign-on");
    line.probe.write(encode7E1("/?!\r\n"));
    clock.advance(400);
    expect(port.phase).toBe("await-ack");
    clock.advance(DEFAULT_OPTICAL_CONFIG.ackTimeoutMs + 1000);
    expect(port.phase).toBe("sign-on");
  });

  it("a request with a parity error is not answered", async () => {
    const { clock, line, port } = setup();
    const req = encode7E1("/?!\r\n");
    req[1] ^= 0x80; // the '?' with odd parity
    let answered = 0;
    line.probe.onReceive(() => answered++);
    line.probe.write(req);
    clock.advance(2000);
    expect(answered).toBe(0);
    expect(port.phase).toBe("sign-on");
    line.probe.write(encode7E1("/?!\r\n"));
    clock.advance(2000);
    expect(answered).toBeGreaterThan(0);
    expect(port.phase).toBe("await-ack");
  });

  it("an ACK for a baud above the offer or for another protocol mode is refused", async () => {
    const { clock, line, port } = setup({ maxBaud: 4800 });
    line.probe.write(encode7E1("/?!\r\n"));
    clock.advance(1500);
    expect(port.phase).toBe("await-ack");
    line.probe.write(encode7E1("\x06255\r\n"));
    clock.advance(500);
    expect(port.phase).toBe("sign-on");
    expect(line.meter.baud).toBe(300);
    line.probe.write(encode7E1("/?!\r\n"));
    clock.advance(1500);
    line.probe.write(encode7E1("\x06040\r\n")); // mode C data readout: not offered
    clock.advance(500);
    expect(port.phase).toBe("sign-on");
  });

  it("an SNRM that arrives in the same read as the ACK is answered (a pty has no baud rate)", () => {
    const { clock, line, port, meterFrames } = setup();
    line.probe.write(encode7E1("/?!\r\n"));
    clock.advance(1500);
    expect(port.phase).toBe("await-ack");
    const snrm = encodeFrame({ dest: { logical: 1, physical: 17, size: 2 }, src: { logical: 16, size: 1 }, control: { kind: "SNRM", pf: true }, segmented: false, info: new Uint8Array(0) });
    const ack = encode7E1("\x06252\r\n");
    const both = new Uint8Array(ack.length + snrm.length);
    both.set(ack);
    both.set(snrm, ack.length);
    line.probe.write(both);
    clock.advance(1000);
    expect(port.phase).toBe("hdlc");
    expect(port.link.connected).toBe(true);
    expect(meterFrames.map((f) => f.control.kind)).toEqual(["UA"]);
  });

  it("frames for another server address are ignored at the HDLC baud", async () => {
    const { clock, timers, line, port, client } = setup();
    await drive(clock, client.signOn());
    const stranger = new HdlcClient((b) => line.probe.write(b), timers, {
      clientSap: 16,
      serverLogical: 1,
      serverPhysical: 18,
      proposal: { maxInfoTx: 128, maxInfoRx: 128, windowTx: 1, windowRx: 1 },
      responseTimeoutMs: 1000,
      maxApduSize: 512,
    });
    const err = await driveToError(clock, stranger.connect());
    expect((err as HdlcLinkError).code).toBe("timeout");
    expect(port.link.connected).toBe(false);
    await drive(clock, client.hdlc.connect());
    expect(port.link.connected).toBe(true);
  });

  it("the identification waits for the reaction time (class 19 response_time)", () => {
    const { clock, line, port } = setup({ responseDelayMs: 200 });
    const sentAt: number[] = [];
    line.meter.onTransmit = () => sentAt.push(clock.nowMs());
    line.probe.write(encode7E1("/?!\r\n"));
    const arrival = Math.ceil((5 * 10 * 1000) / 300);
    clock.advance(arrival + 199);
    expect(sentAt).toEqual([]);
    expect(port.phase).toBe("sign-on");
    clock.advance(2);
    expect(sentAt).toEqual([arrival + 200]);
    expect(port.phase).toBe("await-ack");
  });

  it("a frame lost either way is recovered by the client's RR poll; the meter handles the request once", async () => {
    const { clock, line, handler, client } = setup();
    await drive(clock, client.signOn());
    await drive(clock, client.hdlc.connect());
    line.meter.dropWrites = 1; // the answer is lost: the poll makes the meter send it again
    expect(await drive(clock, client.hdlc.request(pattern(12)))).toEqual(pattern(12));
    expect(handler.requests.length).toBe(1);
    line.probe.dropWrites = 1; // the request is lost: the meter's RR shows it, the client sends it again
    expect(await drive(clock, client.hdlc.request(pattern(13)))).toEqual(pattern(13));
    expect(handler.requests.length).toBe(2);
    line.meter.dropWrites = 3; // a segment of a long answer is lost
    expect(await drive(clock, client.hdlc.request(pattern(200)))).toEqual(pattern(200));
    expect(handler.requests.length).toBe(3);
  });

  it("a push (data-notification) longer than one frame reaches the probe whole", async () => {
    const { clock, handler, client } = setup();
    await drive(clock, client.signOn());
    await drive(clock, client.hdlc.connect());
    await drive(clock, client.hdlc.request(pattern(3)));
    const pushed: Uint8Array[] = [];
    client.hdlc.onPush = (apdu) => pushed.push(apdu);
    handler.requests[0].session.push(pattern(90, 4));
    clock.advance(500);
    expect(pushed).toEqual([pattern(90, 4)]);
  });
});
