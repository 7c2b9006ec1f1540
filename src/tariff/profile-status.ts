import type { DateTime } from "../cosem/datetime.js";
import type { MeterClock } from "./clock.js";

/**
 * What the load and billing profiles (src/storage) need from the clock:
 * local time stamps, the capture grid, and the status byte of each entry.
 *
 * Status bits of the IDIS AMR profile status (bit 0 critical error, 1 clock
 * invalid, 2 data not valid, 3 daylight saving, 5 clock adjusted, 7 power
 * down; bit positions as IDIS package 2 lists them, from the project's
 * reading: to be confirmed against the IDIS CTT). Clock adjusted and power
 * down hold for the capture period in which they happened and clear when
 * the entry is taken.
 */
export const ProfileStatusBit = Object.freeze({
  criticalError: 0x01,
  clockInvalid: 0x02,
  dataNotValid: 0x04,
  daylightSaving: 0x08,
  clockAdjusted: 0x20,
  powerDown: 0x80,
} as const);

export interface ProfileClock {
  dateTimeAt(utcMs: number): DateTime;
  nextCaptureAfter(afterUtcMs: number, periodS: number): number;
}

export interface ProfileStatusProvider {
  /** Status byte of the entry captured at utcMs; clears the per-period flags. */
  takeStatus(utcMs: number): number;
}

export class ProfileStatusTracker implements ProfileStatusProvider {
  private sticky = 0;

  constructor(private readonly clock: MeterClock) {
    clock.onTimeChange(() => {
      this.sticky |= ProfileStatusBit.clockAdjusted;
    });
  }

  markPowerDown(): void {
    this.sticky |= ProfileStatusBit.powerDown;
  }

  markDataNotValid(): void {
    this.sticky |= ProfileStatusBit.dataNotValid;
  }

  takeStatus(utcMs: number): number {
    const clockStatus = this.clock.statusAt(utcMs);
    let s = this.sticky;
    if (clockStatus & 0x01) s |= ProfileStatusBit.clockInvalid;
    if (clockStatus & 0x80) s |= ProfileStatusBit.daylightSaving;
    this.sticky = 0;
    return s;
  }
}
