import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ESP32_NOR, NRF52840_INTERNAL, SimFlash, withSectors } from "../../hal/sim/flash.js";
import { MemoryKeyValueStore } from "../../src/persistence.js";
import { LogStore, StorageError } from "../../src/storage/log-store.js";
import { LogKeyValueStore } from "../../src/storage/kv-store.js";
import { TransmitCounter } from "../../src/cosem/security/counters.js";
import { toHex } from "../../src/util/bytes.js";
import { runtime } from "../support/report.js";

function open(flash: SimFlash) {
  const log = new LogStore(flash);
  const kv = new LogKeyValueStore(log);
  log.mount();
  return { log, kv };
}

describe("KeyValueStore on flash", () => {
  it("behaves like the RAM store through any sequence of puts, deletes and reboots (both geometries)", () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant("put" as const), key: fc.constantFrom("a", "bb", "reg.1.8.0", "ic.mgmt"), value: fc.uint8Array({ maxLength: 40 }) }),
      fc.record({ k: fc.constant("del" as const), key: fc.constantFrom("a", "bb", "reg.1.8.0", "ic.mgmt") }),
      fc.record({ k: fc.constant("reboot" as const) }),
    );
    fc.assert(
      fc.property(fc.boolean(), fc.array(op, { maxLength: 300 }), (nrf, ops) => {
        const flash = new SimFlash(withSectors(nrf ? NRF52840_INTERNAL : ESP32_NOR, 3));
        let { kv } = open(flash);
        const ram = new MemoryKeyValueStore();
        for (const o of ops) {
          if (o.k === "put") {
            kv.put(o.key, o.value);
            ram.put(o.key, o.value);
          } else if (o.k === "del") {
            kv.delete(o.key);
            ram.delete(o.key);
          } else kv = open(flash).kv;
          for (const key of ["a", "bb", "reg.1.8.0", "ic.mgmt"]) {
            const a = kv.get(key);
            const b = ram.get(key);
            if ((a === undefined) !== (b === undefined) || (a && b && toHex(a) !== toHex(b))) return false;
          }
        }
        return true;
      }),
      { numRuns: runtime === "node" ? 60 : 6 },
    );
  });

  it("get returns a copy; keys are checked; a full log says so and stays usable", () => {
    const flash = new SimFlash(withSectors(ESP32_NOR, 3));
    const { kv } = open(flash);
    kv.put("k", new Uint8Array([1, 2]));
    const v = kv.get("k") as Uint8Array;
    v[0] = 9;
    expect(kv.get("k")?.[0]).toBe(1);
    expect(() => kv.put("", new Uint8Array(1))).toThrow(StorageError);
    expect(() => kv.put("é", new Uint8Array(1))).toThrow(StorageError);
    // Live data beyond what 3 sectors minus the reserve hold: refused with "full", older values intact.
    let full: unknown;
    try {
      for (let i = 0; i < 100; i++) kv.put(`key${i}`, new Uint8Array(200).fill(i));
    } catch (e) {
      full = e;
    }
    expect(full instanceof StorageError && full.code === "full").toBe(true);
    expect(kv.get("key3")?.[0]).toBe(3);
    kv.delete("key3");
    expect(kv.get("key3")).toBeUndefined();
    expect(open(flash).kv.get("key3")).toBeUndefined();
    expect(open(flash).kv.get("key4")?.[0]).toBe(4);
  });

  it("values survive years of rewrites while sectors rotate evenly", () => {
    const flash = new SimFlash(withSectors(ESP32_NOR, 8));
    const { kv } = open(flash);
    kv.put("serial", Uint8Array.from([0x4d, 0x4b, 0x31]));
    const writes = runtime === "node" ? 40000 : 4000;
    for (let i = 0; i < writes; i++) kv.put(`reg${i % 6}`, Uint8Array.from([i >>> 24, (i >>> 16) & 0xff, (i >>> 8) & 0xff, i & 0xff]));
    const again = open(flash).kv;
    expect(toHex(again.get("serial") as Uint8Array)).toBe("4d4b31");
    expect(toHex(again.get(`reg${(writes - 1) % 6}`) as Uint8Array)).toBe(toHex(Uint8Array.from([0, 0, ((writes - 1) >>> 8) & 0xff, (writes - 1) & 0xff])));
    const counts = Array.from(flash.eraseCounts);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
  });
});

describe("the invocation counter on flash (the one counter: TransmitCounter)", () => {
  it("never hands out a value twice across reboots, writing once per block", () => {
    const flash = new SimFlash(withSectors(ESP32_NOR, 3));
    let seen = 0;
    let writesBefore = flash.bytesWritten;
    for (let boot = 0; boot < 20; boot++) {
      const { kv } = open(flash);
      const c = new TransmitCounter(kv, "ic", 16);
      // A restart resumes at the end of the last reservation: at most one block skipped.
      expect(c.peek).toBeGreaterThan(seen);
      expect(c.peek).toBeLessThanOrEqual(seen + 16);
      for (let i = 0; i < 10 + boot; i++) {
        const v = c.take() as number;
        expect(v).toBeGreaterThan(seen);
        seen = v;
      }
    }
    writesBefore = flash.bytesWritten - writesBefore;
    // 20 boots × (10..29 values) in blocks of 16: about 2 reservation records per boot.
    expect(writesBefore).toBeLessThan(20 * 3 * 40);
  });
});
