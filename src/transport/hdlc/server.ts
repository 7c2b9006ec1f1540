/**
 * The meter's end of an HDLC link (IEC 62056-46, secondary station, window 1
 * in both directions): NDM until SNRM, NRM until DISC or the inactivity
 * time-out. Driven by received bytes (receive) and one timer; it writes
 * frames through `send` and hands whole APDUs (LLC header removed) to the
 * ApduHandler with one ApduSession per link.
 *
 * Decisions where the standard leaves room, kept in one place:
 * - one primary at a time: while connected, frames from another client
 *   address are answered with DM (they are not connected) when they poll;
 * - out-of-sequence I-frame: info discarded, RR with our V(R) (DLMS uses no REJ);
 *   a repeated I-frame whose N(R) shows our answer was lost gets that answer again;
 * - N(R) that acknowledges nothing we sent, an unknown control field, info where none
 *   is allowed, or info longer than negotiated: FRMR (W/X/Y/Z bits of ISO/IEC 13239), then
 *   the frame-reject condition answers FRMR to everything but SNRM and DISC;
 * - a push (data-notification) leaves as UI frames (no poll is needed for UI).
 */
import type { TimerId, Timers } from "../../../hal/timer.js";
import { LinkSession, type ApduHandler, type SessionLink } from "../apdu-port.js";
import { DecodeError } from "../../util/errors.js";
import { encodeControl, encodeFrame, type Control, type HdlcAddress, type HdlcFrame } from "./frame.js";
import { LLC_REQUEST, LLC_RESPONSE, stripLlc } from "./llc.js";
import { decodeParameters, encodeParameters, negotiate, DEFAULT_PARAMETERS, type HdlcParameters } from "./parameters.js";
import { HdlcFrameReader } from "./reader.js";
import { nextSeq, prevSeq, Reassembly, Segmenter } from "./segments.js";
import { frozen } from "../../util/frozen.js";

export interface HdlcServerConfig {
  /** Upper HDLC addresses (logical devices) this meter answers, e.g. [1] for the management logical device. */
  logicalDevices: readonly number[];
  /** Lower HDLC address (physical device); frames with another one are ignored. */
  physicalAddress: number;
  /** What the meter can do; SNRM proposals are reduced to these. Windows above 1 are reduced to 1. */
  limits: HdlcParameters;
  /** Link closed after this long without a frame for us (class 23 inactivity_time_out); 0 = never. */
  inactivityMs: number;
  /** Largest APDU reassembled from segments (received and answered). */
  maxApduSize: number;
  /** A partial frame is dropped when no byte follows within this time (class 23 inter_octet_time_out); 0 = never. */
  interOctetMs: number;
  /**
   * A frame begun must be complete within this time of its first byte, however the bytes
   * dribble in, or it is dropped; 0 = never. Default DEFAULT_HDLC_FRAME_TIMEOUT_MS.
   */
  frameTimeoutMs?: number;
}

/** 5 s: a frame with a 128-byte information field at 300 baud, or the largest (2047 bytes) at 9600 baud, with room to spare. */
export const DEFAULT_HDLC_FRAME_TIMEOUT_MS = 5000;

export const DEFAULT_HDLC_SERVER_CONFIG: Readonly<HdlcServerConfig> = frozen({
  logicalDevices: [1],
  physicalAddress: 0x10,
  limits: { maxInfoTx: 128, maxInfoRx: 128, windowTx: 1, windowRx: 1 },
  inactivityMs: 120_000,
  maxApduSize: 2048,
  interOctetMs: 25,
});

export type LinkEndReason = "disc" | "timeout" | "snrm" | "closed";

export interface HdlcServerEvents {
  /** The inactivity timer ran out (connected or not): the optical port returns to sign-on. */
  idle?(): void;
  /** A connected link ended. */
  disconnected?(reason: LinkEndReason): void;
}

export interface HdlcLinkCounters {
  framesIn: number;
  framesOut: number;
  discarded: number;
  frmr: number;
}

const FRMR_W = 0x01; // invalid or unimplemented control field
const FRMR_X = 0x02; // information field not permitted
const FRMR_Y = 0x04; // information field too long
const FRMR_Z = 0x08; // invalid N(R)

