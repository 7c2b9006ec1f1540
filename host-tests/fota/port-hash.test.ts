/**
 * The verifier hashes only through the crypto port's streaming hash (a
 * board's native Digest; the project's src/util/sha2.ts in SimCrypto): the firmware carries no
 * SHA-2 of its own, so a port without the configured hash gets
 * "unsupported", never a verdict on an unhashed image.
 */
import { describe, expect, it } from "vitest";
import { sha256 } from "@noble/hashes/sha2.js";
import type { IncrementalHash } from "../../hal/crypto.js";
import { SimCrypto } from "../../hal/sim/crypto.js";
import { bytesSource } from "../../src/fota/image.js";
import { ImageVerifier } from "../../src/fota/verify.js";
import { SLOT_SIZE, HARNESS_MAX_IMAGE, pemToDer, set1File, set1Text_, set2File, set2Spki } from "./support/mcuboot-vectors.js";

/** A port whose platform has SHA-256 only. */
class NativeSha256Crypto extends SimCrypto {
  readonly asked: string[] = [];
  override createHash(algorithm: "sha256" | "sha512"): IncrementalHash | undefined {
    this.asked.push(algorithm);
    if (algorithm !== "sha256") return undefined;
    const h = sha256.create();
    return {
      digestLength: 32,
      update: (data, offset = 0, length = data.length - offset) => {
        h.update(data.subarray(offset, offset + length));
      },
      digest: () => h.digest(),
    };
  }
}

describe("image verification through the crypto port's streaming hash", () => {
  it("mcuboot/ec256-basic.bin verifies with the port's SHA-256, and its flipped-payload twin is a bad hash", () => {
    const crypto = new NativeSha256Crypto();
    const verifier = new ImageVerifier({ signature: "ecdsa-p256", keys: [pemToDer(set1Text_("ec256.pub.pem"))], maxImageSize: HARNESS_MAX_IMAGE }, crypto);
    expect(verifier.verify(bytesSource(set1File("ec256-basic.bin"), SLOT_SIZE)).verdict).toBe("ok");
    expect(verifier.verify(bytesSource(set1File("neg-payload-flipped.bin"), SLOT_SIZE)).verdict).toBe("bad-hash");
    expect(crypto.asked.length).toBeGreaterThan(0);
    expect(crypto.asked.every((a) => a === "sha256")).toBe(true);
  });

  it("an ed25519 --sha 512 image verifies with a port that has SHA-512, and is unsupported on one that has not", () => {
    const config = { signature: "ed25519", hash: "sha512", keys: [set2Spki("ed25519")], maxImageSize: HARNESS_MAX_IMAGE } as const;
    const image = bytesSource(set2File("images/ed25519_sha512.bin"), SLOT_SIZE);
    expect(new ImageVerifier(config, new SimCrypto()).verify(image).verdict).toBe("ok");
    const crypto = new NativeSha256Crypto();
    const result = new ImageVerifier(config, crypto).verify(image);
    expect(result).toMatchObject({ verdict: "unsupported", reason: "no sha512 on this platform" });
    expect(crypto.asked).toContain("sha512");
  });

  it("a pure ed25519 image (its key found by a SHA-512 KEYHASH) is unsupported on a port without SHA-512, not 'no signature'", () => {
    const config = { signature: "ed25519", hash: "sha512", pure: true, keys: [set2Spki("ed25519")], maxImageSize: HARNESS_MAX_IMAGE } as const;
    const image = bytesSource(set2File("images/ed25519_pure.bin"), SLOT_SIZE);
    expect(new ImageVerifier(config, new SimCrypto()).verify(image).verdict).toBe("ok");
    expect(new ImageVerifier(config, new NativeSha256Crypto()).verify(image)).toMatchObject({ verdict: "unsupported", reason: "no sha512 on this platform" });
  });
});
