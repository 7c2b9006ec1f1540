/**
 * The image a simulated meter leaves the factory with: the primary slot of a
 * fresh state directory gets an MCUboot image signed with the state's key,
 * version 1.0.0+0, security counter 1, so that the meter has a running image
 * to report (active firmware identifier and signature) and the bootloader a
 * running image to compare an update against. Its payload stands for the
 * firmware the simulator runs; the simulated firmware is the same code
 * whatever the image holds.
 */
import type { FlashPartition } from "../../hal/flash.js";
import { IMAGE_MAGIC, decodeHeader } from "../../src/fota/image.js";
import type { PrivateSigningKey } from "../imgtool/keys.js";
import { sign } from "../imgtool/sign.js";

const FACTORY_VERSION = { major: 1, minor: 0, revision: 0, build: 0 } as const;
const FACTORY_SECURITY_COUNTER = 1;

/** Writes the factory image when the primary slot holds no image header; returns whether it did. */
export function installFactoryImage(primary: FlashPartition, key: PrivateSigningKey): boolean {
  if (decodeHeader(primary.read(0, 32)).magic === IMAGE_MAGIC) return false;
  const payload = new TextEncoder().encode("meterkit simulator firmware 1.0.0\n".repeat(2800));
  const { image } = sign(payload, {
    key,
    headerSize: 0x200,
    padHeader: true,
    version: FACTORY_VERSION,
    securityCounter: FACTORY_SECURITY_COUNTER,
    slotSize: primary.byteLength,
    align: 4,
    maxSectors: 512,
  });
  for (let i = 0; i < primary.geometry.sectorCount; i++) primary.eraseSector(i);
  primary.write(0, image);
  return true;
}
