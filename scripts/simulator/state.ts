/**
 * The simulator's state directory: what a real meter keeps in flash and in
 * its battery-backed RTC. Files are replaced atomically (write to a
 * temporary name, fsync, rename), so a simulator killed at any instant
 * leaves the previous or the new state, never a torn file.
 *
 *  flash.bin the meter's data partition, byte for byte: the log-structured
 *           store with settings, counters, energy and the load profile.
 *           Every program and erase is written through at its offset as it
 *           happens, so killing the simulator is a power cut at that
 *           instant, which the store recovers from like on a board.
 *  slot0.bin, slot1.bin  MCUboot's primary and secondary image slots
 *  fota-signing-key.pem  the P-256 key the simulated meter's bootloader trusts
 *  rtc.json the RTC at the last save and the host time it was saved at, so
 *           the meter clock keeps running while the simulator is stopped
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from "node:fs";
import type { FlashGeometry, FlashPartition } from "../../hal/flash.js";
import { SimFlash } from "../../hal/sim/flash.js";
import { generateKey, isPrivate, loadKey, privateKeyPem, type PrivateSigningKey } from "../imgtool/keys.js";
import { join } from "node:path";

function writeAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, typeof data === "string" ? Buffer.from(data, "utf8") : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** A state file the simulator refuses to use (left as it is). */
class StateFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StateFileError";
  }
}

/** A simulated flash partition mirrored to a file at every program and erase. */
class FileFlash implements FlashPartition {
  readonly #flash: SimFlash;
  readonly #fd: number;

  constructor(path: string, geometry: FlashGeometry) {
    const size = geometry.sectorSize * geometry.sectorCount;
    const fresh = !existsSync(path);
    // A file of another size is another board's partition, or a truncated or extended copy: never
    // started over (that would destroy the meter's data silently); the user decides.
    if (!fresh && statSync(path).size !== size) {
      throw new StateFileError(
        `${path} is ${statSync(path).size} bytes but this partition is ${size} bytes (${geometry.sectorCount} sectors of ${geometry.sectorSize}): ` +
          `it was made with another --board, or truncated or extended. Nothing was changed; start with the --board it was made with, or use another --state directory (or move the file away) to start a fresh meter`,
      );
    }
    const image = fresh ? undefined : new Uint8Array(readFileSync(path));
    this.#flash = new SimFlash(geometry, image);
    this.#fd = openSync(path, fresh ? "w+" : "r+");
    if (fresh) {
      writeSync(this.#fd, this.#flash.exportImage(), 0, size, 0);
      fsyncSync(this.#fd);
    }
  }

  get geometry(): FlashGeometry {
    return this.#flash.geometry;
  }

  get byteLength(): number {
    return this.#flash.byteLength;
  }

  read(offset: number, length: number): Uint8Array {
    return this.#flash.read(offset, length);
  }

  write(offset: number, data: Uint8Array): void {
    this.#flash.write(offset, data);
    // NOR programming ANDs into what was there: mirror the resulting bytes.
    writeSync(this.#fd, this.#flash.read(offset, data.length), 0, data.length, offset);
  }

  eraseSector(sector: number): void {
    this.#flash.eraseSector(sector);
    const size = this.#flash.geometry.sectorSize;
    writeSync(this.#fd, new Uint8Array(size).fill(0xff), 0, size, sector * size);
  }

  /** Flushes to the disk (clean stop). */
  sync(): void {
    fsyncSync(this.#fd);
  }

  close(): void {
    fsyncSync(this.#fd);
    closeSync(this.#fd);
  }
}

export interface RtcState {
  utcMs: number;
  hostMs: number;
}

export class StateDir {
  readonly flash: FileFlash;
  readonly slots: { primary: FileFlash; secondary: FileFlash };
  /** The simulated meter's firmware signing key (made on first start; its public half is built into the meter). */
  readonly fotaKeyPath: string;
  readonly fotaKey: PrivateSigningKey;

  constructor(
    readonly dir: string,
    geometry: FlashGeometry,
    slotGeometry: FlashGeometry,
  ) {
    mkdirSync(dir, { recursive: true });
    this.flash = new FileFlash(join(dir, "flash.bin"), geometry);
    this.slots = { primary: new FileFlash(join(dir, "slot0.bin"), slotGeometry), secondary: new FileFlash(join(dir, "slot1.bin"), slotGeometry) };
    this.fotaKeyPath = join(dir, "fota-signing-key.pem");
    if (!existsSync(this.fotaKeyPath)) writeAtomic(this.fotaKeyPath, privateKeyPem(generateKey("ecdsa-p256")));
    const k = loadKey(readFileSync(this.fotaKeyPath, "utf8"));
    if (!isPrivate(k)) throw new Error(`${this.fotaKeyPath}: not a private key`);
    this.fotaKey = k;
  }

  /** Where the meter clock stands now: the saved RTC plus the host time since (the RTC ran on its battery). */
  rtcNow(hostNowMs: number): number | undefined {
    const p = join(this.dir, "rtc.json");
    if (!existsSync(p)) return undefined;
    try {
      const s = JSON.parse(readFileSync(p, "utf8")) as RtcState;
      if (typeof s.utcMs !== "number" || typeof s.hostMs !== "number" || !Number.isFinite(s.utcMs)) return undefined;
      return s.utcMs + Math.max(0, hostNowMs - s.hostMs);
    } catch {
      return undefined;
    }
  }

  saveRtc(utcMs: number, hostMs: number): void {
    writeAtomic(join(this.dir, "rtc.json"), JSON.stringify({ utcMs, hostMs } satisfies RtcState) + "\n");
  }

  save(utcMs: number, hostMs: number): void {
    this.flash.sync();
    this.slots.primary.sync();
    this.slots.secondary.sync();
    this.saveRtc(utcMs, hostMs);
  }

  close(): void {
    this.flash.close();
    this.slots.primary.close();
    this.slots.secondary.close();
  }
}
