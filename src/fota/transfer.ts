import type { FlashPartition } from "../../hal/flash.js";
import type { SystemPort } from "../../hal/system.js";
import type { EventSink } from "../events.js";
import type { KeyValueStore } from "../persistence.js";
import { bytesEqual } from "../util/bytes.js";
import { type BootloaderConfig, bootTrailerSize } from "./bootloader-config.js";
import { type ByteSource, parseImage } from "./image.js";
import { type RunningImage, checkSlot, runningImage } from "./slot-check.js";
import { type TrailerLayout, setConfirmed, setPending, trailerLayout } from "./trailer.js";
import type { ImageVerifier, Verdict } from "./verify.js";

/** image_transfer_status (Blue Book class 18 attribute 6). */
export const TransferStatus = Object.freeze({
  notInitiated: 0,
  initiated: 1,
  verificationInitiated: 2,
  verificationSuccessful: 3,
  verificationFailed: 4,
  activationInitiated: 5,
  activationSuccessful: 6,
  activationFailed: 7,
} as const);
export type TransferStatus = (typeof TransferStatus)[keyof typeof TransferStatus];

/**
 * Firmware event log codes. 17 and 18 are the IDIS standard event codes
 * (firmware ready for activation, firmware activated); the others are this
 * project's, in the manufacturer range, one per FOTA step.
 */
export const FirmwareEvent = Object.freeze({
  readyForActivation: 17,
  activated: 18,
  transferInitiated: 230,
  transferResumed: 231,
  /**
   * Once per transfer, at its verification, when any sector of the slot had
   * to be erased under the transfer (it held an older image or a torn
   * write); value: how many sectors.
   */
  sectorReerased: 232,
  /** value: VerdictCode of the refused image. */
  verificationFailed: 233,
  /** value: the verified image's security counter. */
  verificationSuccessful: 234,
  rebootForActivation: 235,
  selfTestPassed: 236,
  /** The new image failed its self-test: it stays unconfirmed and the bootloader reverts it. */
  selfTestFailed: 237,
  confirmed: 238,
  /** After an activation the old image is running again: the bootloader reverted. */
  rolledBack: 239,
  activationFailed: 240,
} as const);

/** Verdicts as event values. */
export const VerdictCode: Record<Verdict, number> = Object.freeze({
  ok: 0,
  "bad-magic": 1,
  malformed: 2,
  "no-hash": 3,
  "bad-hash": 4,
  "no-signature": 5,
  "bad-signature": 6,
  rollback: 7,
  unsupported: 8,
  "tlv-not-allowed": 9,
  "not-bootable": 10,
  downgrade: 11,
});

export interface ImageToActivate {
  readonly size: number;
  readonly identification: Uint8Array;
  /** The image's SHA-256 (what the bootloader checks), as image_to_activate_signature. */
  readonly signature: Uint8Array;
}

export interface FirmwareUpdateDeps {
  /** Slot the new image is written to (MCUboot secondary slot). */
  readonly secondary: FlashPartition;
  /** Slot of the running image (primary): read to know which image runs, written to confirm it. */
  readonly primary: FlashPartition;
  readonly store: KeyValueStore;
  readonly system: SystemPort;
  readonly events: EventSink;
  readonly verifier: ImageVerifier;
  readonly nowUtcMs: () => number;
  /** The new image's self-test, run on the first boot after activation. */
  readonly selfTest: () => boolean;
}

export interface FirmwareUpdateOptions {
  /** image_block_size in bytes; a multiple of the flash write size. */
  readonly blockSize: number;
  /** How the board's MCUboot is built: its trailer size, BOOT_MAX_ALIGN and downgrade prevention. */
  readonly bootloader: BootloaderConfig;
  /** Refuse an image of lower version than the running one even where the bootloader compares counters only (default true). */
  readonly refuseVersionDowngrade?: boolean;
  /** Transferred-block marks are committed every this many blocks (default 16) and on the power-fail warning. */
  readonly persistEvery?: number;
}

