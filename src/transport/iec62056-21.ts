/**
 * IEC 62056-21 messages for protocol mode E (sign-on at 300 baud, then HDLC):
 * the request `/? [address] ! CR LF`, the identification
 * `/ XXX Z \2 ident CR LF` (\2 = mode E with HDLC), and the acknowledgement
 * `ACK 2 Z 2 CR LF`. Characters are 7E1; the serial HAL is 8N1, so a 7E1
 * character travels as an 8N1 byte with the even-parity bit in bit 7
 * (same bit time, same frame length), encoded and checked here.
 */

/** Baud-rate characters for modes C and E. */
const BAUDS = Object.freeze([300, 600, 1200, 2400, 4800, 9600, 19200] as const);

export function baudForLetter(letter: string): number | undefined {
  const i = letter.length === 1 ? letter.charCodeAt(0) - 0x30 : -1;
  return i >= 0 && i < BAUDS.length ? BAUDS[i] : undefined;
}

export function letterForBaud(baud: number): string | undefined {
  const i = (BAUDS as readonly number[]).indexOf(baud);
  return i < 0 ? undefined : String.fromCharCode(0x30 + i);
}

/** The character with its even-parity bit in bit 7. */
export function withEvenParity(c: number): number {
  let x = c & 0x7f;
  x ^= x >> 4;
  x ^= x >> 2;
  x ^= x >> 1;
  return (c & 0x7f) | ((x & 1) << 7);
}

/** ASCII text as 7E1 characters on an 8N1 line. */
export function encode7E1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = withEvenParity(text.charCodeAt(i));
  return out;
}

/** The 7-bit character, or -1 when the parity is wrong. */
function decode7E1(b: number): number {
  return withEvenParity(b) === (b & 0xff) ? b & 0x7f : -1;
}

/** Starts the acknowledgement (option select) message. */
export const ACK = "\x06";
/** A message longer than this is not mode E: the line is dropped (32-char address + framing). */
const MAX_LINE = 40;

/**
 * Collects 7E1 characters into CR LF terminated lines. A parity error or an
 * over-long line spoils the line (it is dropped at its LF), since a meter
 * must not act on a garbled request.
 */
export class LineCollector {
  private declare text: string;
  private declare spoiled: boolean;

  private declare readonly onLine: (line: string) => void;

  constructor(onLine: (line: string) => void) {
    this.text = "";
    this.spoiled = false;
    this.onLine = onLine;
  }

  reset(): void {
    this.text = "";
    this.spoiled = false;
  }

  push(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) {
      const c = decode7E1(bytes[i]);
      if (c < 0) {
        this.spoiled = true;
        continue;
      }
      // A start character begins a new message whatever came before (noise, a half request).
      if (c === 0x2f || c === 0x06) {
        this.text = "";
        this.spoiled = false;
      }
      if (c === 0x0a) {
        const line = this.text;
        const ok = !this.spoiled && line.endsWith("\r");
        this.reset();
        if (ok) this.onLine(line.slice(0, -1));
        continue;
      }
      if (this.text.length >= MAX_LINE) this.spoiled = true;
      else this.text += String.fromCharCode(c);
    }
  }
}

/** `/?` [address] `!` (without CR LF): the device address, "" when absent; undefined if not a request. */
export function parseRequest(line: string): string | undefined {
  if (line.length < 3 || !line.startsWith("/?") || !line.endsWith("!")) return undefined;
  const address = line.slice(2, -1);
  return /^[0-9A-Za-z ]{0,32}$/.test(address) ? address : undefined;
}

export function formatIdentification(manufacturer: string, baudLetter: string, identification: string): string {
  return `/${manufacturer}${baudLetter}\\2${identification}\r\n`;
}

export interface Acknowledgement {
  /** Protocol control character V: "2" = HDLC protocol procedure (mode E). */
  protocol: string;
  baudLetter: string;
  /** Mode control character Y. */
  mode: string;
}

export function parseAck(line: string): Acknowledgement | undefined {
  if (line.length !== 4 || line[0] !== ACK) return undefined;
  return { protocol: line[1], baudLetter: line[2], mode: line[3] };
}
