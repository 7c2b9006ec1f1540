/**
 * Fuzz runs over mutated frames: 100,000 per parser on Node (fewer on XS,
 * an interpreter). The HDLC frames are the dlms-cosem vectors and frames of
 * a real session, mutated (bit flips, byte changes, insertions, deletions,
 * truncation) and, half of the time, given valid HCS/FCS again so that the
 * mutation reaches the link state machine instead of dying at the CRC.
 * Properties: no exception but DecodeError escapes a decoder, the server
 * link never throws, only ever answers with a well-formed frame of a kind a
 * secondary station may send, and reassembly stays bounded.
 */
import { describe, expect, it } from "vitest";
import { SimClock } from "../../hal/sim/clock.js";
import { SimTimers } from "../../hal/sim/timers.js";
import { decodeFrame, encodeFrame } from "../../src/transport/hdlc/frame.js";
import { LLC_REQUEST } from "../../src/transport/hdlc/llc.js";
import { withLlc } from "../support/llc.js";
import { encodeParameters } from "../../src/transport/hdlc/parameters.js";
import { DEFAULT_HDLC_SERVER_CONFIG, HdlcServerLink } from "../../src/transport/hdlc/server.js";
import { decodeWrapper, encodeWrapper, WrapperReader } from "../../src/transport/wrapper/wrapper.js";
import { putCrc16x25 } from "../support/crc.js";
import { DecodeError } from "../../src/util/errors.js";
import { report, runtime } from "../support/report.js";
import { dlmsVector } from "../support/vectors.js";
import { LoopbackHandler, pattern } from "./support.js";
import { Rng, mutate } from "../support/mutate.js";

const N = runtime === "xs" ? 4_000 : 100_000;


/** Makes the length field, HCS and FCS right again (when the shape allows), so the frame passes the CRC. */
function refit(b: Uint8Array): Uint8Array {
  if (b.length < 9) return b;
  b[0] = 0x7e;
  b[b.length - 1] = 0x7e;
  const len = b.length - 2;
  if (len > 0x7ff) return b;
  b[1] = 0xa0 | (b[1] & 0x08) | (len >> 8);
  b[2] = len & 0xff;
  let p = 3;
  for (let k = 0; k < 2; k++) {
    let n = 0;
    while (n < 4 && p + n < b.length && (b[p + n] & 1) === 0) n++;
    p += n + 1;
  }
  const ctrlEnd = p + 1;
  if (ctrlEnd + 2 < b.length - 3) putCrc16x25(b, 1, ctrlEnd);
  if (b.length - 3 > 1) putCrc16x25(b, 1, b.length - 3);
  return b;
}

const METER = { logical: 1, physical: 17, size: 2 } as const;
const CLIENT = { logical: 16, size: 1 } as const;

function seeds(): Uint8Array[] {
  const v = (l: number) => dlmsVector("test_hdlc/test_hdlc.py", l);
  const out = [v(89), v(105), v(137), v(168), v(216)];
  const mk = (control: Parameters<typeof encodeFrame>[0]["control"], info: Uint8Array = new Uint8Array(0), segmented = false) =>
    encodeFrame({ dest: METER, src: CLIENT, control, segmented, info });
  out.push(mk({ kind: "SNRM", pf: true }, encodeParameters({ maxInfoTx: 32, maxInfoRx: 32, windowTx: 1, windowRx: 1 })));
  for (let i = 0; i < 8; i++) out.push(mk({ kind: "I", ns: i, nr: (i + 3) & 7, pf: true }, withLlc(pattern(20 + i), LLC_REQUEST), i % 2 === 1));
  out.push(mk({ kind: "RR", nr: 1, pf: true }), mk({ kind: "RNR", nr: 0, pf: true }), mk({ kind: "DISC", pf: true }), mk({ kind: "UI", pf: true }, pattern(9)));
  return out;
}

