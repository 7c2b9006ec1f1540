import Flash from "flash";
import { ModdableFlashPartition, type FlashDevice, type FlashTraits } from "../flash.js";

/** A partition by label (ESP32 partition table, nRF52 `storage`), or on nRF52 a raw region. */
export type FlashLocation = { label: string } | { start: number; byteLength: number };

export function openFlashPartition(location: FlashLocation, traits: FlashTraits): ModdableFlashPartition {
  const flash = "label" in location ? new Flash(location.label) : new Flash(location.start, location.byteLength);
  return new ModdableFlashPartition(flash as FlashDevice, traits);
}
