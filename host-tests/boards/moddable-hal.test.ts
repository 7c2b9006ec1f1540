import { describe, expect, it } from "vitest";
import { MonotonicRtc, WrappingTicksClock } from "../../hal/moddable/clock.js";
import { ModdableDigitalIn, ModdableDigitalOut } from "../../hal/moddable/digital.js";
import { ModdableFlashPartition, type FlashDevice } from "../../hal/moddable/flash.js";
import { esp32ResetCause, nrf52ResetCause } from "../../hal/moddable/reset-cause.js";
import { ModdableSerial, type SerialDevice } from "../../hal/moddable/serial.js";
import { ModdableSystem } from "../../hal/moddable/system.js";
import { ModdableTcpListener, type SocketCallbacks, type TcpSocket } from "../../hal/moddable/tcp.js";
import { ModdableTimers } from "../../hal/moddable/timer.js";
import type { TcpConnection } from "../../hal/tcp.js";

/**
 * The Moddable HAL adapters against fakes shaped like the SDK's classes (the
 * shapes tsconfig.moddable.json checks the real classes against): what the
 * adapters add on top of the SDK is tested here on both runtimes.
 */

class FakeFlash implements FlashDevice {
  readonly bytes: Uint8Array;
  readonly blockSize = 4096;
  erased: number[] = [];
  constructor(readonly byteLength: number) {
    this.bytes = new Uint8Array(byteLength).fill(0xff);
  }
  read(offset: number, length: number): ArrayBuffer {
    return this.bytes.slice(offset, offset + length).buffer;
  }
  write(offset: number, length: number, buffer: ArrayBuffer): void {
    const src = new Uint8Array(buffer, 0, length);
    for (let i = 0; i < length; i++) this.bytes[offset + i] &= src[i];
  }
  erase(sector: number): void {
    this.erased.push(sector);
    this.bytes.fill(0xff, sector * 4096, (sector + 1) * 4096);
  }
}

describe("Moddable flash partition", () => {
  it("exposes whole sectors only and the board's write unit", () => {
    const p = new ModdableFlashPartition(new FakeFlash(4096 * 3 + 100), { writeSize: 4, ratedEraseCycles: 10_000 });
    expect(p.geometry).toEqual({ sectorSize: 4096, sectorCount: 3, writeSize: 4, ratedEraseCycles: 10_000 });
    expect(p.byteLength).toBe(4096 * 3);
    expect(() => p.read(4096 * 3 - 2, 4)).toThrow(RangeError);
  });

  it("writes word-aligned data, refuses unaligned writes on a 4-byte unit, erases sectors in range", () => {
    const dev = new FakeFlash(4096 * 2);
    const p = new ModdableFlashPartition(dev, { writeSize: 4, ratedEraseCycles: 10_000 });
    p.write(8, new Uint8Array([1, 2, 3, 4]));
    expect([...p.read(6, 8)]).toEqual([0xff, 0xff, 1, 2, 3, 4, 0xff, 0xff]);
    expect(() => p.write(9, new Uint8Array(4))).toThrow(RangeError);
    expect(() => p.write(8, new Uint8Array(3))).toThrow(RangeError);
    p.eraseSector(0);
    expect([...p.read(8, 4)]).toEqual([0xff, 0xff, 0xff, 0xff]);
    expect(() => p.eraseSector(2)).toThrow(RangeError);
    expect(() => p.eraseSector(-1)).toThrow(RangeError);
    expect(dev.erased).toEqual([0]);
  });

  it("passes a partial view's bytes, not its whole buffer", () => {
    const dev = new FakeFlash(4096);
    const p = new ModdableFlashPartition(dev, { writeSize: 1, ratedEraseCycles: 100_000 });
    const big = new Uint8Array([9, 9, 0x11, 0x22, 9]);
    p.write(1, big.subarray(2, 4));
    expect([...p.read(0, 4)]).toEqual([0xff, 0x11, 0x22, 0xff]);
  });
});

describe("Moddable timers", () => {
  type Handle = { callback: () => void; interval: number; repeat?: number; cleared: boolean };
  function fakeApi() {
    const made: Handle[] = [];
    return {
      made,
      api: {
        set(callback: () => void, interval: number, repeat?: number): Handle {
          const h = { callback, interval, repeat, cleared: false };
          made.push(h);
          return h;
        },
        clear(h: Handle) {
          h.cleared = true;
        },
      },
    };
  }

  it("a one-shot forgets its id when it fires; clear after that is harmless", () => {
    const { made, api } = fakeApi();
    const timers = new ModdableTimers(api);
    let fired = 0;
    const id = timers.once(250, () => fired++);
    expect(timers.active).toBe(1);
    made[0].callback();
    expect(fired).toBe(1);
    expect(timers.active).toBe(0);
    timers.clear(id);
    expect(made[0].cleared).toBe(false);
  });

  it("repeat passes the interval as the repeat period; clear stops it once", () => {
    const { made, api } = fakeApi();
    const timers = new ModdableTimers(api);
    const a = timers.repeat(1000, () => {});
    const b = timers.once(-5, () => {});
    expect(a).not.toBe(b);
    expect(made[0].interval).toBe(1000);
    expect(made[0].repeat).toBe(1000);
    expect(made[1].interval).toBe(0);
    timers.clear(a);
    expect(made[0].cleared).toBe(true);
    expect(timers.active).toBe(1);
  });
});

