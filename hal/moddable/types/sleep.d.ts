// Moddable SDK build/devices/nrf52/modules/sleep/sleep.js (nRF52 only):
// `resetReason` is the POWER.RESETREAS register latched at boot.
declare module "sleep" {
  export class Sleep {
    static get resetReason(): number;
  }
  export default Sleep;
}