export class HdlcServerLink implements SessionLink {
  private declare readonly reader: HdlcFrameReader;
  private declare readonly rx: Reassembly;
  private declare readonly tx: Segmenter;
  private declare timer: TimerId | undefined;
  private declare octetTimer: TimerId | undefined;
  private declare frameTimer: TimerId | undefined;
  private declare peer: { client: HdlcAddress; server: HdlcAddress } | undefined;
  private declare session: LinkSession | undefined;
  private declare params: HdlcParameters;
  private declare vs: number;
  private declare vr: number;
  /** The last I-frame sent and not yet acknowledged (window 1): resent when the client's N(R) says it was lost. */
  private declare unacked: Uint8Array | undefined;
  /** Set in the frame-reject condition: the FRMR information field to repeat. */
  private declare frmrInfo: Uint8Array | undefined;
  declare readonly counters: HdlcLinkCounters;

  private declare readonly send: (bytes: Uint8Array) => void;
  private declare readonly handler: ApduHandler;
  private declare readonly timers: Timers;
  private declare config: HdlcServerConfig;
  private declare readonly events: HdlcServerEvents;

  constructor(
    send: (bytes: Uint8Array) => void,
    handler: ApduHandler,
    timers: Timers,
    config: HdlcServerConfig = DEFAULT_HDLC_SERVER_CONFIG,
    events: HdlcServerEvents = {},
  ) {
    this.tx = new Segmenter();
    this.params = { ...DEFAULT_PARAMETERS };
    this.vs = 0;
    this.vr = 0;
    this.counters = { framesIn: 0, framesOut: 0, discarded: 0, frmr: 0 };
    this.partialDropped = 0;
    this.onIdle = (): void => this.onTimeout();
    this.send = send;
    this.handler = handler;
    this.timers = timers;
    this.config = config;
    this.events = events;
    this.rx = new Reassembly(config.maxApduSize + 3);
    this.reader = new HdlcFrameReader({
      frame: this.onFrame.bind(this),
      discarded: () => {
        this.counters.discarded++;
      },
    });
    this.restartTimer();
  }

  get connected(): boolean {
    return this.peer !== undefined;
  }

  /** Negotiated parameters from the meter's side (transmit = towards the client). */
  get parameters(): Readonly<HdlcParameters> {
    return this.params;
  }

  get currentConfig(): Readonly<HdlcServerConfig> {
    return this.config;
  }

  /** New limits/time-out (class 23 writes); they apply from the next SNRM, the time-out at once. */
  configure(config: HdlcServerConfig): void {
    this.config = config;
    this.restartTimer();
  }

  receive(bytes: Uint8Array): void {
    this.reader.push(bytes);
    // More than a kept flag pending: a frame has begun, and must go on within the inter-octet time.
    if (this.octetTimer !== undefined) this.timers.clear(this.octetTimer);
    this.octetTimer = undefined;
    const begun = this.reader.buffered > 1;
    if (begun && this.config.interOctetMs > 0) {
      this.octetTimer = this.timers.once(this.config.interOctetMs, () => {
        this.octetTimer = undefined;
        this.dropPartial();
      });
    }
    // ... and end within the frame time, which later bytes do not restart.
    if (!begun) {
      if (this.frameTimer !== undefined) this.stopFrameTimer();
      return;
    }
    const frameMs = this.config.frameTimeoutMs ?? DEFAULT_HDLC_FRAME_TIMEOUT_MS;
    if (this.frameTimer === undefined && frameMs > 0) {
      this.frameTimer = this.timers.once(frameMs, () => {
        this.frameTimer = undefined;
        this.dropPartial();
      });
    }
  }

  /** Frames that timed out partway (inter-octet or frame time). */
  declare partialDropped: number;

  private dropPartial(): void {
    if (this.reader.buffered > 1) this.partialDropped++;
    this.reader.reset();
    if (this.octetTimer !== undefined) this.timers.clear(this.octetTimer);
    this.octetTimer = undefined;
    this.stopFrameTimer();
  }

  private stopFrameTimer(): void {
    if (this.frameTimer !== undefined) this.timers.clear(this.frameTimer);
    this.frameTimer = undefined;
  }

  /** Ends the link without a frame (port closing, baud reset); the session is released. */
  close(reason: LinkEndReason = "closed"): void {
    this.endLink(reason);
    this.reader.reset();
    this.stopTimer();
  }

  /** Restarts the inactivity timer (a new port phase, e.g. after the baud switch). */
  start(): void {
    this.reader.reset();
    this.restartTimer();
  }

