/**
 * The meter's side of the issue-17 findings, through the class 18 object on
 * simulated flash (Node and XS), with images made by MCUboot's imgtool
 * (fixtures/bootloader-rules, see make.py there):
 *  - an upload over a secondary slot that holds an older image needs no
 *    block twice (the first block into a sector erases it) and logs one
 *    firmware event 232 whose value is the number of sectors erased;
 *  - the anti-rollback minimum is the running image's security counter
 *    even before anything was stored, and a lower version with the same
 *    counter is refused unless configured otherwise;
 *  - a non-bootable image is refused by the meter as by the bootloader.
 */
import { describe, expect, it } from "vitest";
import { D, Tag } from "../../src/cosem/axdr.js";
import { ActionResult } from "../../src/cosem/interface-class.js";
import { FirmwareEvent, TransferStatus, VerdictCode } from "../../src/fota/transfer.js";
import { utf8Encode } from "../../src/util/bytes.js";
import { base64 as fixtures } from "../generated/fixtures-bootloader-rules.js";
import { base64ToBytes } from "../support/vectors.js";
import { FotaRig, blockParams, initiateParams } from "./support/fixture.js";
import { set2Spki } from "./support/mcuboot-vectors.js";

const image = (name: string) => base64ToBytes(fixtures[name]);

function rig(running?: string): FotaRig {
  const r = new FotaRig([set2Spki("ec256")], 256);
  if (running) r.install(r.primary, image(running));
  r.powerOn();
  return r;
}

/** One pass over the blocks, in order, as a client that never reads attribute 3 would send them. */
function sendOnce(r: FotaRig, img: Uint8Array): void {
  expect(r.action(1, initiateParams(utf8Encode("new"), img.length))).toBe(ActionResult.success);
  for (let n = 0; n * 256 < img.length; n++) expect(r.action(2, blockParams(n, img.subarray(n * 256, Math.min(img.length, (n + 1) * 256))))).toBe(ActionResult.success);
}

function verdictOf(r: FotaRig): number | undefined {
  return r.events.filter((e) => e.code === FirmwareEvent.verificationFailed).map((e) => e.value).pop();
}

describe("uploads over an older image", () => {
  it("a 258 KB image over 200,000 bytes of older data: every block in after one pass, one event 232 with the sector count", () => {
    const r = rig();
    // Older data whose bytes sometimes allow programming the new block over them (0xff runs), as an older image does.
    const old = Uint8Array.from({ length: 200000 }, (_, i) => ((i >> 9) % 3 === 0 ? 0xff : (i * 37 + 11) & 0xff));
    r.install(r.secondary, old);
    const img = image("large.bin");
    sendOnce(r, img);
    const blocks = Math.ceil(img.length / 256);
    expect((r.get(4) as { value: number }).value).toBe(blocks);
    expect(r.action(3, D.i8(0))).toBe(ActionResult.success);
    const erased = r.events.filter((e) => e.code === FirmwareEvent.sectorReerased);
    expect(erased).toHaveLength(1);
    // Sectors 0..48 held older bytes that were not all 0xff.
    expect(erased[0].value).toBe(49);
  });
});

describe("the meter's anti-rollback and downgrade policy", () => {
  it("running image with counter 5, nothing stored: a counter-3 image is refused (rollback)", () => {
    const r = rig("v1.0.0-s5.bin");
    expect(r.service.minSecurityCounter).toBe(0);
    sendOnce(r, image("v1.1.0-s3.bin"));
    expect(r.action(3, D.i8(0))).toBe(ActionResult.otherReason);
    expect(verdictOf(r)).toBe(VerdictCode.rollback);
  });

  it("running 1.2.0 with counter 2: 1.1.0 with counter 2 is refused as a downgrade; 1.2.0 again is accepted", () => {
    const r = rig("v1.2.0-s2.bin");
    sendOnce(r, image("v1.1.0-s2.bin"));
    expect(r.action(3, D.i8(0))).toBe(ActionResult.otherReason);
    expect(verdictOf(r)).toBe(VerdictCode.downgrade);
    expect((r.get(6) as { value: number }).value).toBe(TransferStatus.verificationFailed);
    sendOnce(r, image("v1.2.0-s2.bin"));
    expect(r.action(3, D.i8(0))).toBe(ActionResult.success);
    // image_to_activate_info names the verified image.
    const info = r.get(7);
    expect(info.tag).toBe(Tag.Array);
  });

  it("a non-bootable image is refused with its own verdict", () => {
    const r = rig("ec256-ok.bin");
    sendOnce(r, image("nonbootable.bin"));
    expect(r.action(3, D.i8(0))).toBe(ActionResult.otherReason);
    expect(verdictOf(r)).toBe(VerdictCode["not-bootable"]);
    // A refused image is no image to activate.
    expect(r.get(7)).toEqual(D.array([]));
  });
});
