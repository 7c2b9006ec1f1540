/**
 * The subset of the ECMA-419 SPI IO class (embedded:io/spi) that the energy-IC
 * drivers use. On a board this is Moddable's class; on the host it is the
 * simulated bus in hal/sim/, which puts a register-level chip model behind it.
 */
export interface SpiIoOptions {
  /** Pins/port as the platform names them; ignored by the simulation. */
  [option: string]: unknown;
  hz?: number;
  mode?: number;
  select?: number;
  active?: number;
}

export interface SpiIo {
  /** Full duplex: sends buffer and replaces its contents with what was received. */
  transfer(buffer: Uint8Array | ArrayBuffer): void;
  write(buffer: Uint8Array | ArrayBuffer): void;
  read(byteLength: number): ArrayBuffer;
  flush?(deselect?: boolean): void;
  close(): void;
}

export type SpiIoClass = new (options: SpiIoOptions) => SpiIo;

/** What an ECMA-419 peripheral class receives for its bus: `{sensor: {io: SPI, ...}}`. */
export interface SpiSensorOptions extends SpiIoOptions {
  io: SpiIoClass;
}