export type Refusal = "disabled" | "bad-state" | "too-large" | "bad-block" | "not-complete" | "verification-failed" | "trailer" | "bad-parameter";
export type Outcome = { ok: true } | { ok: false; refusal: Refusal };

const STATE_KEY = "fota.transfer";
const COUNTER_KEY = "fota.seccnt";
const TRIAL_KEY = "fota.trial";
const ENABLED_KEY = "fota.enabled";
/** image_identifier is kept with the state (length in one byte). */
const MAX_ID = 255;

function countMarks(bitmap: Uint8Array, blocks: number): number {
  let c = 0;
  for (let i = 0; i < blocks; i++) if (bitmap[i >> 3] & (0x80 >> (i & 7))) c++;
  return c;
}

interface State {
  status: TransferStatus;
  size: number;
  id: Uint8Array;
  bitmap: Uint8Array;
  hash: Uint8Array;
  securityCounter: number;
  /** Sectors erased under this transfer because they held other data (reported once, at verification). */
  reerased: number;
}

/**
 * The firmware-update service behind Image Transfer (class 18): blocks go
 * straight into the secondary slot, the transfer state survives power cuts
 * (KeyValueStore), verification is the bootloader's (ImageVerifier) plus
 * anti-rollback, activation writes MCUboot's trailer for a test swap and
 * reboots; on the first boot of the new image, `boot()` runs the self-test
 * and confirms the image or leaves the bootloader to revert it.
 */
export class FirmwareUpdate {
  private declare readonly d: FirmwareUpdateDeps;
  /** The image block size clients transfer (image_block_size). */
  declare readonly blockSize: number;
  private declare readonly layout: TrailerLayout;
  /** Largest image the slot takes (slot minus the bootloader's trailer). */
  declare readonly capacity: number;
  private declare readonly persistEvery: number;
  private declare isEnabled: boolean;
  private declare state: State;
  private declare sinceSave: number;
  /** Blocks marked in the bitmap (kept so that a block write never scans it). */
  private declare marked: number;
  private declare readonly bootloader: BootloaderConfig;
  private declare readonly refuseVersionDowngrade: boolean;
  private declare runningCache: RunningImage | undefined;

  constructor(deps: FirmwareUpdateDeps, options: FirmwareUpdateOptions) {
    this.sinceSave = 0;
    this.marked = 0;
    this.d = deps;
    const w = deps.secondary.geometry.writeSize;
    if (options.blockSize <= 0 || options.blockSize % w !== 0) throw new Error("image block size must be a multiple of the flash write size");
    this.blockSize = options.blockSize;
    this.bootloader = options.bootloader;
    this.refuseVersionDowngrade = options.refuseVersionDowngrade ?? true;
    this.layout = trailerLayout(deps.secondary.byteLength, options.bootloader.maxAlign ?? 8);
    // bootutil_max_image_size(): no image byte may go where the bootloader keeps its trailer.
    this.capacity = deps.secondary.byteLength - bootTrailerSize(options.bootloader);
    this.persistEvery = Math.max(1, options.persistEvery ?? 16);
    // The supply's early warning: commit the marks of the blocks since the last save.
    deps.system.onPowerFail(() => {
      if (this.sinceSave > 0) this.save();
      this.sinceSave = 0;
    });
    this.state = this.load();
    this.marked = countMarks(this.state.bitmap, this.blockCount);
    // image_transfer_enabled is configuration: it survives restarts (default: enabled).
    const e = deps.store.get(ENABLED_KEY);
    this.isEnabled = !(e && e.length === 1 && e[0] === 0);
  }

