/**
 * A simulated SPI bus that hands drivers an ECMA-419 style IO class
 * (hal/spi-device.ts), so a driver runs the same code against a register-level
 * chip model as against `embedded:io/spi` on a board:
 *
 *   const bus = new SimSpiBus();
 *   bus.attach(5, chip);                       // chip select 5
 *   new Atm90e32({ sensor: { io: bus.io, select: 5, hz: 1_000_000, mode: 3 } });
 *
 * Each transfer()/write()/read() call is one chip-select-low transaction, the
 * way the drivers frame a register access. The bus counts transactions per
 * chip so tests can prove every register access went over it. A device whose
 * clock rate or SPI mode the chip does not accept reads back all ones, as a
 * floating MISO line would: the driver must notice (it checks the echo
 * registers) instead of trusting garbage.
 */
import type { SpiIo, SpiIoClass, SpiIoOptions } from "../spi-device.js";

/** A chip model on the bus: one full-duplex transaction, replacing `frame` with what MISO carried. */
export interface SimSpiChip {
  transaction(frame: Uint8Array): void;
  /** Highest SCLK the chip accepts, in Hz. */
  readonly maxHz: number;
  /** SPI modes (0..3) at which the chip samples correctly. */
  readonly modes: readonly number[];
}

export interface SimSpiStats {
  transactions: number;
  bytes: number;
}

export class SimSpiBus {
  readonly #chips = new Map<number, SimSpiChip>();
  readonly #stats = new Map<number, SimSpiStats>();
  /** Open IO instances: a second open of the same select is refused as on a board (pin in use). */
  readonly #open = new Set<number>();
  /** The IO class to pass as `sensor.io`; bound to this bus. */
  readonly io: SpiIoClass;

  constructor() {
    const bus = this;
    this.io = class SimSpiIo implements SpiIo {
      readonly #select: number;
      readonly #chip: SimSpiChip | undefined;
      readonly #usable: boolean;
      #closed = false;

      constructor(options: SpiIoOptions) {
        const select = typeof options.select === "number" ? options.select : 0;
        if (bus.#open.has(select)) throw new Error(`SPI select ${select} in use`);
        bus.#open.add(select);
        this.#select = select;
        this.#chip = bus.#chips.get(select);
        const hz = typeof options.hz === "number" ? options.hz : 1_000_000;
        const mode = typeof options.mode === "number" ? options.mode : 0;
        this.#usable = this.#chip !== undefined && hz <= this.#chip.maxHz && this.#chip.modes.includes(mode);
      }

      transfer(buffer: Uint8Array | ArrayBuffer): void {
        const frame = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
        this.#run(frame);
      }

      write(buffer: Uint8Array | ArrayBuffer): void {
        const src = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
        this.#run(src.slice());
      }

      read(byteLength: number): ArrayBuffer {
        const frame = new Uint8Array(byteLength);
        this.#run(frame);
        return frame.buffer;
      }

      close(): void {
        if (this.#closed) return;
        this.#closed = true;
        bus.#open.delete(this.#select);
      }

      #run(frame: Uint8Array): void {
        if (this.#closed) throw new Error("SPI closed");
        const s = bus.stats(this.#select);
        s.transactions++;
        s.bytes += frame.length;
        if (this.#usable) this.#chip!.transaction(frame);
        else frame.fill(0xff);
      }
    };
  }

  attach(select: number, chip: SimSpiChip): void {
    this.#chips.set(select, chip);
  }

  /** Live counters of the transactions on one chip select. */
  stats(select: number): SimSpiStats {
    let s = this.#stats.get(select);
    if (!s) {
      s = { transactions: 0, bytes: 0 };
      this.#stats.set(select, s);
    }
    return s;
  }
}
