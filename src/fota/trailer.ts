import type { FlashPartition } from "../../hal/flash.js";

/**
 * MCUboot's image trailer at the end of a slot (MCUBOOT-FORMAT.md section 7;
 * bootutil_misc.h:28-64, bootutil_public.c:60-79,105-260,302-374,542-750).
 * The meter writes it the way boot_set_pending_multi() and
 * boot_set_confirmed_multi() do, so the real bootloader reads what it expects.
 */
const BOOT_MAGIC_8 = new Uint8Array([0x77, 0xc2, 0x95, 0xf3, 0x60, 0xd2, 0xef, 0x7f, 0x35, 0x52, 0x50, 0x0f, 0x2c, 0xb6, 0x79, 0x80]);
const BOOT_MAGIC_TAIL = Object.freeze([0x2d, 0xe1, 0x5d, 0x29, 0x41, 0x0b, 0x8d, 0x77, 0x67, 0x9c, 0x11, 0x0f, 0x1f, 0x8a]);

export const SwapType = Object.freeze({ none: 1, test: 2, perm: 3, revert: 4, fail: 5, panic: 0xff } as const);
export type SwapType = (typeof SwapType)[keyof typeof SwapType];

export interface TrailerLayout {
  readonly slotSize: number;
  /** BOOT_MAX_ALIGN (M): 8 unless the flash needs more. */
  readonly maxAlign: number;
  readonly magicAlign: number;
  readonly magicOff: number;
  readonly imageOkOff: number;
  readonly copyDoneOff: number;
  readonly swapInfoOff: number;
  readonly swapSizeOff: number;
}

export function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

export function trailerLayout(slotSize: number, maxAlign = 8): TrailerLayout {
  const magicAlign = alignUp(16, maxAlign);
  const magicOff = slotSize - 16;
  const imageOkOff = Math.floor((slotSize - 16 - maxAlign) / maxAlign) * maxAlign;
  const copyDoneOff = imageOkOff - maxAlign;
  const swapInfoOff = copyDoneOff - maxAlign;
  return { slotSize, maxAlign, magicAlign, magicOff, imageOkOff, copyDoneOff, swapInfoOff, swapSizeOff: swapInfoOff - maxAlign };
}

/** The 16 magic bytes for a given BOOT_MAX_ALIGN (bootutil_public.c:60-79). */
export function bootMagic(maxAlign: number): Uint8Array {
  if (maxAlign === 8) return BOOT_MAGIC_8.slice();
  const m = new Uint8Array(16);
  m[0] = maxAlign & 0xff;
  m[1] = (maxAlign >> 8) & 0xff;
  m.set(BOOT_MAGIC_TAIL, 2);
  return m;
}

/**
 * imgtool's trailer size (image.py:856-877): the swap status area for
 * `maxSectors` sectors of 3 states, 4 flag slots and the magic. Images must
 * end before slotSize minus this.
 */
export function imgtoolTrailerSize(writeAlign: number, maxAlign = Math.max(8, writeAlign), maxSectors = 128): number {
  return maxSectors * 3 * writeAlign + 4 * maxAlign + alignUp(16, maxAlign);
}

export type MagicState = "good" | "unset" | "bad";
export type FlagState = "set" | "unset" | "bad";

export interface TrailerState {
  readonly magic: MagicState;
  readonly imageOk: FlagState;
  readonly copyDone: FlagState;
  /** Raw swap_info byte: low nibble swap type, high nibble image index. */
  readonly swapInfo: number;
}

function flag(b: number): FlagState {
  return b === 0xff ? "unset" : b === 0x01 ? "set" : "bad";
}

export function readTrailer(flash: Pick<FlashPartition, "read">, layout: TrailerLayout): TrailerState {
  const m = flash.read(layout.magicOff, 16);
  const expected = bootMagic(layout.maxAlign);
  let erased = true;
  let equal = true;
  for (let i = 0; i < 16; i++) {
    if (m[i] !== 0xff) erased = false;
    if (m[i] !== expected[i]) equal = false;
  }
  return {
    magic: equal ? "good" : erased ? "unset" : "bad",
    imageOk: flag(flash.read(layout.imageOkOff, 1)[0]),
    copyDone: flag(flash.read(layout.copyDoneOff, 1)[0]),
    swapInfo: flash.read(layout.swapInfoOff, 1)[0],
  };
}

/** One trailer field, padded with the erased value to the flash write size (boot_write_trailer). */
function writePadded(flash: FlashPartition, offset: number, bytes: Uint8Array, padBefore = 0): void {
  const w = flash.geometry.writeSize;
  const len = alignUp(padBefore + bytes.length, w);
  const buf = new Uint8Array(len).fill(0xff);
  buf.set(bytes, padBefore);
  flash.write(offset - padBefore, buf);
}

export function writeMagic(flash: FlashPartition, layout: TrailerLayout): void {
  // boot_write_magic pads the magic to BOOT_MAGIC_ALIGN_SIZE, ending at the slot end.
  writePadded(flash, layout.magicOff, bootMagic(layout.maxAlign), layout.magicAlign - 16);
}

export function writeFlag(flash: FlashPartition, offset: number, value = 0x01): void {
  writePadded(flash, offset, new Uint8Array([value]));
}

export type TrailerWriteResult = "written" | "unchanged" | "bad-trailer";

/**
 * boot_set_pending_multi() on the secondary slot: ask for a test swap
 * (revert unless the new image confirms itself) or a permanent one. When the
 * magic is already good (an imgtool --pad image) nothing is written, as in
 * MCUboot; a bad magic is refused (the slot must be erased and re-sent).
 */
export function setPending(secondary: FlashPartition, layout: TrailerLayout, permanent: boolean, imageIndex = 0): TrailerWriteResult {
  const state = readTrailer(secondary, layout);
  if (state.magic === "good") return "unchanged";
  if (state.magic === "bad") return "bad-trailer";
  if (state.imageOk !== "unset" || state.copyDone !== "unset" || state.swapInfo !== 0xff) return "bad-trailer";
  writeMagic(secondary, layout);
  if (permanent) writeFlag(secondary, layout.imageOkOff);
  writeFlag(secondary, layout.swapInfoOff, ((imageIndex & 0xf) << 4) | (permanent ? SwapType.perm : SwapType.test));
  return "written";
}

/** boot_set_confirmed_multi() on the primary slot: the running image keeps itself. */
export function setConfirmed(primary: FlashPartition, layout: TrailerLayout): TrailerWriteResult {
  const state = readTrailer(primary, layout);
  if (state.magic === "unset") return "unchanged"; // nothing to confirm: not a test boot
  if (state.magic === "bad") return "bad-trailer";
  if (state.imageOk === "set") return "unchanged";
  // A power cut during an earlier confirm can leave image_ok half programmed
  // (only some of 0x01's zero bits cleared); programming 0x01 again finishes
  // it, since NOR programming only clears bits. Anything else is refused.
  if (state.imageOk === "bad" && (primary.read(layout.imageOkOff, 1)[0] & 0x01) !== 0x01) return "bad-trailer";
  writeFlag(primary, layout.imageOkOff);
  return "written";
}

/** boot_swap_type() as docs/design.md:718-823 tabulates it. */
export function swapType(primary: TrailerState, secondary: TrailerState): SwapType {
  if (secondary.magic === "good" && secondary.imageOk === "unset") return SwapType.test;
  if (secondary.magic === "good" && secondary.imageOk === "set") return SwapType.perm;
  if (primary.magic === "good" && primary.imageOk === "unset" && primary.copyDone === "set") return SwapType.revert;
  return SwapType.none;
}
