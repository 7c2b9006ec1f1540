/**
 * Power cuts during the meter's own flash writes of an activation: the test
 * swap request (trailer magic and swap_info in the secondary slot) and the
 * confirmation (image_ok in the primary slot on the new image's first boot).
 * After every cut the meter ends, within a few restarts, either on the old
 * image with the activation reported failed (and a retry then succeeds), or
 * on the new image confirmed — never on an unconfirmed image that nobody
 * will revert, never with a raised anti-rollback minimum for an image that
 * does not run. Images: mcuboot-imgtool-2/images/ec256_hdr200 (running) and
 * ec256_seccnt7 (new, SEC_CNT 7). The simulated bootloader's own swap is not
 * cut (it copies through RAM; see support/bootloader-sim.ts).
 */
import { describe, expect, it } from "vitest";
import { PowerLoss, SimFlash } from "../../hal/sim/flash.js";
import { D } from "../../src/cosem/axdr.js";
import { ActionResult } from "../../src/cosem/interface-class.js";
import { readTrailer } from "../../src/fota/trailer.js";
import { FirmwareEvent, TransferStatus } from "../../src/fota/transfer.js";
import { utf8Encode } from "../../src/util/bytes.js";
import { report } from "../support/report.js";
import { FotaRig, sendImage } from "./support/fixture.js";
import { set2File, set2Spki } from "./support/mcuboot-vectors.js";

const OLD = set2File("images/ec256_hdr200.bin");
const NEW = set2File("images/ec256_seccnt7.bin");
const ID = utf8Encode("fw-7");

function running(rig: FotaRig, img: Uint8Array): boolean {
  const b = rig.primary.read(0, img.length);
  return b.every((x, i) => x === img[i]);
}

function verifiedRig(): FotaRig {
  const rig = new FotaRig([set2Spki("ec256")], 128);
  rig.install(rig.primary, OLD);
  rig.powerOn();
  expect(sendImage(rig, ID, NEW)).toEqual([]);
  expect(rig.action(3, D.i8(0))).toBe(ActionResult.success);
  return rig;
}

/** Restarts until the FOTA state settles, then checks the invariant and returns where it ended. */
function settle(rig: FotaRig): "old" | "new" {
  for (let i = 0; i < 3; i++) rig.powerOn();
  const status = (rig.get(6) as { value: number }).value;
  if (running(rig, NEW)) {
    expect(status).toBe(TransferStatus.activationSuccessful);
    expect(readTrailer(rig.primary, rig.layout).imageOk).toBe("set");
    expect(rig.service.minSecurityCounter).toBe(7);
    return "new";
  }
  expect(running(rig, OLD)).toBe(true);
  expect(status === TransferStatus.activationFailed || status === TransferStatus.verificationSuccessful).toBe(true);
  expect(rig.service.minSecurityCounter).toBe(0);
  return "old";
}

function stepsOf(f: SimFlash, action: () => void): number {
  const s = f.steps;
  action();
  return f.steps - s;
}

describe("power cuts during activation and confirmation", () => {
  it("at every flash step of the swap request: old image and a failed activation, or the new image confirmed; a retry succeeds", () => {
    const probe = verifiedRig();
    const n = stepsOf(probe.secondary, () => probe.action(4, D.i8(0)));
    expect(n).toBeGreaterThan(0);
    const ends: string[] = [];
    for (let k = 0; k < n; k++) {
      for (const seed of [1, 2, 3]) {
        const rig = verifiedRig();
        rig.secondary.cutAt(k, seed);
        expect(() => rig.action(4, D.i8(0))).toThrow(PowerLoss);
        const end = settle(rig);
        ends.push(end);
        if (end === "old") {
          // The head-end tries again: a new transfer of the same image now goes through.
          rig.service.setEnabled(true);
          expect(sendImage(rig, ID, NEW)).toEqual([]);
          expect(rig.action(4, D.i8(0))).toBe(ActionResult.success);
          expect(settle(rig)).toBe("new");
          expect(rig.codes()).toContain(FirmwareEvent.rolledBack);
        }
      }
    }
    report(`fota: ${ends.length} cuts in the swap request: ${ends.filter((e) => e === "old").length} stayed on the old image, ${ends.filter((e) => e === "new").length} ran the new one`);
  });

  it("at every flash step of the confirmation on the new image's first boot: the new image ends confirmed, or the old one runs again", () => {
    const probe = verifiedRig();
    probe.action(4, D.i8(0));
    probe.powerOn(); // the confirmation writes happen here
    const n = readTrailer(probe.primary, probe.layout).imageOk === "set" ? 1 : 0;
    expect(n).toBe(1);
    const ends: string[] = [];
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const rig = verifiedRig();
      rig.action(4, D.i8(0));
      expect(() => rig.powerOn(0, seed)).toThrow(PowerLoss);
      ends.push(settle(rig));
    }
    report(`fota: ${ends.length} cuts in the confirmation: ${ends.join(", ")}`);
  });
});
