/**
 * Benchmark operations for the link layers (proved by
 * host-tests/transport/bench-ops.test.ts). Each op is one request/answer
 * through the real code: client frame encode, the meter's reader and link
 * (or wrapper connection), the ApduHandler, the answer's frame, the client's
 * decode. The handler answers with fixed bytes so that only transport cost is
 * measured; the xDLMS GET itself is measured by the xDLMS area's ops.
 * Payloads: the GET request and response of dlms-cosem
 * tests/test_xdlms/test_get.py:87 and :114 (shared/vectors/dlms).
 */
import type { BenchOp } from "../op.js";
import type { TimerId, Timers } from "../../hal/timer.js";
import type { ApduHandler, ApduSession } from "../../src/transport/apdu-port.js";
import { decodeFrame, encodeFrame } from "../../src/transport/hdlc/frame.js";
import { LLC_REQUEST, LLC_RESPONSE, stripLlc } from "../../src/transport/hdlc/llc.js";
import { encodeParameters } from "../../src/transport/hdlc/parameters.js";
import { DEFAULT_HDLC_SERVER_CONFIG, HdlcServerLink } from "../../src/transport/hdlc/server.js";
import { decodeWrapper, encodeWrapper, WrapperReader } from "../../src/transport/wrapper/wrapper.js";
import { fromHex } from "../../src/util/bytes.js";
import { encodeApdu } from "../../src/cosem/client/codec.js";
import { buildMeter, LN } from "../rigs/xdlms-meter.js";

const GET_REQUEST = fromHex("c001c1000100002b0100ff0200");
const GET_RESPONSE = fromHex("c401c1000600001391");

/** Timers that never fire: a bench op measures one exchange, not time-outs. */
class IdleTimers implements Timers {
  private n = 0;
  once(_ms: number, _cb: () => void): TimerId {
    return ++this.n;
  }
  repeat(_ms: number, _cb: () => void): TimerId {
    return ++this.n;
  }
  clear(_id: TimerId): void {}
}

const fixedAnswer: ApduHandler = {
  handle: (_apdu: Uint8Array, _s: ApduSession) => GET_RESPONSE,
  sessionClosed: () => {},
};

const METER = { logical: 1, physical: 17, size: 2 } as const;
const CLIENT = { logical: 16, size: 1 } as const;

export interface HdlcBenchState {
  link: HdlcServerLink;
  out: Uint8Array[];
  seq: number;
  answer: Uint8Array | undefined;
}

/** One HDLC-framed GET exchange over an established link (window 1: sequence numbers advance each time). */
export const hdlcGetExchange: BenchOp<HdlcBenchState> = {
  name: "transport.hdlc.get-exchange",
  notes: "HDLC I-frame GET request in, meter link, fixed GET response I-frame out and decoded (transport only)",
  setup: () => {
    const out: Uint8Array[] = [];
    const link = new HdlcServerLink((b) => out.push(b), fixedAnswer, new IdleTimers(), { ...DEFAULT_HDLC_SERVER_CONFIG, physicalAddress: 17 });
    link.receive(encodeFrame({ dest: METER, src: CLIENT, control: { kind: "SNRM", pf: true }, segmented: false, info: encodeParameters({ maxInfoTx: 128, maxInfoRx: 128, windowTx: 1, windowRx: 1 }) }));
    out.length = 0;
    return { link, out, seq: 0, answer: undefined };
  },
  run: (s) => {
    const n = s.seq & 7;
    s.seq++;
    s.out.length = 0;
    s.link.receive(encodeFrame({ dest: METER, src: CLIENT, control: { kind: "I", ns: n, nr: n, pf: true }, segmented: false, info: GET_REQUEST }, LLC_REQUEST));
    s.answer = stripLlc(decodeFrame(s.out[0]).info, LLC_RESPONSE);
  },
  bytes: (s) => s.out[0]?.length ?? 0,
};