describe("Moddable clocks", () => {
  it("monotonic time keeps counting across the 32-bit tick wrap and negative int32 reads", () => {
    let t = 0xfffffc18; // 1000 ms before the wrap
    const clock = new WrappingTicksClock(() => t);
    t = 0xffffffff;
    expect(clock.nowMs()).toBe(999);
    t = 500;
    expect(clock.nowMs()).toBe(1500);
    t = 0x7fffffff;
    const before = clock.nowMs();
    t = -0x80000000 + 10; // XS integer view of 0x8000000A
    expect(clock.nowMs() - before).toBe(11);
  });

  it("the RTC is invalid until set, then runs on monotonic time and sets the system clock in seconds", () => {
    let mono = 5000;
    const seconds: number[] = [];
    const rtc = new MonotonicRtc({ nowMs: () => mono }, (s) => seconds.push(s));
    expect(rtc.valid).toBe(false);
    rtc.setUtcMs(1_700_000_000_500);
    expect(rtc.valid).toBe(true);
    expect(seconds).toEqual([1_700_000_000]);
    mono += 61_000;
    expect(rtc.nowUtcMs()).toBe(1_700_000_061_500);
    expect(() => rtc.setUtcMs(Number.NaN)).toThrow(RangeError);
  });
});

describe("Moddable digital and system", () => {
  it("an input fans each edge out with the level read at that moment", () => {
    let level: 0 | 1 = 1;
    const pin = { read: () => level, write() {} };
    const input = new ModdableDigitalIn().attach(pin);
    const seen: number[] = [];
    input.onChange((l) => seen.push(l));
    level = 0;
    input.changed();
    level = 1;
    input.changed();
    expect(seen).toEqual([0, 1]);
  });

  it("an output drives its initial level at construction", () => {
    const writes: number[] = [];
    let latch: 0 | 1 = 0;
    const out = new ModdableDigitalOut({ read: () => latch, write: (v) => (writes.push(v), (latch = v)) }, 1);
    out.write(0);
    expect(writes).toEqual([1, 0]);
    expect(out.read()).toBe(0);
  });

  it("the power-fail line calls handlers on its falling edge only; reboot calls restart", () => {
    let level: 0 | 1 = 1;
    const line = new ModdableDigitalIn().attach({ read: () => level, write() {} });
    let restarts = 0;
    const system = new ModdableSystem({ restart: () => restarts++, resetCause: "brown-out", powerFail: line });
    let fails = 0;
    system.onPowerFail(() => fails++);
    level = 0;
    line.changed();
    level = 1;
    line.changed();
    expect(fails).toBe(1);
    system.reboot();
    expect(restarts).toBe(1);
    expect(system.resetCause()).toBe("brown-out");
  });

  it.each([
    { reason: 0, cause: "unknown" },
    { reason: 1, cause: "power-on" },
    { reason: 2, cause: "external" },
    { reason: 3, cause: "software" },
    { reason: 4, cause: "watchdog" },
    { reason: 5, cause: "watchdog" },
    { reason: 6, cause: "watchdog" },
    { reason: 7, cause: "watchdog" },
    { reason: 8, cause: "unknown" },
    { reason: 9, cause: "brown-out" },
    { reason: 10, cause: "unknown" },
    { reason: -1, cause: "unknown" },
  ])("ESP-IDF esp_reset_reason $reason is $cause", ({ reason, cause }) => {
    expect(esp32ResetCause(reason)).toBe(cause);
  });

  it.each([
    { bits: 0, cause: "power-on" },
    { bits: 1 << 0, cause: "external" },
    { bits: 1 << 1, cause: "watchdog" },
    { bits: 1 << 2, cause: "software" },
    { bits: 1 << 3, cause: "watchdog" },
    { bits: (1 << 2) | (1 << 1), cause: "watchdog" },
    { bits: (1 << 0) | (1 << 2), cause: "software" },
    { bits: 1 << 16, cause: "unknown" },
    { bits: 1 << 18, cause: "unknown" },
  ])("nRF52840 RESETREAS $bits is $cause", ({ bits, cause }) => {
    expect(nrf52ResetCause(bits)).toBe(cause);
  });
});

