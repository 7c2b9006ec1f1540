import type { DigitalIn } from "../digital.js";
import type { ResetCause, SystemPort } from "../system.js";
import { runEach } from "../../src/util/isolate.js";

export interface SystemDeps {
  /** The platform's restart (Moddable's System.restart); does not return on a board. */
  restart(): void;
  /** Read once at start: the cause latched by the hardware at boot. */
  resetCause: ResetCause;
  /**
   * The early power-fail line (supply monitor output, active low), if the
   * board has one; the CircuitSetup and DK boards need an external supervisor
   * wired to the pin their board.ts names.
   */
  powerFail?: DigitalIn;
}

/**
 * The system port on Moddable. The watchdog needs no kick from JavaScript:
 * Moddable's host feeds the ESP32 task watchdog and the nRF52 WDT from its
 * event loop (modWatchDogReset), so a script stuck in a loop still trips it,
 * and a call here would only hide that. kickWatchdog is therefore a no-op.
 */
export class ModdableSystem implements SystemPort {
  private declare readonly deps: SystemDeps;
  private declare readonly powerFailHandlers: (() => void)[];
  /** What the power-fail handlers threw at the last warning. */
  declare powerFailErrors: unknown[];

  constructor(deps: SystemDeps) {
    this.powerFailHandlers = [];
    this.powerFailErrors = [];
    this.deps = deps;
    // Every handler runs even if an earlier one throws (runEach, as in the
    // simulation): each guards its own data. What they threw is kept for
    // a diagnostic read (the meter also counts its own handlers' faults).
    deps.powerFail?.onChange?.((level) => {
      if (level === 0) this.powerFailErrors = runEach(this.powerFailHandlers);
    });
  }

  resetCause(): ResetCause {
    return this.deps.resetCause;
  }

  reboot(): void {
    this.deps.restart();
  }

  onPowerFail(handler: () => void): void {
    this.powerFailHandlers.push(handler);
  }

  kickWatchdog(): void {}
}