  /** A pushed APDU (data-notification) in UI frames to the session's client. */
  sendTo(session: LinkSession, apdu: Uint8Array): void {
    if (session !== this.session || !this.peer) return;
    const seg = new Segmenter();
    seg.load(apdu, LLC_RESPONSE);
    while (seg.pending) {
      seg.next(this.params.maxInfoTx);
      const peer = this.peer;
      this.counters.framesOut++;
      this.send(encodeFrame({ dest: peer.client, src: peer.server, control: UI_POLL, segmented: seg.more, info: seg.body }, seg.head));
    }
  }

  private addressedToUs(a: HdlcAddress): boolean {
    if (!this.config.logicalDevices.includes(a.logical)) return false;
    return a.size === 1 || a.physical === this.config.physicalAddress;
  }

  private onFrame(f: HdlcFrame): void {
    if (!this.addressedToUs(f.dest) || f.src.size !== 1) return;
    this.counters.framesIn++;
    // The inactivity timer restarts; the frame timer ends with the frame (receive() arms it again for a
    // frame begun in the same chunk, and settles the inter-octet timer after each chunk).
    if (this.frameTimer !== undefined) this.stopFrameTimer();
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = this.config.inactivityMs > 0 ? this.timers.once(this.config.inactivityMs, this.onIdle) : undefined;
    const c = f.control;
    const fromPeer = this.peer !== undefined && this.peer.client.logical === f.src.logical && this.peer.server.logical === f.dest.logical;
    if (this.peer && !fromPeer) {
      if (polls(c)) this.reply(f, { kind: "DM", pf: true });
      return;
    }
    if (c.kind === "SNRM") return this.onSnrm(f);
    if (c.kind === "DISC") {
      if (f.info.length > 0 && this.peer) return this.reject(f, FRMR_X);
      if (!this.peer) return this.reply(f, { kind: "DM", pf: true });
      this.reply(f, { kind: "UA", pf: true });
      this.endLink("disc");
      return;
    }
    if (!this.peer) {
      // NDM: only SNRM and DISC mean anything; a poll gets DM so the client knows.
      if (polls(c)) this.reply(f, { kind: "DM", pf: true });
      return;
    }
    if (this.frmrInfo) {
      this.emitFrmr(f, this.frmrInfo);
      return;
    }
    switch (c.kind) {
      case "I":
        return this.onI(f, c.ns, c.nr);
      case "RR":
      case "RNR":
        if (f.info.length > 0) return this.reject(f, FRMR_X);
        return this.onRr(f, c.nr, c.kind === "RNR");
      case "UI":
      case "UA":
      case "DM":
      case "FRMR":
        // Responses (or connectionless data) a secondary station has no use for.
        return;
      default:
        return this.reject(f, FRMR_W);
    }
  }

  private onSnrm(f: HdlcFrame): void {
    let proposed: HdlcParameters;
    try {
      proposed = decodeParameters(f.info).params;
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      // An unreadable proposal cannot be accepted; in NDM that is DM, in NRM the frame-reject.
      if (this.peer) return this.reject(f, FRMR_X);
      return this.reply(f, { kind: "DM", pf: true });
    }
    if (this.peer) this.endLink("snrm");
    const limits = { ...this.config.limits, windowTx: 1, windowRx: 1 };
    this.params = negotiate(proposed, limits);
    this.peer = { client: f.src, server: f.dest };
    this.vs = 0;
    this.vr = 0;
    this.unacked = undefined;
    this.frmrInfo = undefined;
    this.rx.clear();
    this.tx.clear();
    this.session = new LinkSession("hdlc", this, f.src.logical, f.dest.logical, this.config.maxApduSize);
    this.emitTo(f.src, f.dest, { kind: "UA", pf: true }, encodeParameters(this.params), false);
  }

  private onI(f: HdlcFrame, ns: number, nr: number): void {
    if (f.info.length > this.params.maxInfoRx) return this.reject(f, FRMR_Y);
    // N(R) acknowledging our last I-frame (or all, when none is out) is the usual case; checkAck does the rest.
    if (nr === this.vs) this.unacked = undefined;
    else if (!this.checkAck(f, nr)) return;
    if (ns !== this.vr) {
      this.reply(f, { kind: "RR", nr: this.vr, pf: true });
      return;
    }
    this.vr = nextSeq(this.vr);
    // The client sent new data: whatever we still had to send of an earlier answer is void.
    this.tx.clear();
    if (f.segmented) {
      if (!this.rx.add(f.info)) {
        this.rx.clear();
        return this.reject(f, FRMR_Y);
      }
      this.reply(f, { kind: "RR", nr: this.vr, pf: true });
      return;
    }
    // An APDU in one frame reaches the handler as a view into the frame reader's buffer, uncopied (ApduHandler.handle).
    const whole = this.rx.complete(f.info);
    if (!whole) return this.reject(f, FRMR_Y);
    const apdu = stripLlc(whole, LLC_REQUEST);
    const session = this.session as LinkSession;
    const response = apdu ? this.handler.handle(apdu, session) : undefined;
    // The handler may have ended the link (it should not, but a DISC cannot arrive meanwhile anyway).
    if (this.session !== session) return;
    if (!response) {
      this.reply(f, { kind: "RR", nr: this.vr, pf: true });
      return;
    }
    this.tx.load(response, LLC_RESPONSE);
    this.sendSegment();
  }

