/**
 * The client's end of an HDLC link (primary station, window 1): SNRM with a
 * parameter proposal, I-frames with segmentation both ways (RR to fetch the
 * next segment of a response), DISC. Uses the same frame codec, reader and
 * segment helpers as the meter. One operation at a time; each resolves on
 * the answering frame or rejects on DM, FRMR or the response time-out.
 */
import type { TimerId, Timers } from "../../../hal/timer.js";
import { encodeFrame, type Control, type HdlcAddress, type HdlcFrame, clientAddress, serverAddress } from "../hdlc/frame.js";
import { LLC_REQUEST, LLC_RESPONSE, stripLlc } from "../hdlc/llc.js";
import { DEFAULT_PARAMETERS, decodeParameters, encodeParameters, type HdlcParameters } from "../hdlc/parameters.js";
import { HdlcFrameReader } from "../hdlc/reader.js";
import { nextSeq, prevSeq, Reassembly, Segmenter } from "../hdlc/segments.js";

export interface HdlcClientConfig {
  clientSap: number;
  serverLogical: number;
  /** Lower (physical) address; undefined for a 1-byte server address. */
  serverPhysical?: number;
  serverAddressSize?: 1 | 2 | 4;
  /** Proposal sent with SNRM, from the client's view (transmit = towards the meter). */
  proposal: HdlcParameters;
  responseTimeoutMs: number;
  maxApduSize: number;
  /** RR polls after a response time-out before a request fails (recovers a frame lost either way). */
  retries?: number;
}

export const DEFAULT_HDLC_CLIENT_CONFIG: Readonly<HdlcClientConfig> = {
  clientSap: 16,
  serverLogical: 1,
  serverPhysical: 0x10,
  proposal: DEFAULT_PARAMETERS,
  responseTimeoutMs: 5000,
  maxApduSize: 65535,
};

export class HdlcLinkError extends Error {
  constructor(
    readonly code: "dm" | "frmr" | "timeout" | "busy" | "not-connected" | "no-response" | "protocol",
    message: string,
  ) {
    super(message);
    this.name = "HdlcLinkError";
  }
}

type Pending =
  | { op: "connect"; resolve: (p: HdlcParameters) => void; reject: (e: Error) => void }
  | { op: "request"; resolve: (apdu: Uint8Array) => void; reject: (e: Error) => void }
  | { op: "disconnect"; resolve: () => void; reject: (e: Error) => void };

export class HdlcClient {
  private readonly reader: HdlcFrameReader;
  private readonly me: HdlcAddress;
  private readonly meter: HdlcAddress;
  private readonly tx = new Segmenter();
  private readonly rx: Reassembly;
  private readonly pushRx: Reassembly;
  private pending: Pending | undefined;
  private timer: TimerId | undefined;
  private vs = 0;
  private vr = 0;
  private linked = false;
  /** The last I-frame sent, resent when the meter's N(R) shows it never arrived. */
  private lastI: Uint8Array | undefined;
  private polls = 0;
  /** From the client's view: maxInfoTx = what the meter accepts. */
  private params: HdlcParameters = { ...DEFAULT_PARAMETERS };
  /** Data-notifications (UI frames) from the meter. */
  onPush: ((apdu: Uint8Array) => void) | undefined;
  /** Frames received, for tests that check what the link did. */
  readonly trace: HdlcFrame[] = [];

  constructor(
    private readonly send: (bytes: Uint8Array) => void,
    private readonly timers: Timers,
    private readonly config: HdlcClientConfig = DEFAULT_HDLC_CLIENT_CONFIG,
  ) {
    this.me = clientAddress(config.clientSap);
    this.meter = serverAddress(config.serverLogical, config.serverPhysical, config.serverAddressSize);
    this.rx = new Reassembly(config.maxApduSize + 3);
    this.pushRx = new Reassembly(config.maxApduSize + 3);
    this.reader = new HdlcFrameReader({ frame: (f) => this.onFrame(f) });
  }

  get connected(): boolean {
    return this.linked;
  }

  get parameters(): Readonly<HdlcParameters> {
    return this.params;
  }

  receive(bytes: Uint8Array): void {
    this.reader.push(bytes);
  }

  connect(): Promise<HdlcParameters> {
    return new Promise((resolve, reject) => {
      if (!this.begin({ op: "connect", resolve, reject })) return;
      this.emit({ kind: "SNRM", pf: true }, encodeParameters(this.config.proposal), false);
    });
  }

