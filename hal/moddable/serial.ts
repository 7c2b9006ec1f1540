import type { SerialPort } from "../serial.js";
import { PacedWriter } from "./buffers.js";

/** What the HAL uses of an ECMA-419 Serial instance (`embedded:io/serial`, format "buffer"). */
export interface SerialDevice {
  read(byteLength?: number): ArrayBuffer | number | undefined;
  write(buffer: ArrayBuffer): void;
  close(): void;
}

/** Opens the UART at a baud rate with the adapter's callbacks; the device binding supplies pins and port. */
export type SerialOpener = (baud: number, onReadable: (bytes: number) => void, onWritable: (bytes: number) => void) => SerialDevice;

/**
 * The optical port over ECMA-419 serial. Two facts shape it:
 * - ESP32 cannot change the baud rate of an open UART, and mode E switches
 *   from 300 Bd to the negotiated rate, so setBaud closes and reopens it.
 * - ECMA-419 `write` accepts no more than the `onWritable` count; a longer
 *   frame is queued and drained from onWritable, never dropped.
 */
export class ModdableSerial implements SerialPort {
  private declare readonly open: SerialOpener;
  private declare device: SerialDevice | undefined;
  private declare currentBaud: number;
  private declare readonly out: PacedWriter;
  private declare handler: ((bytes: Uint8Array) => void) | undefined;

  constructor(open: SerialOpener, baud: number) {
    this.out = new PacedWriter();
    this.open = open;
    this.currentBaud = baud;
    this.device = this.connect(baud);
  }

  get baud(): number {
    return this.currentBaud;
  }

  setBaud(baud: number): void {
    if (baud === this.currentBaud && this.device) return;
    this.device?.close();
    this.currentBaud = baud;
    // Bytes queued at the old rate would be garbage at the new one.
    this.out.clear();
    this.device = this.connect(baud);
  }

  write(bytes: Uint8Array): void {
    if (!this.device) throw new Error("serial port closed");
    if (bytes.length === 0) return;
    this.out.write(this.device, bytes);
  }

  onReceive(handler: (bytes: Uint8Array) => void): void {
    this.handler = handler;
  }

  close(): void {
    this.device?.close();
    this.device = undefined;
    this.out.clear();
  }

  private connect(baud: number): SerialDevice {
    return this.open(
      baud,
      (count) => this.readable(count),
      (count) => this.out.writable(this.device, count),
    );
  }

  private readable(count: number): void {
    const device = this.device;
    if (!device || count <= 0) return;
    const chunk = device.read(count);
    if (chunk instanceof ArrayBuffer && chunk.byteLength > 0) this.handler?.(new Uint8Array(chunk));
  }
}
