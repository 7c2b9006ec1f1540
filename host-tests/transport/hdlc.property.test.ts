import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeFrame, encodeFrame, type Control, type HdlcAddress, type HdlcFrame } from "../../src/transport/hdlc/frame.js";
import { decodeParameters, encodeParameters } from "../../src/transport/hdlc/parameters.js";
import { HdlcFrameReader } from "../../src/transport/hdlc/reader.js";
import { concatBytes, toHex } from "../../src/util/bytes.js";
import { DecodeError } from "../../src/util/errors.js";
import { SimClock } from "../../hal/sim/clock.js";
import { SimTimers } from "../../hal/sim/timers.js";
import { LLC_REQUEST, LLC_RESPONSE, stripLlc } from "../../src/transport/hdlc/llc.js";
import { withLlc } from "../support/llc.js";
import { DEFAULT_HDLC_SERVER_CONFIG, HdlcServerLink } from "../../src/transport/hdlc/server.js";
import { runtime } from "../support/report.js";
import { LoopbackHandler } from "./support.js";

const runs = runtime === "xs" ? 150 : 1500;

const seq = fc.integer({ min: 0, max: 7 });
const controlArb: fc.Arbitrary<Control> = fc.oneof(
  fc.record({ kind: fc.constant("I" as const), ns: seq, nr: seq, pf: fc.boolean() }),
  fc.record({ kind: fc.constantFrom("RR" as const, "RNR" as const), nr: seq, pf: fc.boolean() }),
  fc.record({ kind: fc.constantFrom("SNRM" as const, "DISC" as const, "UA" as const, "DM" as const, "FRMR" as const, "UI" as const), pf: fc.boolean() }),
);
const addressArb: fc.Arbitrary<HdlcAddress> = fc.oneof(
  fc.record({ logical: fc.integer({ min: 0, max: 0x7f }), size: fc.constant(1 as const) }),
  fc.record({ logical: fc.integer({ min: 0, max: 0x7f }), physical: fc.integer({ min: 0, max: 0x7f }), size: fc.constant(2 as const) }),
  fc.record({ logical: fc.integer({ min: 0, max: 0x3fff }), physical: fc.integer({ min: 0, max: 0x3fff }), size: fc.constant(4 as const) }),
);
const frameArb: fc.Arbitrary<HdlcFrame> = fc.record({
  dest: addressArb,
  src: addressArb,
  control: controlArb,
  segmented: fc.boolean(),
  info: fc.uint8Array({ maxLength: 300 }),
});

