// Moddable SDK modules/io/system/system.js: the `system` module the io
// manifests map for ESP32, nRF52 and Zephyr (not `embedded:io/system`, the
// name @moddable/typings 5.6.0 declares).
declare module "system" {
  export default class System {
    static restart(): void;
    static deepSleep(...args: unknown[]): void;
  }
}
