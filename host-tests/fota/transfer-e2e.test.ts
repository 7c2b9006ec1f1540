/**
 * End to end over the Image Transfer object (class 18), called as the DLMS
 * server calls it: an image made by MCUboot's imgtool
 * (mcuboot-imgtool-2/images/*.bin) is transferred with power cuts, resumed,
 * verified, activated; the simulated bootloader test-swaps it, the new image
 * runs its self-test and confirms itself, or fails it and is reverted. A
 * tampered image, one signed with a wrong key and a downgrade are each
 * refused with image_transfer_status "verification failed" and an event.
 */
import { describe, expect, it } from "vitest";
import type { FlashGeometry } from "../../hal/flash.js";
import { ESP32_NOR, NRF52840_INTERNAL, PowerLoss } from "../../hal/sim/flash.js";
import { D, Tag } from "../../src/cosem/axdr.js";
import { ActionResult } from "../../src/cosem/interface-class.js";
import { readTrailer } from "../../src/fota/trailer.js";
import { FirmwareEvent, TransferStatus, VerdictCode } from "../../src/fota/transfer.js";
import { utf8Encode } from "../../src/util/bytes.js";
import { report, runtime } from "../support/report.js";
import { FotaRig, blockParams, initiateParams, sendImage } from "./support/fixture.js";
import { set2, set2File, set2Spki } from "./support/mcuboot-vectors.js";

const OLD = set2File("images/ec256_hdr200.bin"); // 1.0.0, no security counter
const NEW = set2File("images/ec256_seccnt7.bin"); // 1.0.0, SEC_CNT 7
const NEW2 = set2File("images/ec256_dependency.bin"); // SEC_CNT 7, another image
const ID = utf8Encode("meter-fw-2.0.0");

function status(rig: FotaRig): number {
  return (rig.get(6) as { value: number }).value;
}

function freshRig(geometry: FlashGeometry = ESP32_NOR): FotaRig {
  const rig = new FotaRig([set2Spki("ec256")], 64, geometry);
  rig.install(rig.primary, OLD);
  // The secondary slot still holds an older, bigger image: blocks must erase over it.
  rig.install(rig.secondary, set2File("images/ec256_random64k.bin"));
  rig.powerOn();
  return rig;
}

function runningImage(rig: FotaRig, like: Uint8Array): boolean {
  const b = rig.primary.read(0, like.length);
  for (let i = 0; i < like.length; i++) if (b[i] !== like[i]) return false;
  return true;
}

