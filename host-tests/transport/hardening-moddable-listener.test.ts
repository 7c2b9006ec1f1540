/**
 * The device path of admission (issue 15 item 2): the Moddable listener's
 * cap is only a RAM bound (slots + 1), so the firmware's WrapperServer sees
 * the newcomer and displaces an unauthenticated connection instead of the
 * listener refusing it at the socket level.
 */
import { describe, expect, it } from "vitest";
import { ModdableTcpListener, type SocketCallbacks, type TcpSocket } from "../../hal/moddable/tcp.js";
import { SimClock } from "../../hal/sim/clock.js";
import { SimTimers } from "../../hal/sim/timers.js";
import { DEFAULT_WRAPPER_CONFIG, WrapperServer } from "../../src/transport/wrapper/server.js";
import { LoopbackHandler } from "./support.js";

describe("Moddable listener + wrapper server", () => {
  it("with 2 slots and the device cap of 3, a third socket displaces the first; the open count returns to 2", () => {
    const sockets: { cb: SocketCallbacks; closed: boolean; rx: number[]; written: number[] }[] = [];
    const pending: string[] = [];
    const listener = new ModdableTcpListener(4059, (_from, cb): TcpSocket => {
      const s = { cb, closed: false, rx: [] as number[], written: [] as number[] };
      sockets.push(s);
      return {
        read: (n?: number) => new Uint8Array(s.rx.splice(0, n ?? s.rx.length)).buffer,
        write: (b: ArrayBuffer) => s.written.push(...new Uint8Array(b)),
        close: () => (s.closed = true),
      };
    }, 3);
    listener.attach({ read: () => pending.shift() });
    const timers = new SimTimers(new SimClock({ startUtcMs: 0 }));
    const server = new WrapperServer(listener, new LoopbackHandler(), timers, DEFAULT_WRAPPER_CONFIG);
    pending.push("a", "b", "c");
    listener.accept(3);
    expect(sockets.map((s) => s.closed)).toEqual([true, false, false]);
    expect(listener.openConnections).toBe(2);
    expect(server.connectionCount).toBe(2);
    // The newcomer is served: a wrapper message in, the echo out.
    const c = sockets[2];
    c.rx.push(0, 1, 0, 16, 0, 1, 0, 2, 0xaa, 0xbb);
    c.cb.onWritable(1024);
    c.cb.onReadable(10);
    expect(c.written).toEqual([0, 1, 0, 1, 0, 16, 0, 2, 0xaa, 0xbb]);
  });
});
