/**
 * The probe's side of the optical port: IEC 62056-21 mode E sign-on at 300
 * baud 7E1 (request, identification, acknowledgement with the baud switch),
 * then an HDLC client over the same serial port at the new baud, 8N1.
 */
import type { SerialPort } from "../../../hal/serial.js";
import type { TimerId, Timers } from "../../../hal/timer.js";
import { ACK, baudForLetter, encode7E1, LineCollector, letterForBaud } from "../iec62056-21.js";
import { DEFAULT_HDLC_CLIENT_CONFIG, HdlcClient, HdlcLinkError, type HdlcClientConfig } from "./hdlc-client.js";

// The probe's messages of the sign-on: a meter only parses the request and the acknowledgement (iec62056-21.ts), so these stay out of a device build.

function formatRequest(address = ""): string {
  return `/?${address}!\r\n`;
}

export interface Identification {
  manufacturer: string;
  baudLetter: string;
  /** Text after the \W escape (mode E) or after the baud letter. */
  identification: string;
  /** True when the escape sequence \2 announces mode E with HDLC. */
  modeE: boolean;
}

/** `/XXXZ\2ident` (without CR LF). */
function parseIdentification(line: string): Identification | undefined {
  if (line.length < 5 || line[0] !== "/") return undefined;
  const manufacturer = line.slice(1, 4);
  const baudLetter = line[4];
  if (!/^[A-Za-z]{3}$/.test(manufacturer) || baudForLetter(baudLetter) === undefined) return undefined;
  const rest = line.slice(5);
  const modeE = rest.startsWith("\\2");
  return { manufacturer, baudLetter, identification: modeE ? rest.slice(2) : rest, modeE };
}

function formatAck(baudLetter: string, protocol = "2", mode = "2"): string {
  return `${ACK}${protocol}${baudLetter}${mode}\r\n`;
}

export interface SignOnOptions {
  /** Device address to put in the request ("" = any meter). */
  address?: string;
  /** Highest baud the probe wants; the lower of it and the meter's offer is acknowledged. */
  maxBaud?: number;
  timeoutMs?: number;
}

export interface SignOnResult extends Identification {
  baud: number;
}

export class OpticalClient {
  readonly hdlc: HdlcClient;
  private mode: "iec" | "hdlc" = "iec";
  private readonly lines: LineCollector;
  private onIdent: ((line: string) => void) | undefined;

  constructor(
    private readonly serial: SerialPort,
    private readonly timers: Timers,
    hdlcConfig: HdlcClientConfig = DEFAULT_HDLC_CLIENT_CONFIG,
  ) {
    this.hdlc = new HdlcClient((b) => this.serial.write(b), timers, hdlcConfig);
    this.lines = new LineCollector((line) => {
      if (this.onIdent) this.onIdent(line);
    });
    serial.onReceive((bytes) => {
      if (this.mode === "hdlc") this.hdlc.receive(bytes);
      else this.lines.push(bytes);
    });
  }

  /** Mode E sign-on; resolves once the acknowledgement is sent and the probe is at the new baud. */
  signOn(options: SignOnOptions = {}): Promise<SignOnResult> {
    return new Promise((resolve, reject) => {
      this.mode = "iec";
      this.lines.reset();
      if (this.serial.baud !== 300) this.serial.setBaud(300);
      let timer: TimerId | undefined = this.timers.once(options.timeoutMs ?? 5000, () => {
        timer = undefined;
        this.onIdent = undefined;
        reject(new HdlcLinkError("timeout", "no identification from the meter"));
      });
      this.onIdent = (line) => {
        const id = parseIdentification(line);
        if (!id) return;
        this.onIdent = undefined;
        if (timer !== undefined) this.timers.clear(timer);
        if (!id.modeE) return reject(new HdlcLinkError("protocol", `meter does not offer mode E: ${line}`));
        const offered = baudForLetter(id.baudLetter) as number;
        const wanted = options.maxBaud ?? offered;
        const baud = Math.min(offered, wanted);
        const letter = letterForBaud(baud);
        if (letter === undefined) return reject(new HdlcLinkError("protocol", `no baud letter for ${baud}`));
        this.serial.write(encode7E1(formatAck(letter)));
        // The acknowledgement leaves at 300 baud; the UART switches once it is out (the sim tags bytes with the baud they were sent at).
        this.serial.setBaud(baud);
        this.mode = "hdlc";
        resolve({ ...id, baud });
      };
      this.serial.write(encode7E1(formatRequest(options.address ?? "")));
    });
  }

  /** Back to the sign-on state (after DISC or a time-out): the next exchange starts at 300 baud. */
  reset(): void {
    this.mode = "iec";
    this.lines.reset();
    if (this.serial.baud !== 300) this.serial.setBaud(300);
  }
}
