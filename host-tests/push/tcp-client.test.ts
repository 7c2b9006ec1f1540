/**
 * The TCP client port's contract (hal/README.md) on both implementations
 * that run here: the in-memory network's connector (hal/sim/tcp.ts) and the
 * Moddable adapter (hal/moddable/tcp-client.ts) over a fake ECMA-419 socket
 * that behaves as the SDK's: a connection shows as the first onWritable, a
 * failure as onError, with no reason.
 */
import { describe, expect, it } from "vitest";
import { SimClock } from "../../hal/sim/clock.js";
import { SimTcpNetwork } from "../../hal/sim/tcp.js";
import { SimTimers } from "../../hal/sim/timers.js";
import type { TcpConnection } from "../../hal/tcp.js";
import type { TcpConnectHandler } from "../../hal/tcp-client.js";
import { ModdableTcpConnector } from "../../hal/moddable/tcp-client.js";
import type { SocketCallbacks, TcpSocket } from "../../hal/moddable/tcp.js";

function recorder() {
  const events: string[] = [];
  let connection: TcpConnection | undefined;
  const handler: TcpConnectHandler = {
    connected: (c) => {
      events.push("connected");
      connection = c;
    },
    failed: (r) => events.push(`failed:${r}`),
  };
  return { events, handler, connection: () => connection };
}

describe("TcpConnector on the simulated network", () => {
  const net = () => {
    const clock = new SimClock({ startUtcMs: 0 });
    return { clock, network: new SimTcpNetwork(new SimTimers(clock), 5) };
  };

  it("answers after the latency, never inside connect: refused without a listener, connected with one", () => {
    const { clock, network } = net();
    const c = network.connector();
    const a = recorder();
    c.connect("head-end", 4059, a.handler);
    expect(a.events).toEqual([]);
    clock.advance(5);
    expect(a.events).toEqual(["failed:refused"]);
    const l = network.listen(4059);
    const got: Uint8Array[] = [];
    l.onConnection((s) => s.onData((b) => got.push(b)));
    const b = recorder();
    c.connect("head-end", 4059, b.handler);
    expect(b.events).toEqual([]);
    clock.advance(5);
    expect(b.events).toEqual(["connected"]);
    b.connection()!.write(Uint8Array.of(1, 2, 3));
    clock.advance(5);
    expect(got).toEqual([Uint8Array.of(1, 2, 3)]);
  });

  it("a refusing listener refuses the next N attempts and counts them; cancel silences an attempt", () => {
    const { clock, network } = net();
    const l = network.listen(7);
    l.onConnection(() => {});
    l.refuseNext = 2;
    const c = network.connector();
    const events: string[][] = [];
    for (let i = 0; i < 3; i++) {
      const r = recorder();
      c.connect("x", 7, r.handler);
      clock.advance(5);
      events.push(r.events);
    }
    expect(events).toEqual([["failed:refused"], ["failed:refused"], ["connected"]]);
    expect(l.attempts).toBe(3);
    const r = recorder();
    const attempt = c.connect("x", 7, r.handler);
    attempt.cancel();
    attempt.cancel();
    clock.advance(50);
    expect(r.events).toEqual([]);
  });

  it("dispose (the MCU stops) ends attempts and closes connections; bytes already written still arrive", () => {
    const { clock, network } = net();
    const l = network.listen(7);
    const got: string[] = [];
    l.onConnection((s) => {
      s.onData((b) => got.push(`data:${b.length}`));
      s.onClose(() => got.push("close"));
    });
    const c = network.connector();
    const a = recorder();
    c.connect("x", 7, a.handler);
    clock.advance(5);
    const pending = recorder();
    c.connect("x", 7, pending.handler);
    a.connection()!.write(new Uint8Array(4));
    c.dispose();
    clock.advance(50);
    expect(pending.events).toEqual([]);
    expect(got).toEqual(["data:4", "close"]);
  });
});

/** A fake ECMA-419 client socket: the test drives its callbacks as the SDK would. */
class FakeSocket implements TcpSocket {
  written: number[] = [];
  closed = false;
  constructor(readonly callbacks: SocketCallbacks) {}
  read(): ArrayBuffer {
    return new ArrayBuffer(0);
  }
  write(buffer: ArrayBuffer): void {
    this.written.push(...new Uint8Array(buffer));
  }
  close(): void {
    this.closed = true;
  }
}

describe("TcpConnector on Moddable (adapter over embedded:io/socket/tcp)", () => {
  function connector(throwing = false) {
    const sockets: FakeSocket[] = [];
    const deferred: (() => void)[] = [];
    const c = new ModdableTcpConnector(
      (_host, _port, callbacks) => {
        if (throwing) throw new Error("bad address");
        const s = new FakeSocket(callbacks);
        sockets.push(s);
        return s;
      },
      (cb) => deferred.push(cb),
    );
    return { c, sockets, deferred };
  }

  it("connected at the first onWritable; writes wait for it and then leave in order", () => {
    const { c, sockets } = connector();
    const r = recorder();
    c.connect("10.0.0.1", 4059, r.handler);
    expect(r.events).toEqual([]);
    sockets[0].callbacks.onWritable(2);
    expect(r.events).toEqual(["connected"]);
    r.connection()!.write(Uint8Array.of(1, 2, 3));
    expect(sockets[0].written).toEqual([1, 2]);
    sockets[0].callbacks.onWritable(8);
    expect(sockets[0].written).toEqual([1, 2, 3]);
  });

  it("onError before the connection is failed(error), once; after it, the connection closes", () => {
    const { c, sockets } = connector();
    const r = recorder();
    c.connect("head-end", 4059, r.handler);
    sockets[0].callbacks.onError();
    sockets[0].callbacks.onError();
    expect(r.events).toEqual(["failed:error"]);
    expect(sockets[0].closed).toBe(true);
    const r2 = recorder();
    c.connect("head-end", 4059, r2.handler);
    sockets[1].callbacks.onWritable(64);
    let closed = 0;
    r2.connection()!.onClose(() => closed++);
    sockets[1].callbacks.onError();
    expect(closed).toBe(1);
    expect(r2.events).toEqual(["connected"]);
  });

  it("a socket constructor that throws is failed later, never inside connect; cancel closes the socket and silences it", () => {
    const t = connector(true);
    const r = recorder();
    expect(() => t.c.connect("not an address", 1, r.handler)).not.toThrow();
    expect(r.events).toEqual([]);
    for (const d of t.deferred) d();
    expect(r.events).toEqual(["failed:error"]);
    const { c, sockets } = connector();
    const r2 = recorder();
    const attempt = c.connect("10.0.0.1", 4059, r2.handler);
    attempt.cancel();
    expect(sockets[0].closed).toBe(true);
    sockets[0].callbacks.onWritable(8);
    sockets[0].callbacks.onError();
    expect(r2.events).toEqual([]);
  });
});
