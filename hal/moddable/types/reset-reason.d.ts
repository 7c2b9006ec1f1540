// Moddable SDK build/devices/esp32/modules/resetReason/resetReason.js (ESP32
// only): `reason` is ESP-IDF's esp_reset_reason_t.
declare module "resetReason" {
  export default function getResetReason(): { reason: number; string: string };
}