  /** Sends an APDU (LLC header added) and resolves with the whole response APDU. */
  request(apdu: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      if (!this.linked) return reject(new HdlcLinkError("not-connected", "no HDLC link"));
      if (!this.begin({ op: "request", resolve, reject })) return;
      this.rx.clear();
      this.tx.load(apdu, LLC_REQUEST);
      this.sendSegment();
    });
  }

  disconnect(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.begin({ op: "disconnect", resolve, reject })) return;
      this.emit({ kind: "DISC", pf: true }, new Uint8Array(0), false);
    });
  }

  /** Raw frame out (tests that play a misbehaving client). */
  sendFrame(control: Control, info: Uint8Array = new Uint8Array(0), segmented = false): void {
    this.emit(control, info, segmented);
  }

  private begin(p: Pending): boolean {
    if (this.pending) {
      p.reject(new HdlcLinkError("busy", "another operation is in progress"));
      return false;
    }
    this.pending = p;
    this.polls = 0;
    this.restartTimer();
    return true;
  }

  private finish(): Pending | undefined {
    const p = this.pending;
    this.pending = undefined;
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
    return p;
  }

  private fail(e: Error): void {
    const p = this.finish();
    if (p) p.reject(e);
  }

  private restartTimer(): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = this.timers.once(this.config.responseTimeoutMs, () => {
      this.timer = undefined;
      this.onTimeout();
    });
  }

  /**
   * A request without answer: poll with RR. The meter answers with its last
   * I-frame again (our acknowledgement shows it was lost) or with RR whose
   * N(R) shows our frame was lost (then it is resent).
   */
  private onTimeout(): void {
    const p = this.pending;
    if (p && p.op === "request" && this.polls < (this.config.retries ?? 3)) {
      this.polls++;
      this.restartTimer();
      this.emit({ kind: "RR", nr: this.vr, pf: true }, new Uint8Array(0), false);
      return;
    }
    this.fail(new HdlcLinkError("timeout", "no answer from the meter"));
  }

  private sendSegment(): void {
    const tx = this.tx;
    tx.next(this.params.maxInfoTx);
    const bytes = encodeFrame({ dest: this.meter, src: this.me, control: { kind: "I", ns: this.vs, nr: this.vr, pf: true }, segmented: tx.more, info: tx.body }, tx.head);
    this.vs = nextSeq(this.vs);
    this.lastI = bytes;
    this.send(bytes);
  }

  private emit(control: Control, info: Uint8Array, segmented: boolean): void {
    this.send(encodeFrame({ dest: this.meter, src: this.me, control, segmented, info }));
  }

  private onFrame(f: HdlcFrame): void {
    if (f.dest.logical !== this.me.logical || f.src.logical !== this.meter.logical) return;
    // The reader decodes in place: a kept frame needs its own copy of the info field.
    this.trace.push({ dest: f.dest, src: f.src, control: f.control, segmented: f.segmented, info: f.info.slice() });
    const c = f.control;
    if (c.kind === "UI") {
      // A push longer than one frame comes as UI frames with the segmentation bit on all but the last.
      if (!this.pushRx.add(f.info)) this.pushRx.clear();
      else if (!f.segmented) {
        const apdu = stripLlc(this.pushRx.take(), LLC_RESPONSE);
        if (apdu && this.onPush) this.onPush(apdu);
      }
      return;
    }
    const p = this.pending;
    if (!p) return;
    if (c.kind === "DM") {
      this.linked = false;
      if (p.op === "disconnect") {
        this.finish();
        p.resolve();
      } else this.fail(new HdlcLinkError("dm", "the meter is in disconnected mode"));
      return;
    }
    if (c.kind === "FRMR") return this.fail(new HdlcLinkError("frmr", "the meter rejected a frame"));
    switch (p.op) {
      case "connect":
        if (c.kind !== "UA") return;
        try {
          const server = decodeParameters(f.info).params;
          // UA states the meter's view: what it transmits is what we receive.
          this.params = { maxInfoTx: server.maxInfoRx, maxInfoRx: server.maxInfoTx, windowTx: server.windowRx, windowRx: server.windowTx };
        } catch {
          return this.fail(new HdlcLinkError("protocol", "unreadable UA parameters"));
        }
        this.vs = 0;
        this.vr = 0;
        this.lastI = undefined;
        this.linked = true;
        this.finish();
        p.resolve(this.params);
        return;
      case "disconnect":
        if (c.kind !== "UA") return;
        this.linked = false;
        this.finish();
        p.resolve();
        return;
      case "request":
        return this.onRequestFrame(f, p);
    }
  }

  private onRequestFrame(f: HdlcFrame, p: Extract<Pending, { op: "request" }>): void {
    const c = f.control;
    if (c.kind === "RR") {
      if (c.nr === prevSeq(this.vs) && this.lastI) {
        this.restartTimer();
        this.send(this.lastI);
        return;
      }
      if (this.tx.pending && c.nr === this.vs) {
        this.restartTimer();
        return this.sendSegment();
      }
      return this.fail(new HdlcLinkError("no-response", "the meter acknowledged without answering"));
    }
    if (c.kind !== "I") return;
    if (c.ns !== this.vr) return; // a repeat of a segment we already have: the next RR asks again
    this.vr = nextSeq(this.vr);
    if (!this.rx.add(f.info)) return this.fail(new HdlcLinkError("protocol", "response larger than maxApduSize"));
    if (f.segmented) {
      this.restartTimer();
      this.emit({ kind: "RR", nr: this.vr, pf: true }, new Uint8Array(0), false);
      return;
    }
    const apdu = stripLlc(this.rx.take(), LLC_RESPONSE);
    if (!apdu) return this.fail(new HdlcLinkError("protocol", "response without the LLC header E6 E7 00"));
    this.finish();
    p.resolve(apdu.slice());
  }
}
