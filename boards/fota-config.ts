import { fromHex } from "../src/util/bytes.js";
import type { MeterConfig } from "../src/meter/config.js";

/** The manifest's `config` (mc/config) entries a device entry reads. */
export interface BuildConfig {
  [name: string]: unknown;
  /**
   * The bootloader's public key, SPKI DER in hex, set with `mcconfig ...
   * fotaKey=<hex>`; the C array `npm run imgtool -- getpub -k KEY` prints is
   * accepted as it is ("0x30, 0x59, ...").
   */
  fotaKey?: string;
  fotaSignature?: string;
  tcpPort?: string | number;
}

/**
 * The FOTA part of the meter's configuration from the build: Image Transfer
 * exists only where the board has MCUboot slots (boardPorts) and the meter
 * knows the key MCUboot verifies with. No key in the build: no Image Transfer.
 */
export function fotaConfig(config: BuildConfig): Partial<MeterConfig> {
  const text = typeof config.fotaKey === "string" ? config.fotaKey : "";
  const array = /\{([^}]*)\}/.exec(text);
  const hex = (array ? array[1] : text).replace(/0x/gi, "").replace(/[^0-9a-fA-F]/g, "");
  if (!hex) return {};
  const signature = config.fotaSignature === "ed25519" ? "ed25519" : "ecdsa-p256";
  return { fota: { keys: [fromHex(hex)], signature, blockSize: 256 } };
}
