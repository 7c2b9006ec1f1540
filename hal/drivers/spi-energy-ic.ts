/**
 * What every SPI energy-IC driver does alike around its chip-specific
 * register work: open the bus with the chip's SPI defaults (board options
 * override), start the chip or release the bus if it does not answer,
 * refuse samples once closed, carry flags found outside a sample (a
 * configuration that did not stick at start-up) into the next one, and check
 * a calibration against the chip's ranges before writing any of it. Each
 * driver keeps its own register map and access frames (they differ per chip
 * and are checked against ../shared/docs/energy-ic/registers.json).
 */
import type { SpiIo, SpiSensorOptions } from "../spi-device.js";
import type { CalibrationField, EnergyDelta, EnergyIc, EnergySample, PhaseCalibration } from "../energy-ic.js";

export abstract class SpiEnergyIc implements EnergyIc {
  abstract readonly phaseCount: number;
  protected declare readonly io: SpiIo;
  private declare flagsCarry: number;
  private declare closed: boolean;

  /** `bus`: the chip's SPI clock and mode, which the board's sensor options override. */
  protected constructor(sensor: SpiSensorOptions, bus: { hz: number; mode: number }) {
    this.flagsCarry = 0;
    this.closed = false;
    const { io, ...options } = sensor;
    this.io = new io({ ...bus, ...options });
  }

  abstract validCalibration(field: CalibrationField, value: number): boolean;
  abstract sample(): EnergySample;
  abstract drain(): { energy: EnergyDelta[]; total: EnergyDelta };
  abstract configure(calibration: readonly PhaseCalibration[]): boolean;

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.io.close();
  }

  /** Runs the chip's start-up at the end of the driver's constructor; a chip that throws there leaves the bus closed. */
  protected start(startUp: () => void): void {
    try {
      startUp();
    } catch (e) {
      this.io.close();
      throw e;
    }
  }

  /** Throws once closed: a sample or drain on a released bus is a programming error. */
  protected checkOpen(): void {
    if (this.closed) throw new Error("closed");
  }

  /** The flags carried since the previous sample (cleared); throws once closed. */
  protected takeFlags(): number {
    this.checkOpen();
    const flags = this.flagsCarry;
    this.flagsCarry = 0;
    return flags;
  }

  /** IcFlag bits to report with the next sample. */
  protected carryFlags(flags: number): void {
    this.flagsCarry |= flags;
  }

  /** Whether every value of every phase is in this chip's range (nothing is written otherwise). */
  protected acceptsAll(calibration: readonly PhaseCalibration[]): boolean {
    for (let i = 0; i < calibration.length; i++) {
      const c = calibration[i];
      const fields = Object.keys(c) as CalibrationField[];
      for (let j = 0; j < fields.length; j++) {
        const k = fields[j];
        if (!this.validCalibration(k, c[k])) return false;
      }
    }
    return true;
  }
}
