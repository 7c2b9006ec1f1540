// Moddable SDK modules/io/system/system.js (SDK 8.2.3): the `system` module
// the io manifests map for ESP32, nRF52 and Zephyr (not `embedded:io/system`,
// the name @moddable/typings 5.6.0 declares). It exports nothing: evaluating
// it sets `globalThis.System` (and `globalThis.device`). So the module has no
// default export, and the class is reached through globalThis.
declare module "system" {}

/** The static methods of `globalThis.System` that the HAL uses. */
interface ModdableSystemGlobal {
  restart(): void;
  deepSleep(...args: unknown[]): void;
}
