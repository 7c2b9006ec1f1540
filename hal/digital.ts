/** A digital input or output (tamper switches, relay drive and its feedback, power-fail line). */
export interface DigitalIn {
  read(): 0 | 1;
  /** Called on every edge with the new level. */
  onChange?(handler: (level: 0 | 1) => void): void;
}

export interface DigitalOut {
  write(level: 0 | 1): void;
  read(): 0 | 1;
}
