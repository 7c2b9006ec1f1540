/// <reference path="../types/reset-reason.d.ts" />
import getResetReason from "resetReason";
import type { DigitalIn } from "../../digital.js";
import { esp32ResetCause } from "../reset-cause.js";
import { ModdableSystem } from "../system.js";
import { moddableSystemGlobal } from "./system-global.js";

export function esp32System(powerFail?: DigitalIn): ModdableSystem {
  const deps = { restart: () => moddableSystemGlobal().restart(), resetCause: esp32ResetCause(getResetReason().reason) };
  return new ModdableSystem(powerFail ? { ...deps, powerFail } : deps);
}
