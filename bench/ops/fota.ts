/**
 * Benchmark operations for image verification (issue 7), proved by
 * host-tests/fota/bench-ops.test.ts. They run on XS, so the
 * signed image is built in setup with the simulated crypto port (noble)
 * rather than read from files.
 *
 * - fota.verify.per-kib: the marginal cost of one more KiB of image: read
 *   1 KiB from the slot and feed it to the image hash (what verification
 *   does per KiB of header + payload + protected TLVs).
 * - fota.verify.image-1k: the whole verification of a 1 KiB-payload image
 *   (parse, hash, key hash lookup, ECDSA P-256): the fixed cost per image.
 * Per KiB of an N KiB image ≈ per-kib + image-1k / N.
 */
import { p256 } from "@noble/curves/nist.js";
import type { BenchOp } from "../op.js";
import { SimCrypto } from "../../hal/sim/crypto.js";
import { hashOnce, softwareHash } from "../../src/fota/hash.js";
import { bytesSource, type ByteSource } from "../../src/fota/image.js";
import { ecdsaRawToDer, spkiFromRaw } from "../../src/fota/keys.js";
import { ImageVerifier } from "../../src/fota/verify.js";

const SLOT = 0x40000;

function tlv(type: number, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + value.length);
  out[0] = type;
  out[2] = value.length & 0xff;
  out[3] = value.length >> 8;
  out.set(value, 4);
  return out;
}

/** A signed MCUboot image (-H 0x200 --pad-header -v 1.0.0) of `payload` bytes; returns it with its SPKI. */
export function benchImage(payload: number): { image: Uint8Array; spki: Uint8Array } {
  const crypto = new SimCrypto();
  const secret = new Uint8Array(32).fill(0x5a);
  const spki = spkiFromRaw("ecdsa-p256", p256.getPublicKey(secret, false));
  const signed = new Uint8Array(0x200 + payload).fill(0xff);
  signed.fill(0, 0, 32);
  const h = new DataView(signed.buffer);
  h.setUint32(0, 0x96f3b83d, true);
  h.setUint16(8, 0x200, true);
  h.setUint32(12, payload, true);
  signed[20] = 1;
  for (let i = 0; i < payload; i++) signed[0x200 + i] = (i * 131 + 7) & 0xff;
  const digest = hashOnce(softwareHash, "sha256", signed);
  const sig = ecdsaRawToDer(crypto.ecdsaP256Sign(secret, digest));
  const tlvs = [tlv(0x10, digest), tlv(0x01, hashOnce(softwareHash, "sha256", spki)), tlv(0x22, sig)];
  const total = 4 + tlvs.reduce((a, t) => a + t.length, 0);
  const image = new Uint8Array(signed.length + total);
  image.set(signed);
  const v = new DataView(image.buffer);
  v.setUint16(signed.length, 0x6907, true);
  v.setUint16(signed.length + 2, total, true);
  let o = signed.length + 4;
  for (const t of tlvs) {
    image.set(t, o);
    o += t.length;
  }
  return { image, spki };
}

export const fotaVerifyPerKib: BenchOp<{ slot: ByteSource; offset: number }> = {
  name: "fota.verify.per-kib",
  notes: "image verification, marginal cost per KiB: 1 KiB read from the slot into the streaming SHA-256",
  setup: () => ({ slot: bytesSource(benchImage(64 * 1024).image, SLOT), offset: 0 }),
  run: (s) => {
    const h = softwareHash("sha256");
    h.update(s.slot.read(s.offset, 1024));
    h.digest();
    s.offset = (s.offset + 1024) % (64 * 1024);
  },
  bytes: () => 1024,
  batch: 16,
};

export const fotaVerifyImage1k: BenchOp<{ slot: ByteSource; verifier: ImageVerifier }> = {
  name: "fota.verify.image-1k",
  notes: "whole verification of a 1 KiB-payload image (parse, SHA-256, key hash, ECDSA P-256): fixed cost per image",
  setup: () => {
    const { image, spki } = benchImage(1024);
    return { slot: bytesSource(image, SLOT), verifier: new ImageVerifier({ signature: "ecdsa-p256", keys: [spki] }, new SimCrypto()) };
  },
  run: (s) => {
    if (s.verifier.verify(s.slot).verdict !== "ok") throw new Error("bench image does not verify");
  },
  bytes: () => 1024 + 0x200,
};
