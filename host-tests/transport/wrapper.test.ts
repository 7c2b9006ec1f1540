import { describe, expect, it } from "vitest";
import { SimClock } from "../../hal/sim/clock.js";
import { SimTcpNetwork } from "../../hal/sim/tcp.js";
import { SimTimers } from "../../hal/sim/timers.js";
import { WrapperClient, WrapperLinkError } from "../../src/transport/client/wrapper-client.js";
import { DEFAULT_WRAPPER_CONFIG, DLMS_TCP_PORT, WrapperServer } from "../../src/transport/wrapper/server.js";
import { decodeWrapper, decodeWrapperHeader, encodeWrapper, WrapperReader, type WrapperMessage } from "../../src/transport/wrapper/wrapper.js";
import { concatBytes } from "../../src/util/bytes.js";
import { DecodeError } from "../../src/util/errors.js";
import { dlmsVector } from "../support/vectors.js";
import { drive, driveToError, LoopbackHandler, pattern } from "./support.js";

describe("wrapper codec against dlms-cosem vectors", () => {
  it("header 0001 0001 0001 0046: version 1, wPorts 1 -> 1, length 70 (dlms-cosem tests/test_udp_message.py:23, :24)", () => {
    const header = dlmsVector("test_udp_message.py", 23);
    const data = dlmsVector("test_udp_message.py", 24);
    const m = decodeWrapper(concatBytes(header, data));
    expect(m.header).toEqual({ version: 1, source: 1, destination: 1, length: 70 });
    expect(m.apdu).toEqual(data);
    expect(data[0]).toBe(0xdb); // general-glo-ciphering: the wrapper does not look inside
  });

  it("encodes the header and data back to the same bytes (dlms-cosem tests/test_udp_message.py:39, :40)", () => {
    const header = dlmsVector("test_udp_message.py", 39);
    const data = dlmsVector("test_udp_message.py", 40);
    expect(encodeWrapper(1, 1, data)).toEqual(concatBytes(header, data));
  });

  it.each([6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18])("data-notification message decodes and re-encodes (dlms-cosem tests/test_udp_message.py:%s)", (line) => {
    const v = dlmsVector("test_udp_message.py", line);
    const m = decodeWrapper(v);
    expect(m.header.version).toBe(1);
    expect(m.header.length).toBe(v.length - 8);
    expect(encodeWrapper(m.header.source, m.header.destination, m.apdu)).toEqual(v);
  });

  it("the stream reader cuts the vectors fed in odd-sized pieces back into the same messages", () => {
    const all = [6, 7, 8, 9, 10].map((l) => dlmsVector("test_udp_message.py", l));
    const stream = concatBytes(...all);
    const got: WrapperMessage[] = [];
    const r = new WrapperReader(2048, (m) => got.push({ header: m.header, apdu: m.apdu.slice() }), (e) => {
      throw e;
    });
    for (let i = 0; i < stream.length; i += 7) r.push(stream.subarray(i, i + 7));
    expect(got.length).toBe(5);
    got.forEach((m, i) => expect(encodeWrapper(m.header.source, m.header.destination, m.apdu)).toEqual(all[i]));
  });

  it("a wrong version or a wrong length is a DecodeError", () => {
    const v = dlmsVector("test_udp_message.py", 6).slice();
    v[1] = 2;
    expect(() => decodeWrapperHeader(v)).toThrow(DecodeError);
    const w = dlmsVector("test_udp_message.py", 6).subarray(0, 20);
    expect(() => decodeWrapper(w)).toThrow(DecodeError);
  });
});

function setup() {
  const clock = new SimClock({ startUtcMs: Date.UTC(2026, 0, 1) });
  const timers = new SimTimers(clock);
  const net = new SimTcpNetwork(timers);
  const handler = new LoopbackHandler();
  const server = new WrapperServer(net.listen(DLMS_TCP_PORT), handler, timers, { ...DEFAULT_WRAPPER_CONFIG, inactivityMs: 60_000 });
  const connect = (clientSap = 16, serverLogical = 1) =>
    new WrapperClient(net.connect(DLMS_TCP_PORT)!, timers, { clientSap, serverLogical, responseTimeoutMs: 2000, maxApduSize: 4096 });
  return { clock, timers, net, handler, server, connect };
}

describe("wrapper session over the simulated TCP", () => {
  it("echoes APDUs on port 4059 with one session per connection, released on close", async () => {
    const { clock, handler, server, connect } = setup();
    expect(server.port).toBe(4059);
    const a = connect(16);
    const b = connect(1);
    expect(await drive(clock, a.request(pattern(20)))).toEqual(pattern(20));
    expect(await drive(clock, b.request(pattern(1500, 1)))).toEqual(pattern(1500, 1));
    expect(await drive(clock, a.request(pattern(3, 9)))).toEqual(pattern(3, 9));
    expect(server.connectionCount).toBe(2);
    const sa = handler.requests[0].session;
    expect(sa.transport).toBe("wrapper");
    expect(sa.clientSap).toBe(16);
    expect(handler.requests[2].session).toBe(sa);
    expect(handler.requests[1].session.clientSap).toBe(1);
    a.close();
    clock.advance(10);
    expect(handler.closed).toEqual([sa]);
    expect(server.connectionCount).toBe(1);
  });

  it("a push reaches the client as an unsolicited message", async () => {
    const { clock, handler, connect } = setup();
    const a = connect(16);
    await drive(clock, a.request(pattern(4)));
    const pushed: Uint8Array[] = [];
    a.onPush = (apdu) => pushed.push(apdu.slice());
    handler.requests[0].session.push(Uint8Array.of(0x0f, 1, 2, 3));
    clock.advance(5);
    expect(pushed).toEqual([Uint8Array.of(0x0f, 1, 2, 3)]);
  });

  it("a message for an unknown logical device is discarded; the connection stays", async () => {
    const { clock, handler, connect } = setup();
    const c = connect(16, 7);
    const err = await driveToError(clock, c.request(pattern(4)));
    expect((err as WrapperLinkError).code).toBe("timeout");
    expect(handler.requests.length).toBe(0);
    expect(c.connected).toBe(true);
  });

  it("a bad version or an oversize length closes the connection", async () => {
    const { clock, handler, connect } = setup();
    const c = connect(16);
    await drive(clock, c.request(pattern(4)));
    c.writeRaw(Uint8Array.of(0, 2, 0, 16, 0, 1, 0, 1, 0xc0));
    clock.advance(10);
    expect(c.connected).toBe(false);
    expect(handler.closed.length).toBe(1);
    const d = connect(16);
    d.writeRaw(Uint8Array.of(0, 1, 0, 16, 0, 1, 0xff, 0xff));
    clock.advance(10);
    expect(d.connected).toBe(false);
  });

  it("the inactivity time-out closes an idle connection", async () => {
    const { clock, handler, server, connect } = setup();
    const c = connect(16);
    await drive(clock, c.request(pattern(4)));
    clock.advance(59_000);
    expect(c.connected).toBe(true);
    clock.advance(2_000);
    expect(c.connected).toBe(false);
    expect(handler.closed.length).toBe(1);
    expect(server.connectionCount).toBe(0);
  });
});