describe("Moddable serial", () => {
  function fakeUart() {
    const opened: { baud: number; readable: (n: number) => void; writable: (n: number) => void; written: number[]; closed: boolean; rx: number[] }[] = [];
    const open = (baud: number, readable: (n: number) => void, writable: (n: number) => void): SerialDevice => {
      const u = { baud, readable, writable, written: [] as number[], closed: false, rx: [] as number[] };
      opened.push(u);
      return {
        read: (n?: number) => new Uint8Array(u.rx.splice(0, n ?? u.rx.length)).buffer,
        write: (b: ArrayBuffer) => u.written.push(...new Uint8Array(b)),
        close: () => (u.closed = true),
      };
    };
    return { opened, open };
  }

  it("queues writes beyond the onWritable count and drains them in order", () => {
    const { opened, open } = fakeUart();
    const port = new ModdableSerial(open, 300);
    port.write(new Uint8Array([1, 2, 3, 4, 5]));
    expect(opened[0].written).toEqual([]);
    opened[0].writable(2);
    expect(opened[0].written).toEqual([1, 2]);
    port.write(new Uint8Array([6]));
    opened[0].writable(10);
    expect(opened[0].written).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("delivers received chunks", () => {
    const { opened, open } = fakeUart();
    const port = new ModdableSerial(open, 300);
    const got: number[][] = [];
    port.onReceive((b) => got.push([...b]));
    opened[0].rx.push(0x2f, 0x3f);
    opened[0].readable(2);
    expect(got).toEqual([[0x2f, 0x3f]]);
  });

  it("changes baud by closing and reopening the UART, dropping bytes queued at the old rate", () => {
    const { opened, open } = fakeUart();
    const port = new ModdableSerial(open, 300);
    port.write(new Uint8Array([0x06]));
    port.setBaud(9600);
    expect(opened.length).toBe(2);
    expect(opened[0].closed).toBe(true);
    expect(opened[1].baud).toBe(9600);
    expect(port.baud).toBe(9600);
    opened[1].writable(64);
    expect(opened[1].written).toEqual([]);
    port.setBaud(9600);
    expect(opened.length).toBe(2);
  });
});

describe("Moddable TCP listener", () => {
  function harness(max: number) {
    const pending: string[] = [];
    const sockets: { name: string; cb: SocketCallbacks; closed: boolean; written: number[]; rx: number[] }[] = [];
    const listener = new ModdableTcpListener(4059, (from, cb): TcpSocket => {
      const s = { name: from as string, cb, closed: false, written: [] as number[], rx: [] as number[] };
      sockets.push(s);
      return {
        read: (n?: number) => new Uint8Array(s.rx.splice(0, n ?? s.rx.length)).buffer,
        write: (b: ArrayBuffer) => s.written.push(...new Uint8Array(b)),
        close: () => (s.closed = true),
      };
    }, max);
    listener.attach({ read: () => pending.shift() });
    return { pending, sockets, listener };
  }

  it("accepts up to the limit, refuses the rest, and counts a slot free when the connection closes", () => {
    const { pending, sockets, listener } = harness(1);
    const conns: TcpConnection[] = [];
    listener.onConnection((c) => {
      conns.push(c);
      c.onClose(() => {}); // the server's own handler must not hide the close from the listener
    });
    pending.push("a", "b");
    listener.accept(2);
    expect(conns.length).toBe(1);
    expect(sockets.map((s) => s.closed)).toEqual([false, true]);
    expect(listener.openConnections).toBe(1);
    sockets[0].cb.onError();
    expect(listener.openConnections).toBe(0);
    pending.push("c");
    listener.accept(1);
    expect(conns.length).toBe(2);
  });

  it("moves data both ways and waits for onWritable", () => {
    const { pending, sockets, listener } = harness(2);
    let conn: TcpConnection | undefined;
    const got: number[] = [];
    listener.onConnection((c) => {
      conn = c;
      c.onData((b) => got.push(...b));
    });
    pending.push("a");
    listener.accept(1);
    sockets[0].rx.push(0, 1, 0, 1);
    sockets[0].cb.onReadable(4);
    expect(got).toEqual([0, 1, 0, 1]);
    conn?.write(new Uint8Array([7, 8, 9]));
    expect(sockets[0].written).toEqual([]);
    sockets[0].cb.onWritable(2);
    sockets[0].cb.onWritable(2);
    expect(sockets[0].written).toEqual([7, 8, 9]);
    let closes = 0;
    conn?.onClose(() => closes++);
    conn?.close();
    conn?.close();
    expect(closes).toBe(1);
  });

  it("closes every request when no handler is registered", () => {
    const { pending, sockets, listener } = harness(2);
    pending.push("a");
    listener.accept(1);
    expect(sockets[0].closed).toBe(true);
    expect(listener.openConnections).toBe(0);
  });
});