  get status(): TransferStatus {
    return this.state.status;
  }
  get enabled(): boolean {
    return this.isEnabled;
  }
  setEnabled(on: boolean): void {
    if (on === this.isEnabled) return;
    this.isEnabled = on;
    this.d.store.put(ENABLED_KEY, new Uint8Array([on ? 1 : 0]));
  }
  get imageSize(): number {
    return this.state.size;
  }
  get blockCount(): number {
    return Math.ceil(this.state.size / this.blockSize);
  }
  /** image_transferred_blocks_status: bit n (MSB first) set when block n is in flash. */
  get transferredBlocks(): { length: number; bytes: Uint8Array } {
    return { length: this.blockCount, bytes: this.state.bitmap.slice() };
  }
  get firstNotTransferred(): number {
    const n = this.blockCount;
    const bm = this.state.bitmap;
    let byte = 0;
    while (byte < bm.length && bm[byte] === 0xff) byte++;
    for (let i = byte * 8; i < n; i++) if (!this.has(i)) return i;
    return n;
  }
  get imageToActivate(): ImageToActivate | undefined {
    const s = this.state;
    // Verified and not refused since: ready (3), being activated (5), or activated (6, then it is the image that runs).
    if (s.status !== TransferStatus.verificationSuccessful && s.status !== TransferStatus.activationInitiated && s.status !== TransferStatus.activationSuccessful) return undefined;
    return { size: s.size, identification: s.id.slice(), signature: s.hash.slice() };
  }
  /** The image in the primary slot (the firmware that runs), read once per start. */
  get running(): RunningImage | undefined {
    if (this.runningCache === undefined) this.runningCache = runningImage(this.d.verifier, this.d.primary);
    return this.runningCache;
  }
  /** The stored anti-rollback minimum. */
  get minSecurityCounter(): number {
    const v = this.d.store.get(COUNTER_KEY);
    return v && v.length === 4 ? new DataView(v.buffer, v.byteOffset, 4).getUint32(0, true) : 0;
  }

  /** image_transfer_initiate: a new transfer, or the resumption of the same one (same identifier and size). */
  initiate(id: Uint8Array, size: number): Outcome {
    if (!this.isEnabled) return { ok: false, refusal: "disabled" };
    if (size <= 0 || size > this.capacity) return { ok: false, refusal: "too-large" };
    if (id.length > MAX_ID) return { ok: false, refusal: "bad-parameter" };
    const s = this.state;
    if (s.status === TransferStatus.initiated && s.size === size && bytesEqual(s.id, id)) {
      this.event(FirmwareEvent.transferResumed, this.firstNotTransferred);
      return { ok: true };
    }
    // The new (empty) state is committed before any erase, so that no
    // persisted mark can ever point at erased flash.
    this.state = { status: TransferStatus.initiated, size, id: id.slice(), bitmap: new Uint8Array(Math.ceil(Math.ceil(size / this.blockSize) / 8)), hash: new Uint8Array(0), securityCounter: 0, reerased: 0 };
    this.marked = 0;
    this.save();
    this.sinceSave = 0;
    // A stale trailer must not survive into the new image's slot.
    this.eraseRange(this.capacity, this.layout.slotSize, false);
    this.event(FirmwareEvent.transferInitiated, size);
    return { ok: true };
  }