describe("fuzz: mutated HDLC frames", () => {
  it(`${N} mutated frames: the decoder is total and the server link answers only well-formed frames`, () => {
    const rng = new Rng();
    const base = seeds();
    const clock = new SimClock({ startUtcMs: 0 });
    const timers = new SimTimers(clock);
    const handler = new LoopbackHandler();
    handler.answer = (a) => (a.length > 10 ? pattern(a.length * 3) : a.slice());
    const kindsOut = new Map<string, number>();
    let bad = 0;
    const link = new HdlcServerLink(
      (b) => {
        try {
          const f = decodeFrame(b);
          kindsOut.set(f.control.kind, (kindsOut.get(f.control.kind) ?? 0) + 1);
          if (!["UA", "DM", "FRMR", "RR", "I", "UI"].includes(f.control.kind)) bad++;
          // Always from the meter's address to a (one-byte) client address.
          if (f.dest.size !== 1 || f.src.logical !== METER.logical) bad++;
        } catch {
          bad++;
        }
      },
      handler,
      timers,
      { ...DEFAULT_HDLC_SERVER_CONFIG, physicalAddress: 17, limits: { maxInfoTx: 32, maxInfoRx: 64, windowTx: 1, windowRx: 1 }, maxApduSize: 256 },
    );
    // A whole request (N(S)=0, N(R)=0) whose answer needs several segments.
    const valid = encodeFrame({ dest: METER, src: CLIENT, control: { kind: "I", ns: 0, nr: 0, pf: true }, segmented: false, info: withLlc(pattern(20), LLC_REQUEST) });
    let frames = 0;
    let errors = 0;
    const codes = new Set<string>();
    for (let i = 0; i < N; i++) {
      let m = mutate(rng, base[rng.below(base.length)]);
      if (rng.below(2) === 0) m = refit(m);
      try {
        decodeFrame(m);
        frames++;
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        errors++;
        codes.add(e.code);
      }
      link.receive(m);
      // Reconnect now and then and open a segmented answer, so that mutations also meet a link in NRM
      // with I-frames outstanding (base[6] is I(0,3) and is refused for its N(R); base[8] is I(2,5)).
      if (i % 50 === 0) {
        link.receive(base[5]);
        link.receive(valid);
      }
    }
    report(`hdlc fuzz (${runtime}): ${N} mutated frames, ${frames} decoded, ${errors} DecodeErrors [${[...codes].sort().join(",")}], link answers ${[...kindsOut].map(([k, n]) => `${k}:${n}`).join(" ")}, ${link.counters.discarded} discarded`);
    expect(bad).toBe(0);
    expect(frames).toBeGreaterThan(N / 10);
    expect(errors).toBeGreaterThan(N / 10);
    expect(kindsOut.get("FRMR") ?? 0).toBeGreaterThan(0);
    expect(kindsOut.get("UA") ?? 0).toBeGreaterThan(0);
    expect(kindsOut.get("I") ?? 0).toBeGreaterThan(0);
  });
});

describe("fuzz: mutated wrapper messages", () => {
  it(`${N} mutated messages: decodeWrapper is total, the stream reader never throws and never allocates past its limit`, () => {
    const rng = new Rng(0x1234567);
    const base = [6, 7, 8, 9, 10].map((l) => dlmsVector("test_udp_message.py", l));
    base.push(encodeWrapper(16, 1, pattern(30)), encodeWrapper(1, 1, new Uint8Array(0)));
    let ok = 0;
    let errors = 0;
    let readerErrors = 0;
    let messages = 0;
    const limit = 100;
    let reader = new WrapperReader(limit, () => messages++, () => readerErrors++);
    for (let i = 0; i < N; i++) {
      const m = mutate(rng, base[rng.below(base.length)]);
      try {
        const d = decodeWrapper(m);
        expect(d.apdu.length).toBe(d.header.length);
        ok++;
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        errors++;
      }
      reader.push(m);
      // A failed stream is closed by its owner: start a new one.
      if (i % 20 === 0) reader = new WrapperReader(limit, () => messages++, () => readerErrors++);
    }
    report(`wrapper fuzz (${runtime}): ${N} mutated messages, ${ok} decoded, ${errors} DecodeErrors, stream: ${messages} messages, ${readerErrors} stream errors`);
    expect(ok).toBeGreaterThan(0);
    expect(errors).toBeGreaterThan(0);
    expect(readerErrors).toBeGreaterThan(0);
  });
});
