/**
 * End to end with images signed by this project's host imgtool
 * (scripts/imgtool/sign.ts) instead of MCUboot's: transfer over the class 18
 * object, power cut, resume, verify, activate, test swap, self-test, confirm;
 * then a wrong key, a tampered image and a downgrade, each refused with
 * image_transfer_status 4 and a firmware event.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PowerLoss } from "../../hal/sim/flash.js";
import { D } from "../../src/cosem/axdr.js";
import { ActionResult } from "../../src/cosem/interface-class.js";
import { FirmwareEvent, TransferStatus, VerdictCode } from "../../src/fota/transfer.js";
import { utf8Encode } from "../../src/util/bytes.js";
import { sharedDir } from "../../scripts/gen-vectors.js";
import { loadKey, type PrivateSigningKey } from "../../scripts/imgtool/keys.js";
import { parseVersion, sign } from "../../scripts/imgtool/sign.js";
import { FotaRig, sendImage } from "./support/fixture.js";

const V = join(sharedDir, "vectors", "mcuboot-imgtool-2");
const key = (name: string) => loadKey(readFileSync(join(V, "keys", `${name}.pem`), "utf8")) as PrivateSigningKey;
const firmware = (size: number, seed: number): Uint8Array => Uint8Array.from({ length: size }, (_, i) => (i * 31 + seed) & 0xff);
const build = (k: PrivateSigningKey, version: string, counter: number, seed = 1) =>
  sign(firmware(20000, seed), { key: k, headerSize: 0x200, padHeader: true, version: parseVersion(version), securityCounter: counter, slotSize: 0x40000 }).image;

function rig(): FotaRig {
  const r = new FotaRig([key("ec256").spki], 256);
  r.install(r.primary, build(key("ec256"), "1.0.0", 1, 9));
  r.powerOn();
  return r;
}

function verifyRefused(r: FotaRig, image: Uint8Array, verdict: keyof typeof VerdictCode): void {
  expect(sendImage(r, utf8Encode("x"), image)).toEqual([]);
  expect(r.action(3, D.i8(0))).toBe(ActionResult.otherReason);
  expect((r.get(6) as { value: number }).value).toBe(TransferStatus.verificationFailed);
  expect(r.events.filter((e) => e.code === FirmwareEvent.verificationFailed).map((e) => e.value).pop()).toBe(VerdictCode[verdict]);
}

describe("FOTA with host-imgtool images", () => {
  it("signed 2.0.0 with SEC_CNT 9: cut, resume, verify, activate, swap, confirm; then wrong key, tampered, downgrade refused", () => {
    const r = rig();
    const img = build(key("ec256"), "2.0.0", 9);
    expect(r.action(1, D.struct(D.octets(utf8Encode("2.0.0")), D.u32(img.length)))).toBe(ActionResult.success);
    r.secondary.cutAt(25, 5);
    expect(() => sendImage(r, utf8Encode("2.0.0"), img)).toThrow(PowerLoss);
    r.powerOn();
    expect(sendImage(r, utf8Encode("2.0.0"), img)).toEqual([]);
    expect(r.action(4, D.i8(0))).toBe(ActionResult.success);
    expect(r.powerOn()).toBe("test");
    expect((r.get(6) as { value: number }).value).toBe(TransferStatus.activationSuccessful);
    expect(r.service.minSecurityCounter).toBe(9);

    verifyRefused(r, build(key("ec256-other"), "3.0.0", 10), "no-signature");
    const tampered = build(key("ec256"), "3.0.0", 10);
    tampered[0x300] ^= 0x40;
    verifyRefused(r, tampered, "bad-hash");
    verifyRefused(r, build(key("ec256"), "1.5.0", 8, 3), "rollback");
    expect(r.powerOn()).toBe("none");
  });
});
