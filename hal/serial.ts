/**
 * Serial port (the optical port). ECMA-419 serial is 8N1 only, so a 7E1
 * character travels as an 8N1 character whose bit 7 is the even-parity bit:
 * src/transport encodes and checks it. Changing the baud rate may close and
 * reopen the UART (ESP32), so it is an explicit call.
 */
export interface SerialPort {
  readonly baud: number;
  setBaud(baud: number): void;
  write(bytes: Uint8Array): void;
  /** Called with each chunk of received bytes. */
  onReceive(handler: (bytes: Uint8Array) => void): void;
  close(): void;
}
