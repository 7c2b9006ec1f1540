/** System port: reboot, why we started, the power-fail warning and the watchdog. */
export type ResetCause = "power-on" | "brown-out" | "watchdog" | "software" | "external" | "unknown";

export interface SystemPort {
  resetCause(): ResetCause;
  /** Does not return on a board; the simulation records it and restarts the firmware. */
  reboot(): void;
  /**
   * The early power-fail signal (supply capacitor holds the MCU for a few
   * milliseconds): the handler must persist what cannot be lost, quickly.
   */
  onPowerFail(handler: () => void): void;
  kickWatchdog(): void;
}
