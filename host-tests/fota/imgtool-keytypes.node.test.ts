/**
 * The host imgtool with the key types the firmware does not verify but
 * MCUboot's imgtool signs with: ecdsa-p384 (SHA-384), rsa-2048 and rsa-3072
 * (RSA-PSS), RSA keys in PKCS#8 and PKCS#1 files. Expected bytes come from
 * MCUboot's imgtool 2.4.0 (fixtures/imgtool-keys/commands.sh). Keys are
 * random and the signatures randomised, so images are compared without
 * their signature TLV and each side's signatures are verified by the other
 * side's output (ours verifies imgtool's; imgtool's verify output is
 * matched line for line by ours on its own image).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sharedDir } from "../../scripts/gen-vectors.js";
import { runImgtool } from "../../scripts/imgtool/cli.js";
import { loadKey } from "../../scripts/imgtool/keys.js";
import { hostVerify } from "../../scripts/imgtool/verify.js";
import { bytesSource, parseImage } from "../../src/fota/image.js";

const FIX = join(process.cwd(), "host-tests", "fota", "fixtures", "imgtool-keys");
const IN = join(sharedDir, "vectors", "mcuboot-imgtool-2", "inputs", "pattern1000.bin");
const out = mkdtempSync(join(tmpdir(), "imgtool-keys-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const fix = (name: string) => join(FIX, name);
const bytes = (path: string) => new Uint8Array(readFileSync(path));
const text = (path: string) => readFileSync(path, "utf8");

function run(argv: string[]) {
  const r = runImgtool(argv);
  expect(r.exitCode, r.stderr).toBe(0);
  return r;
}

/** The image up to its signature TLV (header, payload, protected TLVs, hash, key hash). */
function withoutSignature(img: Uint8Array): { head: Uint8Array; sigType: number; sigLen: number } {
  const p = parseImage(bytesSource(img));
  if (!p.ok) throw new Error(p.reason);
  const sig = p.image.tlvs[p.image.tlvs.length - 1];
  // The unprotected info's total length changes with the signature's: compare it without the info header's length field.
  const head = img.slice(0, sig.offset);
  head.fill(0, p.image.unprotectedInfo.offset + 2, p.image.unprotectedInfo.offset + 4);
  return { head, sigType: sig.type, sigLen: sig.len };
}

const TYPES = [
  { type: "ecdsa-p384", sigTlv: 0x22, hashTlv: 0x11 },
  { type: "rsa-2048", sigTlv: 0x20, hashTlv: 0x10 },
  { type: "rsa-3072", sigTlv: 0x23, hashTlv: 0x10 },
] as const;

describe("imgtool key types beyond the firmware's, against MCUboot's imgtool 2.4.0", () => {
  it.each(TYPES)("$type: getpub (pem, raw, lang-c) and getpubhash equal imgtool's for imgtool's key", ({ type }) => {
    const k = fix(`${type}.pem`);
    expect(run(["getpub", "-k", k, "-e", "pem"]).stdout).toBe(text(fix(`${type}.pub.pem`)));
    run(["getpub", "-k", k, "-e", "raw", "-o", join(out, `${type}.der`)]);
    expect(bytes(join(out, `${type}.der`))).toEqual(bytes(fix(`${type}.pub.der`)));
    expect(run(["getpub", "-k", k, "-e", "lang-c"]).stdout).toBe(text(fix(`${type}.pub.c`)));
    run(["getpubhash", "-k", k, "-e", "raw", "-o", join(out, `${type}.hash`)]);
    expect(bytes(join(out, `${type}.hash`))).toEqual(bytes(fix(`${type}.pubhash.bin`)));
  });

  it.each(TYPES)("$type: sign equals imgtool's image outside the signature; each verifies; verify and dumpinfo print as imgtool", ({ type, sigTlv, hashTlv }) => {
    const ours = join(out, `${type}.signed.bin`);
    run(["sign", "-k", fix(`${type}.pem`), "-H", "0x20", "--pad-header", "-S", "0x40000", "-v", "1.2.3", "-s", "4", IN, ours]);
    const a = withoutSignature(bytes(ours));
    const b = withoutSignature(bytes(fix(`${type}.signed.bin`)));
    expect(a.head).toEqual(b.head);
    expect([a.sigType, b.sigType]).toEqual([sigTlv, sigTlv]);
    if (type !== "ecdsa-p384") expect(a.sigLen).toBe(type === "rsa-2048" ? 256 : 384);
    const p = parseImage(bytesSource(bytes(ours)));
    expect(p.ok && p.image.tlvs.some((t) => t.type === hashTlv && t.area === "unprotected")).toBe(true);
    const pub = loadKey(text(fix(`${type}.pub.pem`)));
    expect(hostVerify(bytes(ours), pub).result).toBe("OK");
    expect(hostVerify(bytes(fix(`${type}.signed.bin`)), pub).result).toBe("OK");
    expect(run(["verify", "-k", fix(`${type}.pub.pem`), fix(`${type}.signed.bin`)]).stdout).toBe(text(fix(`${type}.verify.txt`)));
    expect(run(["dumpinfo", fix(`${type}.signed.bin`)]).stdout).toBe(text(fix(`${type}.dumpinfo.txt`)));
    // A flipped payload byte fails, with either key's image.
    const bad = bytes(ours);
    bad[100] ^= 1;
    expect(hostVerify(bad, pub).result).toBe("INVALID_HASH");
  });

  it("an RSA key in a PKCS#1 'RSA PRIVATE KEY' file: same public key and the same image outside the signature", () => {
    run(["getpub", "-k", fix("rsa-2048-pkcs1.pem"), "-e", "raw", "-o", join(out, "pkcs1.der")]);
    expect(bytes(join(out, "pkcs1.der"))).toEqual(bytes(fix("rsa-2048-pkcs1.pub.der")));
    const ours = join(out, "pkcs1.signed.bin");
    run(["sign", "-k", fix("rsa-2048-pkcs1.pem"), "-H", "0x20", "--pad-header", "-S", "0x40000", "-v", "1.2.3", IN, ours]);
    expect(withoutSignature(bytes(ours)).head).toEqual(withoutSignature(bytes(fix("rsa-2048-pkcs1.signed.bin"))).head);
    expect(hostVerify(bytes(ours), loadKey(text(fix("rsa-2048.pub.pem")))).result).toBe("OK");
  });

  it.each(["rsa-2048", "rsa-3072", "ecdsa-p384"])("keygen -t %s writes a PKCS#8 key that signs an image imgtool's key type verifies", (type) => {
    const k = join(out, `gen-${type}.pem`);
    run(["keygen", "-k", k, "-t", type]);
    expect(text(k)).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const img = join(out, `gen-${type}.bin`);
    run(["sign", "-k", k, "-H", "0x20", "--pad-header", "-S", "0x40000", "-v", "1.0.0", IN, img]);
    expect(hostVerify(bytes(img), loadKey(text(k))).result).toBe("OK");
    expect(loadKey(text(k)).type).toBe(type);
  });
});
