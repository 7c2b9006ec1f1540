/**
 * Issue 15 item 2: no client holds a port for free. Incomplete messages and
 * frames time out however slowly their bytes dribble in, and a newcomer
 * finds a slot by displacing the oldest connection that is not
 * authenticated or idle; authenticated sessions in use are kept.
 */
import { describe, expect, it } from "vitest";
import { SimClock } from "../../hal/sim/clock.js";
import { SimTcpNetwork } from "../../hal/sim/tcp.js";
import { SimTimers } from "../../hal/sim/timers.js";
import { displaceFor } from "../../src/transport/admission.js";
import type { ApduSession } from "../../src/transport/apdu-port.js";
import { WrapperClient } from "../../src/transport/client/wrapper-client.js";
import { decodeFrame, encodeFrame, type HdlcAddress, type HdlcFrame } from "../../src/transport/hdlc/frame.js";
import { DEFAULT_HDLC_FRAME_TIMEOUT_MS, DEFAULT_HDLC_SERVER_CONFIG, HdlcServerLink } from "../../src/transport/hdlc/server.js";
import { DEFAULT_WRAPPER_CONFIG, DLMS_TCP_PORT, WrapperServer } from "../../src/transport/wrapper/server.js";
import { drive, LoopbackHandler, pattern } from "./support.js";

/** A loopback server whose sessions count as authenticated once the test says so. */
class AuthLoopback extends LoopbackHandler {
  readonly trusted = new Set<ApduSession>();
  authenticated(session: ApduSession): boolean {
    return this.trusted.has(session);
  }
}

function setup() {
  const clock = new SimClock({ startUtcMs: Date.UTC(2026, 0, 1) });
  const timers = new SimTimers(clock);
  const net = new SimTcpNetwork(timers);
  const handler = new AuthLoopback();
  const config = { ...DEFAULT_WRAPPER_CONFIG, inactivityMs: 180_000 };
  const server = new WrapperServer(net.listen(DLMS_TCP_PORT), handler, timers, config);
  const connect = (clientSap = 16) => new WrapperClient(net.connect(DLMS_TCP_PORT)!, timers, { clientSap, serverLogical: 1, responseTimeoutMs: 2000, maxApduSize: 4096 });
  return { clock, timers, net, handler, server, config, connect };
}

describe("wrapper: incomplete messages time out", () => {
  it(`a message dribbling in one byte a second is cut off ${DEFAULT_WRAPPER_CONFIG.frameTimeoutMs / 1000} s after its first byte, though the inactivity time-out is 180 s`, () => {
    const { clock, handler, server, connect } = setup();
    const c = connect();
    // A header announcing 100 bytes, then the body one byte a second: each byte used to restart the wait.
    const message = Uint8Array.of(0, 1, 0, 16, 0, 1, 0, 100, ...pattern(100));
    let sent = 0;
    for (let s = 1; s < DEFAULT_WRAPPER_CONFIG.frameTimeoutMs / 1000; s++) {
      c.writeRaw(message.subarray(sent, sent + 1));
      sent++;
      clock.advance(1000);
      expect(c.connected).toBe(true);
    }
    c.writeRaw(message.subarray(sent, sent + 1));
    clock.advance(1100);
    expect(c.connected).toBe(false);
    expect(server.connectionCount).toBe(0);
    expect(handler.requests.length).toBe(0);
  });

  it("a half header alone is cut off too; whole messages are never timed by it", async () => {
    const { clock, connect, server } = setup();
    const idle = connect();
    idle.writeRaw(Uint8Array.of(0, 1, 0));
    const busy = connect(1);
    // The busy client sends complete messages slower than the frame time: each one is whole at once.
    for (let i = 0; i < 3; i++) {
      expect(await drive(clock, busy.request(pattern(10, i)))).toEqual(pattern(10, i));
      clock.advance(DEFAULT_WRAPPER_CONFIG.frameTimeoutMs + 1000);
    }
    expect(idle.connected).toBe(false);
    expect(busy.connected).toBe(true);
    expect(server.connectionCount).toBe(1);
  });
});

