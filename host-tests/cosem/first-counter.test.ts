import { describe, expect, it } from "vitest";
import { TransmitCounter } from "../../src/cosem/security/counters.js";
import { MemoryKeyValueStore } from "../../src/persistence.js";

// Issue 15, item 7: clients such as dlms-cosem refuse a server invocation counter of 0 by default.
describe("first transmit invocation counter", () => {
  it("a fresh meter and a key change both start at 1; a restart still resumes above every value used", () => {
    const kv = new MemoryKeyValueStore();
    const tx = new TransmitCounter(kv, "t");
    expect(tx.peek).toBe(1);
    expect([tx.take(), tx.take()]).toEqual([1, 2]);
    const after = new TransmitCounter(kv, "t");
    expect(after.take()).toBeGreaterThan(2);
    after.reset();
    expect(after.take()).toBe(1);
    expect(new TransmitCounter(kv, "t").take()).toBeGreaterThan(1);
  });
});
