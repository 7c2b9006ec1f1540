import { describe, expect, it } from "vitest";
import { decodeFrame, encodeFrame, type HdlcFrame } from "../../src/transport/hdlc/frame.js";
import { HdlcFrameReader } from "../../src/transport/hdlc/reader.js";
import { Reassembly, Segmenter } from "../../src/transport/hdlc/segments.js";
import { LLC_RESPONSE } from "../../src/transport/hdlc/llc.js";
import { withLlc } from "../support/llc.js";
import { toHex } from "../../src/util/bytes.js";
import { SimClock } from "../../hal/sim/clock.js";
import { SimTimers } from "../../hal/sim/timers.js";
import { DEFAULT_HDLC_SERVER_CONFIG, HdlcServerLink } from "../../src/transport/hdlc/server.js";
import { LoopbackHandler } from "./support.js";

/**
 * The copy-free pieces of the HDLC path (issue 13): the segmenter that cuts
 * LLC header ‖ APDU without joining them, encodeFrame writing a head before
 * the info, the reader decoding a whole-frame chunk where it lies, and the
 * reassembly handing a one-frame APDU through uncopied.
 */
const METER = { logical: 1, physical: 17, size: 2 } as const;
const CLIENT = { logical: 16, size: 1 } as const;

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 131 + seed * 17 + 5) & 0xff;
  return out;
}

describe("HDLC path without copies", () => {
  it("the segmenter cuts head ‖ data into the same segments as the joined bytes, for any maximum", () => {
    for (const n of [0, 1, 2, 5, 40, 300]) {
      for (const max of [1, 2, 3, 4, 7, 128, 1000]) {
        const data = bytes(n, max);
        const joined = withLlc(data, LLC_RESPONSE);
        const seg = new Segmenter();
        seg.load(data, LLC_RESPONSE);
        let at = 0;
        while (seg.pending) {
          seg.next(max);
          const got = new Uint8Array([...seg.head, ...seg.body]);
          const end = Math.min(joined.length, at + max);
          expect(toHex(got)).toBe(toHex(joined.subarray(at, end)));
          at = end;
          expect(seg.more).toBe(at < joined.length);
          // The frame encoder writes the same bytes as from the joined segment.
          const f = { dest: CLIENT, src: METER, control: { kind: "I", ns: 0, nr: 0, pf: true }, segmented: seg.more } as const;
          expect(toHex(encodeFrame({ ...f, info: seg.body }, seg.head))).toBe(toHex(encodeFrame({ ...f, info: joined.subarray(at - got.length, at) })));
        }
        expect(at).toBe(joined.length);
      }
    }
  });

  it("a chunk that is one whole frame is decoded where it lies; split or noisy input still finds the same frames", () => {
    const frames = [3, 0, 60].map((n, k) => encodeFrame({ dest: METER, src: CLIENT, control: { kind: "I", ns: k, nr: k, pf: true }, segmented: false, info: bytes(n, k) }));
    const seen: { frame: HdlcFrame; raw: Uint8Array; copy: string }[] = [];
    const reader = new HdlcFrameReader({ frame: (frame, raw) => seen.push({ frame, raw, copy: toHex(frame.info) }) });
    for (const f of frames) reader.push(f);
    expect(seen.map((s) => s.copy)).toEqual(frames.map((f) => toHex(decodeFrame(f).info)));
    // In place: the info views point into the pushed chunks themselves.
    for (let k = 0; k < frames.length; k++) expect(seen[k].raw.buffer).toBe(frames[k].buffer);
    // The general path gives the same frames from split and noisy chunks.
    const seen2: string[] = [];
    const r2 = new HdlcFrameReader({ frame: (frame) => seen2.push(toHex(frame.info)) });
    const stream = new Uint8Array([0x00, 0x7e, ...frames[0], ...frames[1], 0x11, ...frames[2]]);
    for (let i = 0; i < stream.length; i += 5) r2.push(stream.subarray(i, i + 5));
    expect(seen2).toEqual(seen.map((s) => s.copy));
  });

  it("reassembly hands a one-frame APDU through uncopied, copies segments, and keeps its bound", () => {
    const r = new Reassembly(10);
    const one = bytes(8, 1);
    expect(r.complete(one)).toBe(one);
    expect(r.complete(bytes(11, 2))).toBeUndefined();
    const a = bytes(4, 3);
    expect(r.add(a)).toBe(true);
    a[0] ^= 0xff; // the reader reuses its buffer: the kept segment must not change with it
    const b = bytes(5, 4);
    const whole = r.complete(b);
    expect(toHex(whole ?? new Uint8Array())).toBe(toHex(new Uint8Array([...bytes(4, 3), ...b])));
    expect(r.length).toBe(0);
    expect(r.add(bytes(6, 5))).toBe(true);
    expect(r.complete(bytes(5, 6))).toBeUndefined();
    expect(r.length).toBe(0);
  });

  it("a frame begun in the chunk that ended another gets its own whole frame time", () => {
    const clock = new SimClock({ startUtcMs: 0 });
    const timers = new SimTimers(clock);
    const out: HdlcFrame[] = [];
    const link = new HdlcServerLink((b) => out.push(decodeFrame(b)), new LoopbackHandler(), timers, { ...DEFAULT_HDLC_SERVER_CONFIG, physicalAddress: 17, interOctetMs: 0, frameTimeoutMs: 1000 });
    link.receive(encodeFrame({ dest: METER, src: CLIENT, control: { kind: "SNRM", pf: true }, segmented: false, info: new Uint8Array(0) }));
    const i0 = encodeFrame({ dest: METER, src: CLIENT, control: { kind: "I", ns: 0, nr: 0, pf: true }, segmented: false, info: withLlc(bytes(5, 1), new Uint8Array([0xe6, 0xe6, 0])) });
    const i1 = encodeFrame({ dest: METER, src: CLIENT, control: { kind: "I", ns: 1, nr: 1, pf: true }, segmented: false, info: withLlc(bytes(5, 2), new Uint8Array([0xe6, 0xe6, 0])) });
    // I0 dribbles in over 0.8 s; its last byte comes with the first half of I1; I1's rest 0.8 s later
    // (1.6 s after I0 began, 0.8 s after I1 began): both are answered.
    link.receive(i0.subarray(0, 5));
    clock.advance(800);
    out.length = 0;
    link.receive(new Uint8Array([...i0.subarray(5), ...i1.subarray(0, 6)]));
    clock.advance(800);
    link.receive(i1.subarray(6));
    expect(out.map((f) => f.control.kind)).toEqual(["I", "I"]);
    expect(link.partialDropped).toBe(0);
  });
});
