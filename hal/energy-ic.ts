/**
 * What metrology needs from an energy-IC driver (hal/drivers/*): one sample
 * per tick with instantaneous values, the energy since the previous sample
 * and normalised status flags. The drivers in hal/drivers implement it;
 * src/metrology depends only on this port.
 */
import type { Delay } from "./delay.js";
import type { SpiSensorOptions } from "./spi-device.js";

/** Energy of one phase (or the all-phase total) since the previous sample; all non-negative. */
export interface EnergyDelta {
  importWh: number;
  exportWh: number;
  /** Reactive energy while Q > 0 (inductive: quadrants I, II), varh. */
  reactivePosVarh: number;
  /** Reactive energy while Q < 0 (capacitive: quadrants III, IV), varh. */
  reactiveNegVarh: number;
  apparentVAh: number;
}

export interface PhaseValues {
  vRms: number;
  iRms: number;
  /** Signed: positive = import. */
  activeW: number;
  /** Signed: positive = inductive. */
  reactiveVar: number;
  apparentVA: number;
  /** Signed as the IC reports it (negative = export). */
  powerFactor: number;
  /** Angle by which current lags voltage, degrees 0..360. */
  angleDeg: number;
}

/** Normalised status bits (phase p = 0..2). */
export const IcFlag = Object.freeze({
  sag: (p: number) => 1 << p,
  phaseLoss: (p: number) => 1 << (3 + p),
  overVoltage: (p: number) => 1 << (6 + p),
  overCurrent: (p: number) => 1 << (9 + p),
  reverse: (p: number) => 1 << (12 + p),
  /** The configuration no longer matches what the driver wrote (CRC / readback). */
  configError: 1 << 15,
  /** The chip restarted (lost power or reset) since the previous sample and was configured again. */
  chipRestarted: 1 << 16,
  /** An energy register overflowed between two samples: energy may be lost (poll faster). */
  energyOverflow: 1 << 17,
} as const);

export interface EnergySample {
  /** Per phase (or current channel) values; length = phases. */
  readonly phases: readonly PhaseValues[];
  readonly frequencyHz: number;
  /** Neutral current (measured or calculated), A; NaN if the IC has none. */
  readonly neutralA: number;
  /** Energy per phase since the previous sample. */
  readonly energy: readonly EnergyDelta[];
  /** All-phase energy as the IC sums it (vector sum of the phases for polyphase ICs). */
  readonly total: EnergyDelta;
  /** IcFlag bits. */
  readonly flags: number;
}

/** Calibration constants per phase, in the IC's own register units (drivers validate ranges). */
export interface PhaseCalibration {
  voltageGain: number;
  currentGain: number;
  /** Phase compensation (ATM90E32 Phi, ADE7953 PHCAL). */
  phase: number;
  /** Active power offset (ATM90E32 Poffset, ADE7953 xWATTOS). */
  powerOffset: number;
  /** Reactive power offset. */
  reactiveOffset: number;
  /** Active/reactive power gain (ATM90E32 PQGain, ADE7953 xWGAIN). */
  powerGain: number;
}

export const CALIBRATION_FIELDS = Object.freeze(["voltageGain", "currentGain", "phase", "powerOffset", "reactiveOffset", "powerGain"] as const);
export type CalibrationField = (typeof CALIBRATION_FIELDS)[number];

export interface EnergyIc {
  /** Number of measured phases (current channels billed). */
  readonly phaseCount: number;
  sample(): EnergySample;
  /**
   * Only the energy since the previous sample or drain (the power-fail path:
   * a few register reads within the supply's hold-up time, no RMS/status).
   */
  drain(): { energy: readonly EnergyDelta[]; total: EnergyDelta };
  /** Writes calibration for the given phases; false if a value is out of the IC's range or did not stick. */
  configure(calibration: readonly PhaseCalibration[]): boolean;
  /** Whether a calibration value is acceptable to this IC. */
  validCalibration(field: CalibrationField, value: number): boolean;
  close(): void;
}


/** The energy ICs the firmware has a driver for (hal/drivers/<type>.ts); the name finds an IC's chip model (hal/sim/energy-ics.ts). */
export type EnergyIcType = "atm90e32" | "ade7953";

/** What a board hands an energy-IC driver: its bus (ECMA-419 `{sensor: {io, select, hz, mode}}`) and a blocking wait for the chip's reset times. */
export interface EnergyIcPorts {
  sensor: SpiSensorOptions;
  delay: Delay;
}

/**
 * An energy-IC driver as a board's data names it (`Board.energyIc.driver`):
 * each driver module exports its own, so a build contains only the driver
 * its board imports (no registry importing every driver into every build).
 */
export interface EnergyIcDriver {
  readonly type: EnergyIcType;
  /** Opens the IC on its bus and starts it; throws when the chip does not answer. */
  open(ports: EnergyIcPorts): EnergyIc;
  /** The calibration the meter starts from until one is stored (per phase or channel). */
  defaultCalibration(): PhaseCalibration[];
  /** How long open() waits (through the delay port) on a chip found at its power-on defaults, ms. */
  readonly startWaitMs: number;
}
