/**
 * The proposed FOTA bench operations do what their names say: the image they
 * build verifies with the on-meter verifier (and fails once tampered), and
 * the per-KiB operation walks the whole image. No timing here (npm run bench).
 */
import { describe, expect, it } from "vitest";
import { SimCrypto } from "../../hal/sim/crypto.js";
import { bytesSource } from "../../src/fota/image.js";
import { ImageVerifier } from "../../src/fota/verify.js";
import { benchImage, fotaVerifyImage1k, fotaVerifyPerKib } from "../../bench/ops/fota.js";

describe("fota bench operations", () => {
  it("fota.verify.image-1k runs on a verifying image; the same image tampered is refused", () => {
    const s = fotaVerifyImage1k.setup();
    fotaVerifyImage1k.run(s);
    const { image, spki } = benchImage(1024);
    image[0x300] ^= 1;
    expect(new ImageVerifier({ signature: "ecdsa-p256", keys: [spki] }, new SimCrypto()).verify(bytesSource(image, 0x40000)).verdict).toBe("bad-hash");
  });

  it("fota.verify.per-kib cycles through the 64 KiB image 1 KiB at a time", () => {
    const s = fotaVerifyPerKib.setup();
    for (let i = 0; i < 64; i++) fotaVerifyPerKib.run(s);
    expect(s.offset).toBe(0);
    expect(fotaVerifyPerKib.bytes?.(s)).toBe(1024);
  });
});
