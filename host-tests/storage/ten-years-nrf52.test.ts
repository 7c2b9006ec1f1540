import { describe, it } from "vitest";
import { NRF52840_INTERNAL } from "../../hal/sim/flash.js";
import { tenYears } from "./ten-years.js";

describe("ten years of the whole meter on the nRF52840 DK's 256 KiB storage partition", () => {
  it("never log-full, no capture lost, every capture tick and boot bounded", () => {
    tenYears("nrf52840", { ...NRF52840_INTERNAL, sectorCount: 64 });
  });
});
