/// <reference path="../types/sleep.d.ts" />
import Sleep from "sleep";
import type { DigitalIn } from "../../digital.js";
import { nrf52ResetCause } from "../reset-cause.js";
import { ModdableSystem } from "../system.js";
import { moddableSystemGlobal } from "./system-global.js";

export function nrf52System(powerFail?: DigitalIn): ModdableSystem {
  const deps = { restart: () => moddableSystemGlobal().restart(), resetCause: nrf52ResetCause(Sleep.resetReason) };
  return new ModdableSystem(powerFail ? { ...deps, powerFail } : deps);
}