export interface WrapperBenchState {
  reader: WrapperReader;
  answer: Uint8Array | undefined;
}

/** One wrapper-framed GET exchange: encode, stream reader, fixed answer encode and decode. */
export const wrapperGetExchange: BenchOp<WrapperBenchState> = {
  name: "transport.wrapper.get-exchange",
  notes: "wrapper GET request through the stream reader, fixed GET response wrapped and decoded (transport only)",
  setup: () => {
    const s: WrapperBenchState = { answer: undefined, reader: undefined as unknown as WrapperReader };
    s.reader = new WrapperReader(
      2048,
      (m) => {
        s.answer = decodeWrapper(encodeWrapper(m.header.destination, m.header.source, fixedAnswer.handle(m.apdu, undefined as unknown as ApduSession) as Uint8Array)).apdu;
      },
      () => {},
    );
    return s;
  },
  run: (s) => {
    s.reader.push(encodeWrapper(16, 1, GET_REQUEST));
  },
  bytes: () => 8 + GET_RESPONSE.length,
};

export interface MeterGetState {
  link: HdlcServerLink;
  out: Uint8Array[];
  seq: number;
  request: Uint8Array;
  answer: Uint8Array | undefined;
}

/**
 * The issue's "one HDLC-framed GET of a register in a plain association":
 * the public client (SAP 16) associated with the AARQ of dlms-cosem
 * tests/test_hdlc/test_hdlc.py:140, then each run is one GET of the energy
 * register (class 1, attribute 2) of the xDLMS tests' meter, through the
 * meter's HDLC link and CosemServer, and the answer frame decoded.
 */
export const hdlcGetRegisterPlain: BenchOp<MeterGetState> = {
  name: "hdlc.get.register.plain",
  notes: "HDLC-framed GET of a register (class 1 attr 2) in the public association: frame in, xDLMS server, frame out, decoded",
  setup: () => {
    const m = buildMeter();
    const out: Uint8Array[] = [];
    const link = new HdlcServerLink((b) => out.push(b), m.server, new IdleTimers(), { ...DEFAULT_HDLC_SERVER_CONFIG, physicalAddress: 17 });
    link.receive(encodeFrame({ dest: METER, src: CLIENT, control: { kind: "SNRM", pf: true }, segmented: false, info: new Uint8Array(0) }));
    link.receive(encodeFrame({ dest: METER, src: CLIENT, control: { kind: "I", ns: 0, nr: 0, pf: true }, segmented: false, info: PUBLIC_AARQ_WITH_LLC }));
    const request = encodeApdu({ type: "get-request-normal", invokeId: 0xc1, descriptor: { classId: 1, instance: LN.energy, attribute: 2 } });
    const s: MeterGetState = { link, out, seq: 1, request, answer: undefined };
    s.answer = stripLlc(decodeFrame(out[out.length - 1]).info, LLC_RESPONSE);
    return s;
  },
  run: (s) => {
    const n = s.seq & 7;
    s.seq++;
    s.out.length = 0;
    s.link.receive(encodeFrame({ dest: METER, src: CLIENT, control: { kind: "I", ns: n, nr: n, pf: true }, segmented: false, info: s.request }, LLC_REQUEST));
    s.answer = stripLlc(decodeFrame(s.out[0]).info, LLC_RESPONSE);
  },
  bytes: (s) => s.out[0]?.length ?? 0,
};

/** dlms-cosem tests/test_hdlc/test_hdlc.py:140: LLC header and an AARQ of the public client (LN, no security, PDU 0xFFFF). */
const PUBLIC_AARQ_WITH_LLC = fromHex("e6e600601da109060760857405080101be10040e01000000065f1f0400001e1dffff");

export const transportBenchOps = [hdlcGetExchange, wrapperGetExchange, hdlcGetRegisterPlain];
export { GET_RESPONSE as BENCH_GET_RESPONSE };
