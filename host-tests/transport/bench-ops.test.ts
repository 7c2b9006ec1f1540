import { describe, expect, it } from "vitest";
import { BENCH_GET_RESPONSE, hdlcGetExchange, wrapperGetExchange } from "./bench-ops.js";

// The benchmark operations must do the exchange they claim, every time they run.
describe("transport bench operations", () => {
  it("the HDLC exchange answers each of 20 requests (sequence numbers wrap) with the GET response", () => {
    const s = hdlcGetExchange.setup();
    for (let i = 0; i < 20; i++) {
      s.answer = undefined;
      hdlcGetExchange.run(s);
      expect(s.answer).toEqual(BENCH_GET_RESPONSE);
    }
    // flags 2, format 2, addresses 1 + 2, control 1, HCS 2, FCS 2, LLC 3
    expect(hdlcGetExchange.bytes?.(s)).toBe(BENCH_GET_RESPONSE.length + 15);
  });

  it("the wrapper exchange answers each request with the GET response", () => {
    const s = wrapperGetExchange.setup();
    for (let i = 0; i < 5; i++) {
      s.answer = undefined;
      wrapperGetExchange.run(s);
      expect(s.answer).toEqual(BENCH_GET_RESPONSE);
    }
  });
});
