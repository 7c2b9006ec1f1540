import type { ResetCause } from "../system.js";

/**
 * ESP-IDF's esp_reset_reason_t (what Moddable's ESP32 `resetReason` module
 * returns) mapped to the port's causes. Panics count as watchdog resets: both
 * mean the firmware stopped running, which is what the meter logs.
 */
export function esp32ResetCause(reason: number): ResetCause {
  switch (reason) {
    case 1: // ESP_RST_POWERON
      return "power-on";
    case 2: // ESP_RST_EXT
      return "external";
    case 3: // ESP_RST_SW (esp_restart, Moddable's System.restart)
      return "software";
    case 4: // ESP_RST_PANIC
    case 5: // ESP_RST_INT_WDT
    case 6: // ESP_RST_TASK_WDT
    case 7: // ESP_RST_WDT
      return "watchdog";
    case 9: // ESP_RST_BROWNOUT
      return "brown-out";
    default: // ESP_RST_UNKNOWN, ESP_RST_DEEPSLEEP, ESP_RST_SDIO and later additions
      return "unknown";
  }
}

/**
 * nRF52840 POWER.RESETREAS bits (what Moddable's nRF52 `sleep` module reads
 * at boot). All bits zero means power-on or brown-out reset: the register
 * cannot tell them apart, so the port reports power-on. When several bits
 * are latched the most specific cause wins.
 */
export function nrf52ResetCause(resetreas: number): ResetCause {
  if (resetreas & (1 << 1)) return "watchdog"; // DOG
  if (resetreas & (1 << 3)) return "watchdog"; // LOCKUP: the CPU stopped, like a watchdog
  if (resetreas & (1 << 2)) return "software"; // SREQ (NVIC_SystemReset, System.restart)
  if (resetreas & (1 << 0)) return "external"; // RESETPIN
  if (resetreas & ((1 << 16) | (1 << 17) | (1 << 18) | (1 << 19))) return "unknown"; // wake from System OFF or debugger
  return resetreas === 0 ? "power-on" : "unknown";
}