  /** image_block_transfer: writes one block into the secondary slot. */
  block(n: number, data: Uint8Array): Outcome {
    if (!this.isEnabled) return { ok: false, refusal: "disabled" };
    const s = this.state;
    if (s.status !== TransferStatus.initiated) return { ok: false, refusal: "bad-state" };
    if (!Number.isInteger(n) || n < 0 || n >= this.blockCount) return { ok: false, refusal: "bad-block" };
    const offset = n * this.blockSize;
    const expected = Math.min(this.blockSize, s.size - offset);
    if (data.length !== expected) return { ok: false, refusal: "bad-block" };
    const flash = this.d.secondary;
    const w = flash.geometry.writeSize;
    const padded = new Uint8Array(Math.ceil(data.length / w) * w).fill(0xff);
    padded.set(data);
    // The first block into a sector that holds an older image erases it
    // before anything of this transfer is there, so that no block already
    // sent is lost to a later erase of the same sector.
    this.eraseStaleSectors(offset, offset + padded.length);
    // NOR programming only clears bits: when the region still holds data
    // the block cannot be programmed over (a torn write that differs), its
    // sectors are erased and the blocks they held are re-requested (the
    // client reads attributes 3 and 4 and sends them again).
    const current = flash.read(offset, padded.length);
    let programmable = true;
    let same = true;
    for (let i = 0; i < padded.length; i++) {
      if ((current[i] & padded[i]) !== padded[i]) programmable = false;
      if (current[i] !== padded[i]) same = false;
    }
    if (!programmable) {
      this.eraseRange(offset, offset + padded.length, true);
      same = false;
    }
    if (!same) flash.write(offset, padded);
    this.set(n);
    // Marks are saved in batches: a mark lost to a power cut only makes the
    // head-end send that block again, and an identical block costs no write.
    // The last block is saved at once so that image_verify sees it.
    if (++this.sinceSave >= this.persistEvery || n === this.blockCount - 1 || this.marked === this.blockCount) {
      this.save();
      this.sinceSave = 0;
    }
    return { ok: true };
  }

  /** image_verify: the bootloader's checks plus anti-rollback. */
  verify(): Outcome {
    const s = this.state;
    if (s.status === TransferStatus.verificationSuccessful) return { ok: true };
    if (s.status !== TransferStatus.initiated && s.status !== TransferStatus.verificationFailed) return { ok: false, refusal: "bad-state" };
    if (this.firstNotTransferred < this.blockCount) return this.verificationFailed("not-complete", VerdictCode.malformed);
    s.status = TransferStatus.verificationInitiated;
    this.save();
    if (s.reerased > 0) this.event(FirmwareEvent.sectorReerased, s.reerased);
    const source = this.imageSource();
    // The image must end within what was transferred, or the bootloader would read stale flash.
    const parsed = parseImage(source, this.capacity);
    if (parsed.ok && parsed.image.end > s.size) return this.verificationFailed("verification-failed", VerdictCode.malformed);
    const result = this.check();
    if (result.verdict !== "ok") return this.verificationFailed("verification-failed", VerdictCode[result.verdict]);
    s.status = TransferStatus.verificationSuccessful;
    s.hash = result.hash ?? new Uint8Array(0);
    s.securityCounter = result.securityCounter ?? 0;
    this.save();
    this.event(FirmwareEvent.verificationSuccessful, s.securityCounter);
    this.event(FirmwareEvent.readyForActivation);
    return { ok: true };
  }

  /** image_activate: verifies if needed, asks the bootloader for a test swap and reboots. */
  activate(): Outcome {
    let justVerified = false;
    if (this.state.status === TransferStatus.initiated || this.state.status === TransferStatus.verificationFailed) {
      const v = this.verify();
      if (!v.ok) return v;
      justVerified = true;
    }
    const s = this.state;
    if (s.status !== TransferStatus.verificationSuccessful) return { ok: false, refusal: "bad-state" };
    // Re-check right before the swap request when image_verify ran in an earlier call: flash may have changed since.
    if (!justVerified) {
      const again = this.check();
      if (again.verdict !== "ok" || !again.hash || !bytesEqual(again.hash, s.hash)) return this.verificationFailed("verification-failed", VerdictCode[again.verdict]);
    }
    // State first: a power cut after the trailer write must still find the trial on the next boot.
    s.status = TransferStatus.activationInitiated;
    this.d.store.put(TRIAL_KEY, s.hash);
    this.save();
    const written = setPending(this.d.secondary, this.layout, false);
    if (written === "bad-trailer") {
      s.status = TransferStatus.activationFailed;
      this.save();
      this.event(FirmwareEvent.activationFailed);
      return { ok: false, refusal: "trailer" };
    }
    this.event(FirmwareEvent.rebootForActivation, s.securityCounter);
    this.d.system.reboot();
    return { ok: true };
  }

