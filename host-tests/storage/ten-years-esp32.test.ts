import { describe, it } from "vitest";
import { ESP32_NOR } from "../../hal/sim/flash.js";
import { tenYears } from "./ten-years.js";

describe("ten years of the whole meter on the ESP32 board's 256 KiB storage partition", () => {
  it("never log-full, no capture lost, every capture tick and boot bounded", () => {
    tenYears("esp32", { ...ESP32_NOR, sectorCount: 64 });
  });
});
