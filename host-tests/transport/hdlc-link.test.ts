import { describe, expect, it } from "vitest";
import { SimClock } from "../../hal/sim/clock.js";
import { SimTimers } from "../../hal/sim/timers.js";
import { decodeFrame, encodeFrame, type Control, type HdlcAddress, type HdlcFrame } from "../../src/transport/hdlc/frame.js";
import { LLC_REQUEST, LLC_RESPONSE, stripLlc } from "../../src/transport/hdlc/llc.js";
import { withLlc } from "../support/llc.js";
import { decodeParameters, encodeParameters } from "../../src/transport/hdlc/parameters.js";
import { DEFAULT_HDLC_SERVER_CONFIG, HdlcServerLink, type HdlcServerConfig } from "../../src/transport/hdlc/server.js";
import { LoopbackHandler, pattern } from "./support.js";

const METER: HdlcAddress = { logical: 1, physical: 17, size: 2 };
const CLIENT: HdlcAddress = { logical: 16, size: 1 };
const EMPTY = new Uint8Array(0);

function setup(overrides: Partial<HdlcServerConfig> = {}) {
  const clock = new SimClock({ startUtcMs: 0 });
  const timers = new SimTimers(clock);
  const handler = new LoopbackHandler();
  const out: HdlcFrame[] = [];
  const raw: Uint8Array[] = [];
  const events: string[] = [];
  const config: HdlcServerConfig = { ...DEFAULT_HDLC_SERVER_CONFIG, physicalAddress: 17, limits: { maxInfoTx: 32, maxInfoRx: 32, windowTx: 1, windowRx: 1 }, inactivityMs: 10_000, maxApduSize: 200, ...overrides };
  const link = new HdlcServerLink(
    (b) => {
      raw.push(b);
      out.push(decodeFrame(b));
    },
    handler,
    timers,
    config,
    { idle: () => events.push("idle"), disconnected: (r) => events.push(`disconnected:${r}`) },
  );
  const send = (control: Control, info: Uint8Array = EMPTY, opts: { segmented?: boolean; dest?: HdlcAddress; src?: HdlcAddress } = {}) => {
    out.length = 0;
    raw.length = 0;
    link.receive(encodeFrame({ dest: opts.dest ?? METER, src: opts.src ?? CLIENT, control, segmented: opts.segmented ?? false, info }));
    return out.slice();
  };
  const I = (ns: number, nr: number, apdu: Uint8Array, segmented = false) => send({ kind: "I", ns, nr, pf: true }, apdu, { segmented });
  const connect = () => send({ kind: "SNRM", pf: true }, encodeParameters({ maxInfoTx: 32, maxInfoRx: 32, windowTx: 1, windowRx: 1 }));
  return { clock, handler, link, out, raw, events, send, I, connect };
}

const kinds = (fs: HdlcFrame[]) => fs.map((f) => f.control.kind);

