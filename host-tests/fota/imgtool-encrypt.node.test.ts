/**
 * `imgtool sign -E` (ECIES-P256, ECIES-X25519 with HMAC-SHA256 or -SHA512,
 * AES-128/256, --clear) against MCUboot's imgtool 2.4.0
 * (fixtures/imgtool-encrypt/commands.sh). The image key and the ephemeral
 * ECIES key are random, so each image, ours and imgtool's, is decrypted
 * with the device's private key (HMAC checked) and the plaintexts compared:
 * header (flags included), body, protected TLVs, hash, key hash and the
 * ed25519 signature must be identical; the key TLV has the right type and
 * length.
 */
import { createPrivateKey } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sharedDir } from "../../scripts/gen-vectors.js";
import { runImgtool } from "../../scripts/imgtool/cli.js";
import { cryptBody, unwrapImageKey, type EncKeyType } from "../../scripts/imgtool/encrypt.js";
import { bytesSource, parseImage } from "../../src/fota/image.js";

const FIX = join(process.cwd(), "host-tests", "fota", "fixtures", "imgtool-encrypt");
const V = join(sharedDir, "vectors", "mcuboot-imgtool-2");
const out = mkdtempSync(join(tmpdir(), "imgtool-enc-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const S = ["-k", join(V, "keys", "ed25519.pem"), "-H", "0x20", "--pad-header", "-S", "0x40000", "-v", "1.0.0", "-s", "2"];

const cases: { file: string; enc: EncKeyType; opts: string[]; input: string; keyLen: 16 | 32; hmac: "256" | "512"; tlv: number; clear?: boolean }[] = [
  { file: "x25519-aes128.bin", enc: "x25519", opts: ["-E", join(FIX, "enc-x25519.pem")], input: "pattern1000.bin", keyLen: 16, hmac: "256", tlv: 0x33 },
  { file: "x25519-aes256-sha512.bin", enc: "x25519", opts: ["-E", join(FIX, "enc-x25519.pem"), "--encrypt-keylen", "256", "--hmac-sha", "512"], input: "pattern1000.bin", keyLen: 32, hmac: "512", tlv: 0x34 },
  { file: "p256-aes128.bin", enc: "ecdsa-p256", opts: ["-E", join(FIX, "enc-p256.pem")], input: "pattern1000.bin", keyLen: 16, hmac: "256", tlv: 0x32 },
  { file: "p256-aes256-three.bin", enc: "ecdsa-p256", opts: ["-E", join(FIX, "enc-p256.pem"), "--encrypt-keylen", "256"], input: "three.bin", keyLen: 32, hmac: "256", tlv: 0x32 },
  { file: "x25519-clear.bin", enc: "x25519", opts: ["-E", join(FIX, "enc-x25519.pem"), "--clear"], input: "pattern1000.bin", keyLen: 16, hmac: "256", tlv: 0x33, clear: true },
];

/** The image with its body decrypted and without the key TLV (and its length in the TLV info). */
function decrypt(img: Uint8Array, c: (typeof cases)[number]): Uint8Array {
  const p = parseImage(bytesSource(img));
  if (!p.ok) throw new Error(p.reason);
  const encTlv = p.image.tlvs[p.image.tlvs.length - 1];
  expect(encTlv.type).toBe(c.tlv);
  expect(encTlv.len).toBe((c.enc === "x25519" ? 32 : 65) + (c.hmac === "512" ? 64 : 32) + c.keyLen);
  const priv = createPrivateKey(readFileSync(join(FIX, c.enc === "x25519" ? "enc-x25519.pem" : "enc-p256.pem"), "utf8"));
  const key = unwrapImageKey(c.enc, priv, img.subarray(encTlv.dataOffset, encTlv.dataOffset + encTlv.len), c.keyLen, c.hmac);
  expect(key).toBeDefined();
  const plain = img.slice(0, encTlv.offset);
  const { hdrSize, imgSize } = p.image.header;
  if (!c.clear) plain.set(cryptBody(key!, plain.subarray(hdrSize, hdrSize + imgSize)), hdrSize);
  plain.fill(0, p.image.unprotectedInfo.offset + 2, p.image.unprotectedInfo.offset + 4);
  return plain;
}

describe("imgtool sign -E, against MCUboot's imgtool 2.4.0", () => {
  it.each(cases)("$file: ours and imgtool's decrypt to the same signed image", (c) => {
    const ours = join(out, c.file);
    const r = runImgtool(["sign", ...S, ...c.opts, join(V, "inputs", c.input), ours]);
    expect(r.exitCode, r.stderr).toBe(0);
    const a = new Uint8Array(readFileSync(ours));
    const b = new Uint8Array(readFileSync(join(FIX, c.file)));
    expect(a.length).toBe(b.length);
    const pa = decrypt(a, c);
    expect(pa).toEqual(decrypt(b, c));
    // Encrypted unless --clear: the stored body is not the plaintext.
    const flags = new DataView(a.buffer, a.byteOffset).getUint32(16, true);
    expect(flags & 0xc).toBe(c.keyLen === 16 ? 0x4 : 0x8);
    expect(Buffer.from(a.subarray(0x20, 0x40)).equals(Buffer.from(pa.subarray(0x20, 0x40)))).toBe(c.clear === true);
  });

  it("keygen -t x25519 writes a key that -E takes", () => {
    const k = join(out, "x.pem");
    expect(runImgtool(["keygen", "-k", k, "-t", "x25519"]).exitCode).toBe(0);
    const r = runImgtool(["sign", ...S, "-E", k, join(V, "inputs", "three.bin"), join(out, "x.bin")]);
    expect(r.exitCode, r.stderr).toBe(0);
  });

  it("--hmac-sha 512 with a P-256 key is refused, as imgtool refuses it", () => {
    const r = runImgtool(["sign", ...S, "-E", join(FIX, "enc-p256.pem"), "--hmac-sha", "512", join(V, "inputs", "three.bin"), join(out, "y.bin")]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/only ECIES-X25519 supports HMAC-SHA512/);
  });
});