describe("image transfer end to end (class 18 → fota → flash → bootloader)", () => {
  it.each([
    { name: "ESP32 NOR, write size 1", g: ESP32_NOR },
    { name: "nRF52840, write size 4", g: NRF52840_INTERNAL },
  ])("transfer, power cut, resume, verify, activate, test swap, self-test, confirm ($name)", ({ g }) => {
    const rig = freshRig(g);
    expect(status(rig)).toBe(TransferStatus.notInitiated);
    expect(rig.action(1, initiateParams(ID, NEW.length))).toBe(ActionResult.success);
    expect(status(rig)).toBe(TransferStatus.initiated);
    const count = Math.ceil(NEW.length / 64);
    // Half the blocks, then the power goes during a flash operation of the next one.
    for (let n = 0; n < count >> 1; n++) expect(rig.action(2, blockParams(n, NEW.subarray(n * 64, (n + 1) * 64)))).toBe(ActionResult.success);
    // The supply's warning commits the block marks; then the power goes during the next block.
    rig.powerFailWarning();
    rig.secondary.cutAt(0, 7);
    const cut = count >> 1;
    expect(() => rig.action(2, blockParams(cut, NEW.subarray(cut * 64, (cut + 1) * 64)))).toThrow(PowerLoss);

    rig.powerOn();
    expect(rig.lastBoot).toBe("none");
    expect(status(rig)).toBe(TransferStatus.initiated);
    expect((rig.get(4) as { value: number }).value).toBe(cut);
    // The head-end resumes: same identifier and size keep the blocks already in flash.
    expect(sendImage(rig, ID, NEW)).toEqual([]);
    expect(rig.codes()).toContain(FirmwareEvent.transferResumed);
    expect((rig.get(4) as { value: number }).value).toBe(count);
    expect(rig.secondary.read(0, NEW.length)).toEqual(NEW);

    expect(rig.action(3, D.i8(0))).toBe(ActionResult.success);
    expect(status(rig)).toBe(TransferStatus.verificationSuccessful);
    const info = rig.get(7);
    const expectedHash = set2.images.find((i) => i.name === "ec256_seccnt7")?.computed_sha256;
    expect(info.tag).toBe(Tag.Array);
    expect(JSON.stringify(info)).toContain(String(NEW.length));
    const entry = (info.value as { value: { value: unknown }[] }[])[0].value;
    expect(entry[1].value).toEqual(ID);
    expect(Array.from(entry[2].value as Uint8Array, (b) => b.toString(16).padStart(2, "0")).join("")).toBe(expectedHash);

    const rebootsBefore = rig.system.reboots;
    expect(rig.action(4, D.i8(0))).toBe(ActionResult.success);
    expect(rig.system.reboots).toBe(rebootsBefore + 1);
    expect(readTrailer(rig.secondary, rig.layout)).toMatchObject({ magic: "good", imageOk: "unset", swapInfo: 0x02 });

    // Reboot: test swap, the new image passes its self-test and confirms itself.
    expect(rig.powerOn()).toBe("test");
    expect(runningImage(rig, NEW)).toBe(true);
    expect(status(rig)).toBe(TransferStatus.activationSuccessful);
    expect(readTrailer(rig.primary, rig.layout)).toMatchObject({ magic: "good", imageOk: "set", copyDone: "set" });
    expect(rig.service.minSecurityCounter).toBe(7);
    const codes = rig.codes();
    for (const c of [FirmwareEvent.transferInitiated, FirmwareEvent.verificationSuccessful, FirmwareEvent.readyForActivation, FirmwareEvent.rebootForActivation, FirmwareEvent.selfTestPassed, FirmwareEvent.confirmed, FirmwareEvent.activated]) {
      expect(codes).toContain(c);
    }
    // The next reset keeps the confirmed image.
    expect(rig.powerOn()).toBe("none");
    expect(runningImage(rig, NEW)).toBe(true);
  });

  it("a new image that fails its self-test stays unconfirmed and the bootloader reverts it", () => {
    const rig = freshRig();
    expect(sendImage(rig, ID, NEW2)).toEqual([]);
    expect(rig.action(4, D.i8(0))).toBe(ActionResult.success); // activate verifies first
    rig.selfTestPasses = false;
    const reboots = rig.system.reboots;
    expect(rig.powerOn()).toBe("test");
    expect(runningImage(rig, NEW2)).toBe(true);
    expect(rig.codes()).toContain(FirmwareEvent.selfTestFailed);
    expect(rig.system.reboots).toBe(reboots + 1);
    expect(readTrailer(rig.primary, rig.layout).imageOk).toBe("unset");
    rig.selfTestPasses = true;
    expect(rig.powerOn()).toBe("revert");
    expect(runningImage(rig, OLD)).toBe(true);
    expect(status(rig)).toBe(TransferStatus.activationFailed);
    expect(rig.codes()).toContain(FirmwareEvent.rolledBack);
    // A refused image never raises the anti-rollback minimum.
    expect(rig.service.minSecurityCounter).toBe(0);
    expect(rig.powerOn()).toBe("none");
    expect(runningImage(rig, OLD)).toBe(true);
  });

  const refused = [
    { name: "tampered payload", file: "images/neg_payload_flip.bin", verdict: "bad-hash" as const },
    { name: "signed with a key the meter does not trust", file: "images/ec256_signed_by_other.bin", verdict: "no-signature" as const },
    { name: "corrupted signature", file: "images/neg_sig_corrupt.bin", verdict: "bad-signature" as const },
  ];
  it.each(refused)("refuses mcuboot-imgtool-2/$file ($name): status 4, event, no swap", ({ file, verdict }) => {
    const rig = freshRig();
    const img = set2File(file);
    expect(sendImage(rig, ID, img)).toEqual([]);
    expect(rig.action(3, D.i8(0))).toBe(ActionResult.otherReason);
    expect(status(rig)).toBe(TransferStatus.verificationFailed);
    const ev = rig.events.filter((e) => e.code === FirmwareEvent.verificationFailed);
    expect(ev.map((e) => e.value)).toEqual([VerdictCode[verdict]]);
    expect((rig.get(7) as { value: unknown[] }).value).toEqual([]);
    expect(rig.action(4, D.i8(0))).toBe(ActionResult.otherReason);
    expect(rig.system.reboots).toBe(0);
    expect(rig.powerOn()).toBe("none");
    expect(runningImage(rig, OLD)).toBe(true);
  });

  it("refuses a downgrade: after SEC_CNT 7 is confirmed, mcuboot-imgtool-2/images/ec256_default (no counter) is refused", () => {
    const rig = freshRig();
    expect(sendImage(rig, ID, NEW)).toEqual([]);
    expect(rig.action(4, D.i8(0))).toBe(ActionResult.success);
    rig.powerOn();
    expect(rig.service.minSecurityCounter).toBe(7);
    const down = set2File("images/ec256_default.bin");
    expect(sendImage(rig, utf8Encode("old"), down)).toEqual([]);
    expect(rig.action(3, D.i8(0))).toBe(ActionResult.otherReason);
    expect(status(rig)).toBe(TransferStatus.verificationFailed);
    expect(rig.events.filter((e) => e.code === FirmwareEvent.verificationFailed).map((e) => e.value)).toEqual([VerdictCode.rollback]);
  });

  it("refuses what the standard says to refuse: block out of range, wrong block length, disabled transfer, too large, identifier over 255 bytes, blocks before initiate", () => {
    const rig = freshRig();
    expect(rig.action(2, blockParams(0, NEW.subarray(0, 64)))).toBe(ActionResult.temporaryFailure);
    expect(rig.action(1, initiateParams(ID, rig.primary.byteLength))).toBe(ActionResult.otherReason);
    expect(rig.action(1, initiateParams(new Uint8Array(256), NEW.length))).toBe(ActionResult.otherReason);
    expect(rig.action(1, initiateParams(ID, NEW.length))).toBe(ActionResult.success);
    expect(rig.action(2, blockParams(Math.ceil(NEW.length / 64), new Uint8Array(64)))).toBe(ActionResult.otherReason);
    expect(rig.action(2, blockParams(0, new Uint8Array(63)))).toBe(ActionResult.otherReason);
    expect(rig.action(2, D.u32(0))).toBe(ActionResult.typeUnmatched);
    expect(rig.action(3, D.i8(0))).toBe(ActionResult.otherReason); // blocks missing
    expect(rig.object.set(5, D.bool(false), { role: "firmware", clientSap: 0x40, nowUtcMs: 0 })).toBe(0);
    expect(rig.action(1, initiateParams(ID, NEW.length))).toBe(ActionResult.readWriteDenied);
    expect(rig.object.set(6, D.enum(3), { role: "firmware", clientSap: 0x40, nowUtcMs: 0 })).toBe(3);
  });

  it("a power cut without warning at any flash step of the transfer: resume always ends in a verified image", () => {
    const probe = freshRig();
    const start = probe.secondary.steps;
    expect(sendImage(probe, ID, NEW)).toEqual([]);
    const steps = probe.secondary.steps - start;
    const stride = runtime === "xs" ? 5 : 1;
    let cuts = 0;
    for (let step = 0; step < steps; step += stride) {
      const rig = freshRig();
      rig.secondary.cutAt(step, 1000 + step);
      expect(() => sendImage(rig, ID, NEW)).toThrow(PowerLoss);
      rig.powerOn();
      expect(sendImage(rig, ID, NEW)).toEqual([]);
      expect(rig.action(3, D.i8(0))).toBe(ActionResult.success);
      cuts++;
    }
    report(`fota: ${cuts} power cuts over ${steps} flash steps of a transfer, all resumed to a verified image`);
    expect(cuts).toBeGreaterThan(0);
  });

  it("with the FOTA state in the flash key-value store (src/storage), a power cut at any step of either flash resumes to a verified image", () => {
    // The slot holds an older image, so blocks erase sectors (marks committed before each erase).
    const stale = set2File("images/ec256_random64k.bin");
    const probe = new FotaRig([set2Spki("ec256")], 64, ESP32_NOR, "flash");
    probe.install(probe.primary, OLD);
    probe.install(probe.secondary, stale);
    probe.powerOn();
    const settings = probe.settings as NonNullable<typeof probe.settings>;
    const s0 = settings.steps;
    const f0 = probe.secondary.steps;
    expect(sendImage(probe, ID, NEW)).toEqual([]);
    const settingsSteps = settings.steps - s0;
    const slotSteps = probe.secondary.steps - f0;
    const stride = runtime === "xs" ? 7 : 1;
    let cuts = 0;
    for (const which of ["settings", "slot"] as const) {
      const steps = which === "settings" ? settingsSteps : slotSteps;
      for (let step = 0; step < steps; step += stride) {
        const rig = new FotaRig([set2Spki("ec256")], 64, ESP32_NOR, "flash");
        rig.install(rig.primary, OLD);
        rig.install(rig.secondary, stale);
        rig.powerOn();
        (which === "settings" ? (rig.settings as NonNullable<typeof rig.settings>) : rig.secondary).cutAt(step, 77 + step);
        expect(() => sendImage(rig, ID, NEW)).toThrow(PowerLoss);
        rig.powerOn();
        expect(sendImage(rig, ID, NEW)).toEqual([]);
        expect(rig.action(3, D.i8(0))).toBe(ActionResult.success);
        cuts++;
      }
    }
    report(`fota: ${cuts} power cuts over ${settingsSteps} settings-flash and ${slotSteps} slot-flash steps, all resumed to a verified image`);
  });
});
