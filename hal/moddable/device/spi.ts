import SPI from "embedded:io/spi";
import type { SpiIoClass, SpiSensorOptions } from "../../spi-device.js";

export interface SpiBus {
  port?: number;
  clock: number;
  in: number;
  out: number;
  select: number;
  hz: number;
  mode: number;
}

/**
 * The `{io, ...options}` an ECMA-419 peripheral driver receives for its SPI
 * device. Moddable's SPI class has close(); the 5.6.0 typings omit it, hence
 * the cast to the port's class type.
 */
export function spiSensorOptions(bus: SpiBus): SpiSensorOptions {
  const options: SpiSensorOptions = { io: SPI as unknown as SpiIoClass, clock: bus.clock, in: bus.in, out: bus.out, select: bus.select, hz: bus.hz, mode: bus.mode, active: 0 };
  if (bus.port !== undefined) options.port = bus.port;
  return options;
}