describe("wrapper: admission cannot be starved", () => {
  it("the admission policy: oldest unauthenticated first, then oldest idle, else refuse", () => {
    expect(displaceFor([{ authenticated: true, idle: true }, { authenticated: false, idle: false }])).toBe(1);
    expect(displaceFor([{ authenticated: false, idle: false }, { authenticated: false, idle: false }])).toBe(0);
    expect(displaceFor([{ authenticated: true, idle: false }, { authenticated: true, idle: true }])).toBe(1);
    expect(displaceFor([{ authenticated: true, idle: false }, { authenticated: true, idle: false }])).toBe(-1);
  });

  it("two idle connections holding both slots: a newcomer displaces the oldest and is served at once", async () => {
    const { clock, connect, server } = setup();
    const squatters = [connect(), connect()];
    clock.advance(10);
    expect(server.connectionCount).toBe(2);
    const legit = connect(1);
    expect(await drive(clock, legit.request(pattern(8)))).toEqual(pattern(8));
    expect(squatters.map((s) => s.connected)).toEqual([false, true]);
    expect(server.admissions.displaced).toBe(1);
  });

  it("200 connections at once leave the meter reachable: the last comers hold the slots, never the first", async () => {
    const { clock, connect, server } = setup();
    const flood = Array.from({ length: 200 }, () => connect());
    clock.advance(10);
    expect(server.connectionCount).toBe(2);
    expect(flood.filter((c) => c.connected).length).toBe(2);
    const legit = connect(1);
    expect(await drive(clock, legit.request(pattern(8)))).toEqual(pattern(8));
  });

  it("authenticated sessions in use are kept (the newcomer is refused); once idle they make room", async () => {
    const { clock, connect, server, handler, config } = setup();
    const a = connect(1);
    const b = connect(1);
    await drive(clock, a.request(pattern(4)));
    await drive(clock, b.request(pattern(4)));
    for (const r of handler.requests) handler.trusted.add(r.session);
    const refused = connect(16);
    clock.advance(10);
    expect(refused.connected).toBe(false);
    expect(server.admissions.refused).toBe(1);
    expect([a.connected, b.connected]).toEqual([true, true]);
    // b keeps talking; a falls silent for the idle period: a is displaced, b is kept.
    for (let t = 0; t <= config.idleDisplaceMs; t += 5000) {
      await drive(clock, b.request(pattern(4)));
      clock.advance(5000);
    }
    const next = connect(16);
    expect(await drive(clock, next.request(pattern(6)))).toEqual(pattern(6));
    expect([a.connected, b.connected]).toEqual([false, true]);
  });

  it("an unauthenticated connection is displaced before an idle authenticated one", async () => {
    const { clock, connect, handler, config } = setup();
    const trusted = connect(1);
    await drive(clock, trusted.request(pattern(4)));
    handler.trusted.add(handler.requests[0].session);
    clock.advance(config.idleDisplaceMs + 1000);
    const anonymous = connect(16);
    await drive(clock, anonymous.request(pattern(4)));
    const newcomer = connect(16);
    expect(await drive(clock, newcomer.request(pattern(5)))).toEqual(pattern(5));
    expect([trusted.connected, anonymous.connected]).toEqual([true, false]);
  });
});

describe("HDLC: a frame begun must end in bounded time", () => {
  const METER: HdlcAddress = { logical: 1, physical: 17, size: 2 };
  const CLIENT: HdlcAddress = { logical: 16, size: 1 };

  it(`bytes every 20 ms (inside the 25 ms inter-octet time-out) no longer hold a frame open beyond ${DEFAULT_HDLC_FRAME_TIMEOUT_MS} ms`, () => {
    const clock = new SimClock({ startUtcMs: 0 });
    const timers = new SimTimers(clock);
    const out: HdlcFrame[] = [];
    const link = new HdlcServerLink((b) => out.push(decodeFrame(b)), new LoopbackHandler(), timers, { ...DEFAULT_HDLC_SERVER_CONFIG, physicalAddress: 17 });
    // A frame header announcing the longest frame (2047 bytes), then one byte every 20 ms.
    link.receive(Uint8Array.of(0x7e, 0xa7, 0xff));
    let t = 0;
    while (t < DEFAULT_HDLC_FRAME_TIMEOUT_MS - 40) {
      link.receive(Uint8Array.of(0x55));
      clock.advance(20);
      t += 20;
    }
    expect(link.partialDropped).toBe(0);
    for (let i = 0; i < 4; i++) {
      link.receive(Uint8Array.of(0x55));
      clock.advance(20);
    }
    expect(link.partialDropped).toBe(1);
    // The line is free again: a whole SNRM is answered.
    link.receive(encodeFrame({ dest: METER, src: CLIENT, control: { kind: "SNRM", pf: true }, segmented: false, info: new Uint8Array(0) }));
    expect(out.map((f) => f.control.kind)).toEqual(["UA"]);
  });
});
