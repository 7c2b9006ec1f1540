/// <reference path="../types/system.d.ts" />
/// <reference path="../types/sleep.d.ts" />
import System from "system";
import Sleep from "sleep";
import type { DigitalIn } from "../../digital.js";
import { nrf52ResetCause } from "../reset-cause.js";
import { ModdableSystem } from "../system.js";

export function nrf52System(powerFail?: DigitalIn): ModdableSystem {
  const deps = { restart: () => System.restart(), resetCause: nrf52ResetCause(Sleep.resetReason) };
  return new ModdableSystem(powerFail ? { ...deps, powerFail } : deps);
}