function decodeOrError(bytes: Uint8Array): HdlcFrame | DecodeError {
  try {
    return decodeFrame(bytes);
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
}

describe("HDLC codec properties", () => {
  it("encode then decode gives the frame back", () => {
    fc.assert(
      fc.property(frameArb, (f) => {
        const d = decodeFrame(encodeFrame(f));
        expect(d.dest).toEqual(f.dest);
        expect(d.src).toEqual(f.src);
        expect(d.control).toEqual(f.control);
        expect(d.segmented).toBe(f.segmented);
        expect(d.info).toEqual(f.info);
      }),
      { numRuns: runs },
    );
  });

  it("any bytes decode to a frame that re-encodes to the same bytes, or to a DecodeError", () => {
    const flagged = fc.uint8Array({ maxLength: 80 }).map((b) => concatBytes(Uint8Array.of(0x7e, 0xa0 | (b.length >> 8 & 7), b.length + 2 & 0xff), b, Uint8Array.of(0x7e)));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 80 }), flagged), (bytes) => {
        const r = decodeOrError(bytes);
        if (!(r instanceof DecodeError)) expect(toHex(encodeFrame(r))).toBe(toHex(bytes));
      }),
      { numRuns: runs * 4 },
    );
  });

  it("parameters: encode then decode gives the values back; any info field decodes or is a DecodeError", () => {
    const v = fc.integer({ min: 0, max: 0xffff });
    fc.assert(
      fc.property(fc.record({ maxInfoTx: v, maxInfoRx: v, windowTx: fc.integer({ min: 1, max: 7 }), windowRx: fc.integer({ min: 1, max: 7 }) }), (p) => {
        expect(decodeParameters(encodeParameters(p)).params).toEqual(p);
      }),
      { numRuns: runs },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        try {
          decodeParameters(concatBytes(Uint8Array.of(0x81, 0x80, b.length), b));
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
        }
      }),
      { numRuns: runs },
    );
  });

  it("the stream reader never throws and never holds more than one maximal frame, whatever the bytes", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 700 }), { maxLength: 8 }), fc.boolean(), (chunks, flags) => {
        const reader = new HdlcFrameReader({ frame: () => {} });
        for (const c of chunks) {
          // Bias towards flags and type-3 format bytes so that candidates actually open.
          if (flags) for (let i = 0; i < c.length; i += 5) c[i] = i % 10 === 0 ? 0x7e : 0xa7;
          reader.push(c);
          expect(reader.buffered).toBeLessThanOrEqual(2049);
        }
      }),
      { numRuns: runs },
    );
  });

  it("the stream reader finds every frame, in order, through noise and any chunking", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(frameArb, fc.uint8Array({ maxLength: 12 })), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 64 }),
        (items, chunk) => {
          const wanted = items.map(([f]) => toHex(encodeFrame(f)));
          const stream = concatBytes(...items.flatMap(([f, noise]) => [noise, encodeFrame(f)]));
          const got: string[] = [];
          const reader = new HdlcFrameReader({ frame: (_f, raw) => got.push(toHex(raw)) });
          for (let i = 0; i < stream.length; i += chunk) reader.push(stream.subarray(i, i + chunk));
          // Noise may by chance form a frame of its own, so the frames sent must be a subsequence of those found.
          let k = 0;
          for (const g of got) if (k < wanted.length && g === wanted[k]) k++;
          expect(k).toBe(wanted.length);
        },
      ),
      { numRuns: runs },
    );
  });
});

describe("HDLC server link properties", () => {
  it("any sequence of well-formed client frames gets only UA/DM/FRMR/RR/I answers, and SNRM always restores a working link", () => {
    const meter: HdlcAddress = { logical: 1, physical: 17, size: 2 };
    const client: HdlcAddress = { logical: 16, size: 1 };
    const step = fc.record({ control: fc.oneof(controlArb, fc.record({ kind: fc.constant("unknown" as const), raw: fc.constantFrom(0x09, 0x0d, 0x19, 0x8f, 0xe3) })), info: fc.uint8Array({ maxLength: 40 }), segmented: fc.boolean(), llc: fc.boolean() });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 25 }), (steps) => {
        const clock = new SimClock({ startUtcMs: 0 });
        const handler = new LoopbackHandler();
        const out: HdlcFrame[] = [];
        const link = new HdlcServerLink((b) => out.push(decodeFrame(b)), handler, new SimTimers(clock), { ...DEFAULT_HDLC_SERVER_CONFIG, physicalAddress: 17, limits: { maxInfoTx: 32, maxInfoRx: 32, windowTx: 1, windowRx: 1 }, maxApduSize: 100 });
        for (const s of steps) {
          const info = s.llc && s.control.kind === "I" ? withLlc(s.info, LLC_REQUEST) : s.info;
          link.receive(encodeFrame({ dest: meter, src: client, control: s.control, segmented: s.segmented, info }));
        }
        for (const f of out) expect(["UA", "DM", "FRMR", "RR", "I"]).toContain(f.control.kind);
        out.length = 0;
        link.receive(encodeFrame({ dest: meter, src: client, control: { kind: "SNRM", pf: true }, segmented: false, info: new Uint8Array(0) }));
        expect(out.map((f) => f.control.kind)).toEqual(["UA"]);
        out.length = 0;
        link.receive(encodeFrame({ dest: meter, src: client, control: { kind: "I", ns: 0, nr: 0, pf: true }, segmented: false, info: withLlc(Uint8Array.of(1, 2, 3), LLC_REQUEST) }));
        expect(out.length).toBe(1);
        expect(stripLlc(out[0].info, LLC_RESPONSE)).toEqual(Uint8Array.of(1, 2, 3));
      }),
      { numRuns: runs },
    );
  });
});
