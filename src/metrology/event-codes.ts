/**
 * Event codes of the metrology domain as IDIS event logs carry them (IDIS
 * package 2 code lists; the same numbers appear in head-end decoders such as
 * EnergyICT's IDIS event mappers: 76..87 power quality, 40..45 fraud, 1/2
 * power down/up, 16 measurement system error). Codes without an IDIS number
 * use the manufacturer-specific range 231..255.
 */
export const MetrologyEvent = Object.freeze({
  powerDown: 1,
  powerUp: 2,
  measurementSystemError: 16,
  terminalCoverRemoved: 40,
  terminalCoverClosed: 41,
  strongDcFieldDetected: 42,
  noStrongDcField: 43,
  meterCoverRemoved: 44,
  meterCoverClosed: 45,
  /** Phase p = 0..2. */
  underVoltage: (p: number) => 76 + p,
  overVoltage: (p: number) => 79 + p,
  missingVoltage: (p: number) => 82 + p,
  voltageNormal: (p: number) => 85 + p,
  currentReversal: 91,
  /** Manufacturer specific. */
  currentReversalEnd: 232,
  overCurrent: (p: number) => 233 + p,
  overCurrentEnd: (p: number) => 236 + p,
  calibrationChanged: 239,
  energyRegisterOverflow: 240,
} as const);