describe("HDLC server link (NDM/NRM)", () => {
  it("in NDM answers polls with DM and ignores UI; SNRM without parameters gets the defaults reduced to the meter's limits", () => {
    const { send, link, handler } = setup();
    expect(kinds(send({ kind: "I", ns: 0, nr: 0, pf: true }, withLlc(pattern(3), LLC_REQUEST)))).toEqual(["DM"]);
    expect(kinds(send({ kind: "RR", nr: 0, pf: true }))).toEqual(["DM"]);
    expect(kinds(send({ kind: "DISC", pf: true }))).toEqual(["DM"]);
    expect(kinds(send({ kind: "UI", pf: true }, withLlc(pattern(3), LLC_REQUEST)))).toEqual([]);
    expect(handler.requests.length).toBe(0);
    const ua = send({ kind: "SNRM", pf: true });
    expect(kinds(ua)).toEqual(["UA"]);
    expect(decodeParameters(ua[0].info).params).toEqual({ maxInfoTx: 32, maxInfoRx: 32, windowTx: 1, windowRx: 1 });
    expect(link.connected).toBe(true);
  });

  it("negotiates down to the smaller of proposal and limits, windows to 1", () => {
    const { send, link } = setup({ limits: { maxInfoTx: 128, maxInfoRx: 64, windowTx: 7, windowRx: 7 } });
    const ua = send({ kind: "SNRM", pf: true }, encodeParameters({ maxInfoTx: 100, maxInfoRx: 90, windowTx: 7, windowRx: 7 }));
    expect(decodeParameters(ua[0].info).params).toEqual({ maxInfoTx: 90, maxInfoRx: 64, windowTx: 1, windowRx: 1 });
    expect(link.parameters.maxInfoTx).toBe(90);
  });

  it("ignores frames for another physical or logical address; a 1-byte server address is for us", () => {
    const { send } = setup();
    expect(send({ kind: "SNRM", pf: true }, EMPTY, { dest: { logical: 1, physical: 18, size: 2 } })).toEqual([]);
    expect(send({ kind: "SNRM", pf: true }, EMPTY, { dest: { logical: 2, physical: 17, size: 2 } })).toEqual([]);
    expect(send({ kind: "SNRM", pf: true }, EMPTY, { dest: { logical: 1, physical: 17, size: 4 } }).length).toBe(1);
    expect(kinds(send({ kind: "SNRM", pf: true }, EMPTY, { dest: { logical: 1, size: 1 } }))).toEqual(["UA"]);
  });

  it("delivers an APDU without its LLC header and answers with E6 E7 00, N(S)/N(R) advancing", () => {
    const { connect, I, handler } = setup();
    connect();
    const r1 = I(0, 0, withLlc(pattern(5), LLC_REQUEST));
    expect(handler.requests[0].apdu).toEqual(pattern(5));
    expect(r1[0].control).toEqual({ kind: "I", ns: 0, nr: 1, pf: true });
    expect(stripLlc(r1[0].info, LLC_RESPONSE)).toEqual(pattern(5));
    const r2 = I(1, 1, withLlc(pattern(6), LLC_REQUEST));
    expect(r2[0].control).toEqual({ kind: "I", ns: 1, nr: 2, pf: true });
  });

  it("an out-of-sequence N(S) is discarded and answered with RR carrying V(R)", () => {
    const { connect, I, handler } = setup();
    connect();
    const r = I(3, 0, withLlc(pattern(5), LLC_REQUEST));
    expect(r.map((f) => f.control)).toEqual([{ kind: "RR", nr: 0, pf: true }]);
    expect(handler.requests.length).toBe(0);
  });

  it("a repeated request whose N(R) shows the answer was lost gets the same answer again, handled once", () => {
    const { connect, I, handler, raw } = setup();
    connect();
    I(0, 0, withLlc(pattern(5), LLC_REQUEST));
    const first = raw[0];
    I(0, 0, withLlc(pattern(5), LLC_REQUEST));
    expect(raw[0]).toEqual(first);
    expect(handler.requests.length).toBe(1);
  });

  it("an N(R) that acknowledges nothing sent gets FRMR (Z); the frame-reject condition lasts until SNRM", () => {
    const { connect, I, link } = setup();
    connect();
    const r = I(0, 5, withLlc(pattern(5), LLC_REQUEST));
    expect(kinds(r)).toEqual(["FRMR"]);
    // Rejected control, then V(S)=0 V(R)=0, then the Z bit.
    expect(Array.from(r[0].info)).toEqual([0xb0, 0x00, 0x08]);
    expect(link.counters.frmr).toBe(1);
    expect(kinds(I(0, 0, withLlc(pattern(5), LLC_REQUEST)))).toEqual(["FRMR"]);
    expect(kinds(connect())).toEqual(["UA"]);
    expect(kinds(I(0, 0, withLlc(pattern(5), LLC_REQUEST)))).toEqual(["I"]);
  });

  it("FRMR for an unknown control (W), info on RR (X), info longer than negotiated (Y)", () => {
    const a = setup();
    a.connect();
    const w = a.send({ kind: "unknown", raw: 0x19 }); // REJ: not used by DLMS
    expect(kinds(w)).toEqual(["FRMR"]);
    expect(w[0].info[2]).toBe(0x01);
    const b = setup();
    b.connect();
    const x = b.send({ kind: "RR", nr: 0, pf: true }, pattern(2));
    expect(x[0].info[2]).toBe(0x02);
    const c = setup();
    c.connect();
    const y = c.I(0, 0, withLlc(pattern(40), LLC_REQUEST));
    expect(y[0].info[2]).toBe(0x04);
  });

  it("reassembles a segmented request (RR after each segment) and refuses one beyond maxApduSize", () => {
    const { connect, I, handler } = setup();
    connect();
    const body = withLlc(pattern(70), LLC_REQUEST);
    expect(I(0, 0, body.subarray(0, 32), true).map((f) => f.control)).toEqual([{ kind: "RR", nr: 1, pf: true }]);
    expect(I(1, 0, body.subarray(32, 64), true).map((f) => f.control)).toEqual([{ kind: "RR", nr: 2, pf: true }]);
    const last = I(2, 0, body.subarray(64));
    expect(handler.requests[0].apdu).toEqual(pattern(70));
    expect(last[0].control.kind).toBe("I");
    const big = setup({ maxApduSize: 60 });
    big.connect();
    big.I(0, 0, body.subarray(0, 32), true);
    const r = big.I(1, 0, body.subarray(32, 64), true);
    expect(kinds(r)).toEqual(["FRMR"]);
  });

  it("sends a long answer in segments on RR, resends a segment on RR with the old N(R), holds on RNR", () => {
    const { connect, I, send, handler } = setup();
    connect();
    handler.answer = () => pattern(100, 5);
    const s1 = I(0, 0, withLlc(pattern(2), LLC_REQUEST));
    expect(s1[0].segmented).toBe(true);
    expect(s1[0].control).toEqual({ kind: "I", ns: 0, nr: 1, pf: true });
    const again = send({ kind: "RR", nr: 0, pf: true });
    expect(again[0].info).toEqual(s1[0].info);
    const s2 = send({ kind: "RR", nr: 1, pf: true });
    expect(s2[0].control).toEqual({ kind: "I", ns: 1, nr: 1, pf: true });
    const busy = send({ kind: "RNR", nr: 2, pf: true });
    expect(busy.map((f) => f.control)).toEqual([{ kind: "RR", nr: 1, pf: true }]);
    const parts = [s1[0].info, s2[0].info];
    let nr = 2;
    for (;;) {
      const s = send({ kind: "RR", nr, pf: true });
      expect(s[0].control.kind).toBe("I");
      parts.push(s[0].info);
      nr = (nr + 1) & 7;
      if (!s[0].segmented) break;
    }
    const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      joined.set(p, o);
      o += p.length;
    }
    expect(stripLlc(joined, LLC_RESPONSE)).toEqual(pattern(100, 5));
    expect(parts.length).toBe(4); // 103 bytes in 32-byte pieces
  });

  it("an APDU without the LLC header or without an answer gets RR", () => {
    const { connect, I, handler } = setup();
    connect();
    expect(kinds(I(0, 0, pattern(5)))).toEqual(["RR"]);
    expect(handler.requests.length).toBe(0);
    handler.answer = () => undefined;
    expect(I(1, 0, withLlc(pattern(5), LLC_REQUEST)).map((f) => f.control)).toEqual([{ kind: "RR", nr: 2, pf: true }]);
    expect(handler.requests.length).toBe(1);
  });

  it("another client gets DM while the link is up; DISC gets UA and releases the session; a second SNRM resets", () => {
    const { connect, I, send, handler, events, link } = setup();
    connect();
    I(0, 0, withLlc(pattern(5), LLC_REQUEST));
    expect(kinds(send({ kind: "SNRM", pf: true }, EMPTY, { src: { logical: 1, size: 1 } }))).toEqual(["DM"]);
    expect(kinds(connect())).toEqual(["UA"]);
    expect(handler.closed.length).toBe(1);
    expect(events).toEqual(["disconnected:snrm"]);
    expect(kinds(send({ kind: "DISC", pf: true }))).toEqual(["UA"]);
    expect(link.connected).toBe(false);
    expect(handler.closed.length).toBe(2);
    expect(kinds(I(0, 0, withLlc(pattern(5), LLC_REQUEST)))).toEqual(["DM"]);
  });

  it("the inactivity time-out releases the session and reports idle", () => {
    const { connect, clock, handler, events, link, I } = setup();
    connect();
    I(0, 0, withLlc(pattern(5), LLC_REQUEST));
    clock.advance(9_999);
    expect(link.connected).toBe(true);
    clock.advance(2);
    expect(link.connected).toBe(false);
    expect(handler.closed.length).toBe(1);
    expect(events).toEqual(["disconnected:timeout", "idle"]);
  });

  it("a push leaves as UI frames with the LLC response header, segmented at the negotiated length", () => {
    const { connect, I, handler, out } = setup();
    connect();
    I(0, 0, withLlc(pattern(5), LLC_REQUEST));
    out.length = 0;
    handler.requests[0].session.push(pattern(40, 2));
    expect(kinds(out)).toEqual(["UI", "UI"]);
    expect(out[0].segmented).toBe(true);
    expect(out[0].dest).toEqual(CLIENT);
    const joined = new Uint8Array(out[0].info.length + out[1].info.length);
    joined.set(out[0].info);
    joined.set(out[1].info, out[0].info.length);
    expect(stripLlc(joined, LLC_RESPONSE)).toEqual(pattern(40, 2));
  });

  it("a frame interrupted for longer than the inter-octet time-out is dropped; one split within it is taken", () => {
    const { clock, link, out } = setup({ interOctetMs: 25 });
    const snrm = encodeFrame({ dest: METER, src: CLIENT, control: { kind: "SNRM", pf: true }, segmented: false, info: EMPTY });
    link.receive(snrm.subarray(0, 4));
    clock.advance(30);
    link.receive(snrm.subarray(4));
    expect(out.length).toBe(0);
    link.receive(snrm.subarray(0, 4));
    clock.advance(20);
    link.receive(snrm.subarray(4));
    expect(kinds(out)).toEqual(["UA"]);
  });
});
