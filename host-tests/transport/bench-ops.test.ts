import { describe, expect, it } from "vitest";
import { decodeAare } from "../../src/cosem/client/client-apdu.js";
import { decodeApdu } from "../../src/cosem/client/codec.js";
import { BENCH_GET_RESPONSE, hdlcGetExchange, hdlcGetRegisterPlain, wrapperGetExchange } from "../../bench/ops/transport.js";

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

  it("the plain register GET is associated (AARE accepted) and each run reads 12345 from the energy register", () => {
    const s = hdlcGetRegisterPlain.setup();
    expect(decodeAare(s.answer ?? new Uint8Array(0)).result).toBe(0); // accepted
    for (let i = 0; i < 10; i++) {
      s.answer = undefined;
      hdlcGetRegisterPlain.run(s);
      expect(decodeApdu(s.answer ?? new Uint8Array(0))).toMatchObject({ type: "get-response-normal", invokeId: 0xc1, result: { data: { tag: 6, value: 12345 } } });
    }
  });
});