  private onRr(f: HdlcFrame, nr: number, busy: boolean): void {
    if (!this.checkAck(f, nr)) return;
    if (!busy && this.tx.pending) return this.sendSegment();
    if (polls(f.control)) this.reply(f, { kind: "RR", nr: this.vr, pf: true });
  }

  /**
   * Applies N(R): true when the frame acknowledges our last I-frame (or there
   * was none), so processing continues. Resends and FRMR happen here.
   */
  private checkAck(f: HdlcFrame, nr: number): boolean {
    if (this.unacked) {
      if (nr === this.vs) {
        this.unacked = undefined;
        return true;
      }
      if (nr === prevSeq(this.vs)) {
        this.send(this.unacked);
        this.counters.framesOut++;
        return false;
      }
    } else if (nr === this.vs) return true;
    this.reject(f, FRMR_Z);
    return false;
  }

  private sendSegment(): void {
    const peer = this.peer as { client: HdlcAddress; server: HdlcAddress };
    const tx = this.tx;
    tx.next(this.params.maxInfoTx);
    const bytes = encodeFrame({ dest: peer.client, src: peer.server, control: { kind: "I", ns: this.vs, nr: this.vr, pf: true }, segmented: tx.more, info: tx.body }, tx.head);
    this.vs = nextSeq(this.vs);
    this.unacked = bytes;
    this.counters.framesOut++;
    this.send(bytes);
  }

  private reject(f: HdlcFrame, why: number): void {
    const raw = encodeControl(f.control);
    // ISO/IEC 13239 FRMR field (modulo 8): rejected control, V(S) and V(R) with C/R = 0 (a command was rejected), then W X Y Z.
    this.frmrInfo = Uint8Array.of(raw, (this.vs << 1) | (this.vr << 5), why);
    this.counters.frmr++;
    this.emitFrmr(f, this.frmrInfo);
  }

  private emitFrmr(f: HdlcFrame, info: Uint8Array): void {
    this.emitTo(f.src, f.dest, { kind: "FRMR", pf: true }, info, false);
  }

  private reply(f: HdlcFrame, control: Control): void {
    this.emitTo(f.src, f.dest, control, EMPTY, false);
  }

  private emitTo(dest: HdlcAddress, src: HdlcAddress, control: Control, info: Uint8Array, segmented: boolean): void {
    this.counters.framesOut++;
    this.send(encodeFrame({ dest, src, control, segmented, info }));
  }

  private endLink(reason: LinkEndReason): void {
    const session = this.session;
    const wasConnected = this.peer !== undefined;
    this.peer = undefined;
    this.session = undefined;
    this.unacked = undefined;
    this.frmrInfo = undefined;
    this.rx.clear();
    this.tx.clear();
    if (session) this.handler.sessionClosed(session);
    if (wasConnected && this.events.disconnected) this.events.disconnected(reason);
  }

  private restartTimer(): void {
    this.stopTimer();
    if (this.config.inactivityMs > 0) this.timer = this.timers.once(this.config.inactivityMs, this.onIdle);
  }

  /** The inactivity time-out's callback, made once (not a closure per frame). */
  private declare readonly onIdle: () => void;

  private stopTimer(): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
    if (this.octetTimer !== undefined) this.timers.clear(this.octetTimer);
    this.octetTimer = undefined;
    this.stopFrameTimer();
  }

  private onTimeout(): void {
    this.timer = undefined;
    this.reader.reset();
    this.endLink("timeout");
    if (this.events.idle) this.events.idle();
  }
}

const EMPTY = new Uint8Array(0);
const UI_POLL: Control = frozen({ kind: "UI", pf: true });

/** A frame that demands an answer: UI is connectionless and never does; an unknown control cannot say. */
function polls(c: Control): boolean {
  return c.kind !== "unknown" && c.kind !== "UI" && c.pf;
}