  /**
   * Called once at every start-up. After an activation it tells whether the
   * new image runs (then self-test, confirm, raise the anti-rollback minimum)
   * or the old one is back (the bootloader reverted).
   */
  boot(): void {
    const s = this.state;
    if (s.status !== TransferStatus.activationInitiated) return;
    const trial = this.d.store.get(TRIAL_KEY);
    const running = this.runningImageHash();
    if (!trial || !running || !bytesEqual(trial, running)) {
      s.status = TransferStatus.activationFailed;
      this.save();
      this.event(FirmwareEvent.rolledBack);
      return;
    }
    if (!this.d.selfTest()) {
      this.event(FirmwareEvent.selfTestFailed);
      // Unconfirmed: the reset makes the bootloader revert (MCUboot REVERT
      // swap); the status stays "activation initiated" so that the old image
      // sees and logs the rollback on its next start.
      this.d.system.reboot();
      return;
    }
    this.event(FirmwareEvent.selfTestPassed);
    const c = setConfirmed(this.d.primary, this.layout);
    if (c === "bad-trailer") {
      s.status = TransferStatus.activationFailed;
      this.save();
      this.event(FirmwareEvent.activationFailed);
      return;
    }
    // Only a confirmed image raises the minimum: a reverted one must stay bootable.
    if (s.securityCounter > this.minSecurityCounter) {
      const v = new Uint8Array(4);
      new DataView(v.buffer).setUint32(0, s.securityCounter, true);
      this.d.store.put(COUNTER_KEY, v);
    }
    this.event(FirmwareEvent.confirmed, s.securityCounter);
    s.status = TransferStatus.activationSuccessful;
    this.save();
    this.event(FirmwareEvent.activated, s.securityCounter);
  }

  private runningImageHash(): Uint8Array | undefined {
    return this.running?.hash;
  }

  /**
   * The bootloader's verdict on the secondary slot (slot-check.ts, under the
   * board's bootloader configuration) plus the meter's policy: the
   * anti-rollback minimum is the stored one or the running image's counter,
   * whichever is higher, and a lower version is refused unless configured.
   */
  private check() {
    const running = this.running;
    const min = Math.max(this.minSecurityCounter, running?.securityCounter ?? 0);
    return checkSlot(this.d.verifier, this.bootloader, this.imageSource(), { running, minSecurityCounter: min, refuseVersionDowngrade: this.refuseVersionDowngrade });
  }

  /** Erases each sector under [from, to) that holds other data while no block of this transfer is marked in it. */
  private eraseStaleSectors(from: number, to: number): void {
    const flash = this.d.secondary;
    const ss = flash.geometry.sectorSize;
    for (let sec = Math.floor(from / ss); sec <= Math.floor((to - 1) / ss); sec++) {
      let marked = false;
      for (let b = Math.floor((sec * ss) / this.blockSize); b * this.blockSize < (sec + 1) * ss && b < this.blockCount; b++) {
        if (this.has(b)) {
          marked = true;
          break;
        }
      }
      if (marked || this.blank(sec * ss, ss)) continue;
      this.state.reerased++;
      flash.eraseSector(sec);
    }
  }

  private blank(offset: number, length: number): boolean {
    const flash = this.d.secondary;
    for (let o = offset; o < offset + length; o += 1024) {
      const b = flash.read(o, Math.min(1024, offset + length - o));
      for (let i = 0; i < b.length; i++) if (b[i] !== 0xff) return false;
    }
    return true;
  }

  private imageSource(): ByteSource {
    return this.d.secondary;
  }

  private verificationFailed(refusal: Refusal, code: number): Outcome {
    this.state.status = TransferStatus.verificationFailed;
    this.save();
    this.event(FirmwareEvent.verificationFailed, code);
    return { ok: false, refusal };
  }

