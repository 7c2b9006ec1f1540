import Serial from "embedded:io/serial";
import { ModdableSerial, type SerialDevice } from "../serial.js";

export interface UartPins {
  port: number;
  receive: number;
  transmit: number;
}

/** The optical port's UART; 8N1 only (mode E's 7E1 is framed by src/transport). */
export function openSerial(pins: UartPins, baud: number): ModdableSerial {
  return new ModdableSerial(
    (rate, onReadable, onWritable) =>
      new Serial({
        port: pins.port,
        receive: pins.receive,
        transmit: pins.transmit,
        baud: rate,
        format: "buffer",
        onReadable(bytes) {
          onReadable(bytes);
        },
        onWritable(bytes) {
          onWritable(bytes);
        },
      }) as unknown as SerialDevice,
    baud,
  );
}
