import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { decodeToken } from "../../src/prepay/decoder.js";
import { TOKEN_RESULT_NAMES, TokenResult } from "../../src/prepay/results.js";
import { decodeRecord, encodeRecord } from "../../src/prepay/state.js";
import { parseTokenDigits } from "../../src/prepay/token.js";
import { tokenDigits, transpose } from "../../src/prepay/vending/token-encode.js";
import { DK_A, Env, sta } from "./fixture.js";
import { runtime } from "../support/report.js";

/** Rule 4: any input gets a typed result, never an exception; the stored record decodes totally. */

const runs = runtime === "node" ? 2000 : 150;

describe("prepayment decoders are total", () => {
  it("any string entered is a result with a name, never an exception, and logged", () => {
    const env = new Env();
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.stringMatching(/^[0-9]{20}$/), fc.stringMatching(/^[0-9 -]{0,30}$/)), (s) => {
        const n = env.events.length;
        const r = env.service.enterToken(s, "manual").result;
        expect(TOKEN_RESULT_NAMES[r]).toBeDefined();
        expect(env.events.length).toBeGreaterThan(n);
      }),
      { numRuns: runs },
    );
  });

  it("20 random digits either fail the range check or survive parse -> transpose -> digits unchanged", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{20}$/), (s) => {
        const t = parseTokenDigits(s);
        if (!t) {
          expect(BigInt(s) >= 1n << 66n).toBe(true);
          expect(decodeToken(s, DK_A, sta)).toEqual({ ok: false, result: TokenResult.formatError });
          return;
        }
        expect(tokenDigits(transpose(t.tokenClass, t.block))).toBe(s);
      }),
      { numRuns: runs },
    );
  });

  it("stored record: any bytes decode to a record or to absent; a record round-trips", () => {
    const env = new Env();
    const good = encodeRecord(env.service.record);
    expect(encodeRecord(decodeRecord(good)!)).toEqual(good);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 260 }), fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 }), (junk, at, v) => {
        decodeRecord(junk);
        const mutated = good.slice();
        mutated[at] = v;
        const r = decodeRecord(mutated);
        if (r) expect(Number.isFinite(r.creditWh)).toBe(true);
      }),
      { numRuns: runs },
    );
  });
});