  /** Erases the sectors under [from, to): their blocks are unmarked and that is committed first. */
  private eraseRange(from: number, to: number, count: boolean): void {
    const flash = this.d.secondary;
    const ss = flash.geometry.sectorSize;
    const first = Math.floor(from / ss);
    const last = Math.floor((to - 1) / ss);
    let cleared = false;
    for (let sec = first; sec <= last; sec++) {
      for (let b = Math.floor((sec * ss) / this.blockSize); b * this.blockSize < (sec + 1) * ss && b < this.blockCount; b++) cleared = this.clear(b) || cleared;
    }
    if (count) this.state.reerased += last - first + 1;
    if (cleared || count) {
      this.save();
      this.sinceSave = 0;
    }
    for (let sec = first; sec <= last; sec++) flash.eraseSector(sec);
  }

  private has(n: number): boolean {
    return (this.state.bitmap[n >> 3] & (0x80 >> (n & 7))) !== 0;
  }
  private set(n: number): void {
    if (this.has(n)) return;
    this.state.bitmap[n >> 3] |= 0x80 >> (n & 7);
    this.marked++;
  }
  private clear(n: number): boolean {
    if (!this.has(n)) return false;
    this.state.bitmap[n >> 3] &= ~(0x80 >> (n & 7));
    this.marked--;
    return true;
  }

  private event(code: number, value?: number): void {
    this.d.events.record(value === undefined ? { log: "firmware", code, utcMs: this.d.nowUtcMs() } : { log: "firmware", code, utcMs: this.d.nowUtcMs(), value });
  }

  // Persisted form: status u8, size u32, counter u32, re-erased sectors u16, id len u8 + id, hash len u8 + hash, bitmap.
  private save(): void {
    const s = this.state;
    const out = new Uint8Array(1 + 4 + 4 + 2 + 1 + s.id.length + 1 + s.hash.length + s.bitmap.length);
    const v = new DataView(out.buffer);
    out[0] = s.status;
    v.setUint32(1, s.size, true);
    v.setUint32(5, s.securityCounter, true);
    v.setUint16(9, Math.min(0xffff, s.reerased), true);
    out[11] = s.id.length;
    out.set(s.id, 12);
    let o = 12 + s.id.length;
    out[o++] = s.hash.length;
    out.set(s.hash, o);
    o += s.hash.length;
    out.set(s.bitmap, o);
    this.d.store.put(STATE_KEY, out);
  }

  private load(): State {
    const empty: State = { status: TransferStatus.notInitiated, size: 0, id: new Uint8Array(0), bitmap: new Uint8Array(0), hash: new Uint8Array(0), securityCounter: 0, reerased: 0 };
    const b = this.d.store.get(STATE_KEY);
    // The store returns what was put; a value of another layout (older firmware) is ignored, not trusted.
    if (!b || b.length < 13) return empty;
    const v = new DataView(b.buffer, b.byteOffset, b.length);
    const status = b[0];
    const size = v.getUint32(1, true);
    const securityCounter = v.getUint32(5, true);
    const reerased = v.getUint16(9, true);
    const idLen = b[11];
    if (status > 7 || 12 + idLen + 1 > b.length) return empty;
    const id = b.slice(12, 12 + idLen);
    let o = 12 + idLen;
    const hLen = b[o++];
    if (o + hLen > b.length) return empty;
    const hash = b.slice(o, o + hLen);
    o += hLen;
    const bitmap = b.slice(o);
    if (bitmap.length !== Math.ceil(Math.ceil(size / this.blockSize) / 8)) return empty;
    if (size > this.capacity) return empty;
    // A verification cut by a power loss is simply run again.
    const resumed = status === TransferStatus.verificationInitiated ? TransferStatus.initiated : status;
    return { status: resumed as TransferStatus, size, id, bitmap, hash, securityCounter, reerased };
  }
}
