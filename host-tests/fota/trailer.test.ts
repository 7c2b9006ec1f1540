/**
 * The slot trailer the meter writes is the one MCUboot reads: its bytes
 * match imgtool's trailers in mcuboot-imgtool-2/images/ (ec256_confirm_align8,
 * ec256_pad_align16, ec256_test_align8) at the offsets vectors.json lists,
 * on 1-byte (ESP32 NOR) and 4-byte (nRF52840) write sizes; the swap type
 * read back is the one MCUBOOT-FORMAT.md section 7 tabulates.
 */
import { describe, expect, it } from "vitest";
import { ESP32_NOR, NRF52840_INTERNAL, SimFlash } from "../../hal/sim/flash.js";
import { bytesSource } from "../../src/fota/image.js";
import { readTrailer, setConfirmed, setPending, swapType, SwapType, trailerLayout } from "../../src/fota/trailer.js";
import { toHex } from "../../src/util/bytes.js";
import { SLOT_SIZE, set2, set2File } from "./support/mcuboot-vectors.js";

const geometries = [
  { name: "ESP32 NOR (write 1)", g: ESP32_NOR },
  { name: "nRF52840 (write 4)", g: NRF52840_INTERNAL },
];

function tail(bytes: Uint8Array | SimFlash, from: number): string {
  const b = bytes instanceof SimFlash ? bytes.read(from, SLOT_SIZE - from) : bytes.subarray(from);
  return toHex(b);
}

describe("trailer writes", () => {
  it.each(geometries)("permanent request on $name: magic and image_ok as imgtool --confirm writes them (ec256_confirm_align8), swap_info 0x03", ({ g }) => {
    const flash = new SimFlash(g);
    const layout = trailerLayout(SLOT_SIZE, 8);
    expect(setPending(flash, layout, true)).toBe("written");
    const vec = set2File("images/ec256_confirm_align8.bin");
    const meta = set2.images.find((i) => i.name === "ec256_confirm_align8")?.trailer;
    expect(meta?.layout.image_ok_off).toBe(layout.imageOkOff);
    // From image_ok to the end the bytes are imgtool's; swap_info is the bootloader's own field.
    expect(tail(flash, layout.imageOkOff)).toBe(tail(vec, layout.imageOkOff));
    expect(flash.read(layout.swapInfoOff, 1)[0]).toBe(0x03);
    expect(flash.read(layout.copyDoneOff, 1)[0]).toBe(0xff);
    expect(swapType(readTrailer(new SimFlash(g), layout), readTrailer(flash, layout))).toBe(SwapType.perm);
  });

  it.each(geometries)("test request on $name: the trailer of imgtool --test (ec256_test_align8) plus swap_info 0x02; a second request changes nothing", ({ g }) => {
    const flash = new SimFlash(g);
    const layout = trailerLayout(SLOT_SIZE, 8);
    expect(setPending(flash, layout, false)).toBe("written");
    const vec = set2File("images/ec256_test_align8.bin");
    expect(tail(flash, layout.copyDoneOff)).toBe(tail(vec, layout.copyDoneOff));
    expect(flash.read(layout.swapInfoOff, 1)[0]).toBe(0x02);
    const steps = flash.steps;
    expect(setPending(flash, layout, false)).toBe("unchanged");
    expect(flash.steps).toBe(steps);
    expect(swapType(readTrailer(new SimFlash(g), layout), readTrailer(flash, layout))).toBe(SwapType.test);
  });

  it("BOOT_MAX_ALIGN 16: the alternate magic of ec256_pad_align16 at the same offset", () => {
    const flash = new SimFlash(ESP32_NOR);
    const layout = trailerLayout(SLOT_SIZE, 16);
    setPending(flash, layout, false);
    const meta = set2.images.find((i) => i.name === "ec256_pad_align16")?.trailer;
    expect(toHex(flash.read(layout.magicOff, 16))).toBe(meta?.layout.expected_magic);
    expect(tail(flash, layout.imageOkOff)).toBe(tail(set2File("images/ec256_pad_align16.bin"), layout.imageOkOff));
  });

  it("an imgtool --pad image already asks for a test swap: nothing is written (bootutil_public.c:542-554)", () => {
    const layout = trailerLayout(SLOT_SIZE, 8);
    const src = bytesSource(set2File("images/ec256_pad_align8.bin"), SLOT_SIZE);
    expect(readTrailer(src, layout)).toMatchObject({ magic: "good", imageOk: "unset" });
    const flash = new SimFlash(ESP32_NOR, set2File("images/ec256_pad_align8.bin"));
    expect(setPending(flash, layout, true)).toBe("unchanged");
  });

  it("confirming: only a primary in test (magic good, image_ok unset) gets image_ok; a bad trailer is refused", () => {
    const layout = trailerLayout(SLOT_SIZE, 8);
    const blank = new SimFlash(ESP32_NOR);
    expect(setConfirmed(blank, layout)).toBe("unchanged");
    const test = new SimFlash(ESP32_NOR, set2File("images/ec256_test_align8.bin"));
    expect(setConfirmed(test, layout)).toBe("written");
    expect(tail(test, layout.imageOkOff)).toBe(tail(set2File("images/ec256_confirm_align8.bin"), layout.imageOkOff));
    expect(setConfirmed(test, layout)).toBe("unchanged");
    const bad = new SimFlash(ESP32_NOR);
    bad.write(layout.magicOff, new Uint8Array(16));
    expect(setConfirmed(bad, layout)).toBe("bad-trailer");
    expect(setPending(bad, layout, false)).toBe("bad-trailer");
  });

  it("swap types of MCUBOOT-FORMAT.md section 7: revert when the primary ran a test image (copy_done set, image_ok unset)", () => {
    const unset = { magic: "unset", imageOk: "unset", copyDone: "unset", swapInfo: 0xff } as const;
    expect(swapType(unset, unset)).toBe(SwapType.none);
    expect(swapType({ magic: "good", imageOk: "unset", copyDone: "set", swapInfo: 2 }, unset)).toBe(SwapType.revert);
    expect(swapType({ magic: "good", imageOk: "set", copyDone: "set", swapInfo: 2 }, unset)).toBe(SwapType.none);
  });
});
