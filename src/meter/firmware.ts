/**
 * The meter's firmware update wiring: blocks go to the secondary slot,
 * verification is the board's bootloader's (same keys, signature type,
 * allow-list and trailer geometry), activation requests a test swap and
 * reboots. FirmwareUpdate.boot() runs at every start, last: on the first
 * boot of a new image it runs the self-test (the meter was built, so the
 * catalog and the store work) and confirms the image, or leaves the
 * bootloader to revert it. Its COSEM objects: Image Transfer (class 18) and
 * the active firmware identifier and signature.
 */
import { Tag } from "../cosem/axdr.js";
import { DataObject } from "../cosem/classes/data.js";
import { ImageTransferObject } from "../cosem/classes/image-transfer.js";
import { MCUBOOT_ESP32, maxImageSize } from "../fota/bootloader-config.js";
import { versionString } from "../fota/image.js";
import { FirmwareUpdate } from "../fota/transfer.js";
import { ImageVerifier } from "../fota/verify.js";
import { noMethods, readAll, type Catalog } from "./catalog.js";
import type { MeterConfig } from "./config.js";
import { FaultKind, guardedSystem } from "./faults.js";
import { EVERYONE_READS } from "./identity.js";
import type { Meter } from "./meter.js";
import * as ln from "./obis-codes.js";
import type { MeterPorts } from "./ports.js";

/** Image Transfer when the board has slots, the configuration keys and the meter a crypto port. */
export function wireFirmware(m: Meter, ports: MeterPorts, config: MeterConfig): FirmwareUpdate | undefined {
  const slots = ports.slots;
  const fota = config.fota;
  const crypto = ports.crypto;
  if (!slots || !fota || !crypto) return undefined;
  // The verdict is the board's bootloader's: its signature type, allow-list and trailer geometry.
  const bootloader = { ...(fota.bootloader ?? MCUBOOT_ESP32), signature: fota.signature };
  const verifier = new ImageVerifier(
    { signature: fota.signature, keys: fota.keys, tlvAllowList: bootloader.tlvAllowList, maxImageSize: maxImageSize(bootloader, slots.secondary.byteLength) },
    crypto,
  );
  return new FirmwareUpdate(
    {
      primary: slots.primary,
      secondary: slots.secondary,
      store: m.store,
      system: guardedSystem(ports.system, m.faults, FaultKind.powerFailFirmware),
      events: m.events,
      verifier,
      nowUtcMs: () => m.clock.now(),
      selfTest: () => m.catalog.entries.length > 0 && (fota.selfTest === undefined || fota.selfTest()),
    },
    { blockSize: fota.blockSize, bootloader, refuseVersionDowngrade: fota.refuseVersionDowngrade },
  );
}

/**
 * The firmware client and management transfer images; the reader may watch
 * the progress. Which firmware runs (Blue Book 7.5.1 / IDIS): the
 * identifier is the running MCUboot image's version, the signature its
 * image hash (what the bootloader checked), read from the primary slot on
 * first use (hashing the slot is not worth doing at every start).
 */
export function addFirmwareObjects(c: Catalog, fw: FirmwareUpdate): void {
  const transfer: [string, string] = ["r r r r rw r r", "x x x x"];
  // image_transfer_enabled is kept by the firmware update service itself.
  c.add(new ImageTransferObject(fw, ln.IMAGE_TRANSFER), { reader: [readAll(7), noMethods(4)], management: transfer, firmware: transfer }, []);
  const empty = new Uint8Array(0);
  const identifier = () => {
    const r = fw.running;
    return { tag: Tag.OctetString, value: r ? asciiBytes(versionString(r.version)) : empty } as const;
  };
  c.add(new DataObject(ln.ACTIVE_FIRMWARE_IDENTIFIER, { read: identifier }), EVERYONE_READS);
  c.add(new DataObject(ln.ACTIVE_FIRMWARE_SIGNATURE, { read: () => ({ tag: Tag.OctetString, value: fw.running?.hash ?? empty }) as const }), EVERYONE_READS);
}

/** A version string's bytes (digits, dots and '+': ASCII). */
function asciiBytes(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0x7f);
}
