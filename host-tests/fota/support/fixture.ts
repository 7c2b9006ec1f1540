/**
 * A meter's FOTA parts on simulated hardware for the end-to-end tests: two
 * 256 KiB slots on simulated NOR flash (hal/sim/flash.ts, with power cuts),
 * a key-value store that survives reboots, a recording system port and event
 * sink, and the simulated bootloader. `powerOn()` is one boot: bootloader,
 * then the firmware's FOTA service and its class 18 object.
 */
import { SimCrypto } from "../../../hal/sim/crypto.js";
import type { FlashGeometry } from "../../../hal/flash.js";
import { ESP32_NOR, SimFlash, withSectors } from "../../../hal/sim/flash.js";
import type { ResetCause, SystemPort } from "../../../hal/system.js";
import { D, Tag, type Data } from "../../../src/cosem/axdr.js";
import { ImageTransferObject } from "../../../src/cosem/classes/image-transfer.js";
import { ActionResult, type AccessContext } from "../../../src/cosem/interface-class.js";
import type { EventSink, MeterEvent } from "../../../src/events.js";
import { trailerLayout } from "../../../src/fota/trailer.js";
import { FirmwareUpdate } from "../../../src/fota/transfer.js";
import { ImageVerifier } from "../../../src/fota/verify.js";
import { MemoryKeyValueStore, type KeyValueStore } from "../../../src/persistence.js";
import { LogKeyValueStore } from "../../../src/storage/kv-store.js";
import { LogStore } from "../../../src/storage/log-store.js";
import { RIG_BOOTLOADER, SimBootloader, type BootOutcome } from "./bootloader-sim.js";
import { bootTrailerSize } from "../../../src/fota/bootloader-config.js";

export const TRAILER = bootTrailerSize(RIG_BOOTLOADER);
export const ctx: AccessContext = { role: "firmware", clientSap: 0x40, nowUtcMs: 0 };

class RecordingSystem implements SystemPort {
  reboots = 0;
  resetCause(): ResetCause {
    return "software";
  }
  reboot(): void {
    this.reboots++;
  }
  handlers: (() => void)[] = [];
  onPowerFail(handler: () => void): void {
    this.handlers.push(handler);
  }
  kickWatchdog(): void {}
}

export class FotaRig {
  readonly primary: SimFlash;
  readonly secondary: SimFlash;
  /** Where the FOTA state lives: RAM, or the flash key-value store of src/storage on its own partition. */
  store: KeyValueStore = new MemoryKeyValueStore();
  readonly settings: SimFlash | undefined;
  readonly events: MeterEvent[] = [];
  readonly system = new RecordingSystem();
  readonly layout: ReturnType<typeof trailerLayout>;
  readonly verifier: ImageVerifier;
  readonly bootloader: SimBootloader;
  selfTestPasses = true;
  service!: FirmwareUpdate;
  object!: ImageTransferObject;
  lastBoot: BootOutcome = "none";
  #now = 1_700_000_000_000;

  constructor(keys: Uint8Array[], readonly blockSize = 64, geometry: FlashGeometry = ESP32_NOR, kv: "memory" | "flash" = "memory") {
    if (kv === "flash") this.settings = new SimFlash(withSectors(geometry, 8));
    this.primary = new SimFlash(geometry);
    this.secondary = new SimFlash(geometry);
    this.layout = trailerLayout(this.primary.byteLength, 8);
    this.verifier = new ImageVerifier({ signature: "ecdsa-p256", keys, maxImageSize: this.primary.byteLength - TRAILER }, new SimCrypto());
    this.bootloader = new SimBootloader(this.primary, this.secondary, RIG_BOOTLOADER, this.verifier);
  }

  /** Puts an image in a slot as a factory would (no trailer). */
  install(slot: SimFlash, image: Uint8Array): void {
    for (let i = 0; i < slot.geometry.sectorCount; i++) slot.eraseSector(i);
    const w = slot.geometry.writeSize;
    const padded = new Uint8Array(Math.ceil(image.length / w) * w).fill(0xff);
    padded.set(image);
    slot.write(0, padded);
  }

  /**
   * One power-up: the bootloader runs, then the firmware builds its FOTA
   * service. `cutFirmwareAt` loses power at that flash step of the firmware's
   * own start-up (after the bootloader), on the primary slot.
   */
  powerOn(cutFirmwareAt?: number, seed = 1): BootOutcome {
    this.primary.powerOn();
    this.secondary.powerOn();
    if (this.settings) {
      this.settings.powerOn();
      const log = new LogStore(this.settings);
      this.store = new LogKeyValueStore(log);
      log.mount();
    }
    this.system.handlers = [];
    this.lastBoot = this.bootloader.boot();
    if (cutFirmwareAt !== undefined) this.primary.cutAt(cutFirmwareAt, seed);
    const sink: EventSink = { record: (e) => this.events.push(e) };
    this.service = new FirmwareUpdate(
      {
        primary: this.primary,
        secondary: this.secondary,
        store: this.store,
        system: this.system,
        events: sink,
        verifier: this.verifier,
        nowUtcMs: () => this.#now++,
        selfTest: () => this.selfTestPasses,
      },
      { blockSize: this.blockSize, bootloader: RIG_BOOTLOADER },
    );
    this.object = new ImageTransferObject(this.service);
    this.service.boot();
    return this.lastBoot;
  }

  /** The supply's early warning, as SystemPort delivers it before the power goes. */
  powerFailWarning(): void {
    for (const h of this.system.handlers) h();
  }

  get(attribute: number): Data {
    const r = this.object.get(attribute, ctx);
    if (!r.ok || !("tag" in r.value)) throw new Error(`GET ${attribute} failed`);
    return r.value;
  }

  action(method: number, params: Data): number {
    return this.object.action(method, params, ctx).result;
  }

  codes(): number[] {
    return this.events.filter((e) => e.log === "firmware").map((e) => e.code);
  }
}

export function initiateParams(id: Uint8Array, size: number): Data {
  return D.struct(D.octets(id), D.u32(size));
}

export function blockParams(n: number, data: Uint8Array): Data {
  return D.struct(D.u32(n), D.octets(data));
}

/**
 * What a head-end does (Blue Book 4.4.6.4): initiate, send every block the
 * meter reports missing, until image_first_not_transferred_block_number
 * reaches the block count. Returns the action results that were not success.
 */
export function sendImage(rig: FotaRig, id: Uint8Array, image: Uint8Array): number[] {
  const failures: number[] = [];
  const r = rig.action(1, initiateParams(id, image.length));
  if (r !== ActionResult.success) failures.push(r);
  const bs = (rig.get(2) as { value: number }).value;
  const count = Math.ceil(image.length / bs);
  for (let guard = 0; guard < 4; guard++) {
    const bits = rig.get(3);
    if (bits.tag !== Tag.BitString) throw new Error("attribute 3 is not a bit-string");
    for (let n = 0; n < count; n++) {
      if (bits.value.bytes[n >> 3] & (0x80 >> (n & 7))) continue;
      const res = rig.action(2, blockParams(n, image.subarray(n * bs, Math.min(image.length, (n + 1) * bs))));
      if (res !== ActionResult.success) failures.push(res);
    }
    if ((rig.get(4) as { value: number }).value >= count) break;
  }
  return failures;
}
