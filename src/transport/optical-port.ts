/**
 * The meter's optical port: IEC 62056-21 mode E sign-on at 300 baud 7E1,
 * baud switch on the acknowledgement, then the HDLC server link at the new
 * baud, 8N1. The port returns to 300 baud sign-on when the link's inactivity
 * time-out runs out, when the acknowledgement does not come, and shortly
 * after a DISC (so that the UA leaves at the HDLC baud before the UART is
 * reopened; the ESP32 reopens the UART to change baud).
 */
import type { SerialPort } from "../../hal/serial.js";
import type { TimerId, Timers } from "../../hal/timer.js";
import type { ApduHandler } from "./apdu-port.js";
import { DEFAULT_HDLC_SERVER_CONFIG, HdlcServerLink, type HdlcServerConfig } from "./hdlc/server.js";
import { baudForLetter, encode7E1, formatIdentification, letterForBaud, LineCollector, parseAck, parseRequest } from "./iec62056-21.js";

export interface OpticalPortConfig {
  /** Three-letter manufacturer id (FLAG association). */
  manufacturer: string;
  /** Identification text after `\2` (up to 16 characters). */
  identification: string;
  /**
   * Device address: `/?!` is always answered, `/?address!` only when the
   * address matches (leading zeros ignored); "" = no address configured.
   */
  deviceAddress: string;
  /** Highest baud offered in the identification (one of 300..19200). */
  maxBaud: number;
  /** Reaction time before the identification (IEC 62056-21 tr: class 19 response_time 20 or 200 ms). */
  responseDelayMs: number;
  /** How long to wait for the acknowledgement after the identification. */
  ackTimeoutMs: number;
  /** Pause after a DISC before returning to 300 baud. */
  afterDiscMs: number;
  hdlc: HdlcServerConfig;
}

export const DEFAULT_OPTICAL_CONFIG: Readonly<OpticalPortConfig> = Object.freeze({
  manufacturer: "MKT",
  identification: "METERKIT",
  deviceAddress: "",
  maxBaud: 9600,
  responseDelayMs: 200,
  ackTimeoutMs: 3000,
  afterDiscMs: 100,
  hdlc: DEFAULT_HDLC_SERVER_CONFIG,
});

export type OpticalState = "sign-on" | "await-ack" | "hdlc";

const SIGN_ON_BAUD = 300;

export class OpticalPort {
  private declare state: OpticalState;
  private declare timer: TimerId | undefined;
  private declare readonly lines: LineCollector;
  declare readonly link: HdlcServerLink;

  private declare readonly serial: SerialPort;
  private declare readonly timers: Timers;
  private declare config: OpticalPortConfig;

  constructor(
    serial: SerialPort,
    handler: ApduHandler,
    timers: Timers,
    config: OpticalPortConfig = DEFAULT_OPTICAL_CONFIG,
  ) {
    this.state = "sign-on";
    this.serial = serial;
    this.timers = timers;
    this.config = config;
    this.lines = new LineCollector((line) => this.onLine(line));
    this.link = new HdlcServerLink((b) => this.serial.write(b), handler, timers, config.hdlc, {
      idle: () => this.toSignOn(),
      disconnected: (reason) => {
        if (reason === "disc") this.arm(this.config.afterDiscMs);
      },
    });
    this.link.close();
    serial.onReceive((bytes) => this.receive(bytes));
    this.toSignOn();
  }

  get phase(): OpticalState {
    return this.state;
  }

  get currentConfig(): Readonly<OpticalPortConfig> {
    return this.config;
  }

  /** New settings (class 19/23 writes): identification at the next sign-on, HDLC limits at the next SNRM. */
  configure(config: OpticalPortConfig): void {
    this.config = config;
    this.link.configure(config.hdlc);
    if (this.state !== "hdlc") this.link.close();
  }

  /** The port is shut (power down): the link ends, the UART closes. */
  close(): void {
    this.disarm();
    this.link.close();
    this.serial.close();
  }

  private receive(bytes: Uint8Array): void {
    if (this.state === "hdlc") {
      this.link.receive(bytes);
      return;
    }
    for (let i = 0; i < bytes.length; i++) {
      this.lines.push(bytes.subarray(i, i + 1));
      // The acknowledgement switched the port to HDLC: what followed it in
      // the same read is the client's first frame (a host pty has no baud
      // rate, so it arrives intact; on a UART it is garbage the frame
      // reader discards).
      // `phase`, not `state`: the compiler keeps the narrowing of `state` from above across the push.
      if (this.phase === "hdlc") {
        if (i + 1 < bytes.length) this.link.receive(bytes.subarray(i + 1));
        return;
      }
    }
  }

  private onLine(line: string): void {
    const address = parseRequest(line);
    if (address !== undefined) {
      const mine = this.config.deviceAddress;
      // Leading zeros of an address are not significant (IEC 62056-21 6.3.1).
      if (address !== "" && stripZeros(address) !== stripZeros(mine)) return;
      // Answer after the reaction time: a probe that is still switching its UART to receive would lose it.
      this.state = "sign-on";
      this.arm(this.config.responseDelayMs, () => this.identify());
      return;
    }
    const ack = parseAck(line);
    if (!ack || this.state !== "await-ack") return;
    const baud = baudForLetter(ack.baudLetter);
    // Only mode E (protocol control 2) goes on; other modes (data readout, programming) are not offered.
    if (ack.protocol !== "2" || baud === undefined || baud > this.config.maxBaud) {
      this.toSignOn();
      return;
    }
    this.disarm();
    this.state = "hdlc";
    this.serial.setBaud(baud);
    this.link.start();
  }

  private identify(): void {
    const letter = letterForBaud(this.config.maxBaud) ?? "5";
    this.serial.write(encode7E1(formatIdentification(this.config.manufacturer, letter, this.config.identification)));
    this.state = "await-ack";
    this.arm(this.config.ackTimeoutMs);
  }

  private toSignOn(): void {
    this.disarm();
    if (this.state === "hdlc") this.link.close();
    this.state = "sign-on";
    this.lines.reset();
    if (this.serial.baud !== SIGN_ON_BAUD) this.serial.setBaud(SIGN_ON_BAUD);
  }

  /** One timer for the port phase: it runs `then` (default: back to sign-on) unless disarmed first. */
  private arm(ms: number, then: () => void = () => this.toSignOn()): void {
    this.disarm();
    this.timer = this.timers.once(ms, () => {
      this.timer = undefined;
      then();
    });
  }

  private disarm(): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
  }
}

function stripZeros(s: string): string {
  return s.replace(/^0+/, "");
}
