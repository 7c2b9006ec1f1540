/**
 * `imgtool sign --compression lzma2|lzma2armthumb` against MCUboot's imgtool
 * 2.4.0: every line of fixtures/imgtool-compression/cases.txt was run by the
 * real imgtool (commands.sh there, with its verify and dumpinfo outputs) and
 * is run here by ours with the same command line. ed25519 and hash-only
 * images must be identical byte for byte, stdout included ("compressed image
 * size: ..."); the ECDSA one has two randomised signatures (DECOMP_SIGNATURE
 * and the image's), so it is compared field by field and must verify.
 * verify and dumpinfo (human and YAML) must print what imgtool printed for
 * imgtool's own images.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sharedDir } from "../../scripts/gen-vectors.js";
import { runImgtool } from "../../scripts/imgtool/cli.js";
import { lzma2Header } from "../../scripts/imgtool/lzma.js";
import { bytesSource, parseImage } from "../../src/fota/image.js";

const FIX = join(process.cwd(), "host-tests", "fota", "fixtures", "imgtool-compression");
const V = join(sharedDir, "vectors", "mcuboot-imgtool-2");
const out = mkdtempSync(join(tmpdir(), "imgtool-compression-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

const INPUTS: Record<string, string> = { INPUT: "pattern1000.bin", ZINPUT: "pattern1000_zerohdr200.bin", RINPUT: "random65536.bin" };
const cases = readFileSync(join(FIX, "cases.txt"), "utf8")
  .split("\n")
  .filter((l) => l.trim() && !l.startsWith("#"))
  .map((l) => {
    const [file, opts] = l.split("|");
    const argv = words(opts).map((w) => (w in INPUTS ? join(V, "inputs", INPUTS[w]) : w.replace("ENCKEYS", join(FIX, "..", "imgtool-encrypt")).replace("KEYS", join(V, "keys"))));
    const key = /-k KEYS\/(\S+)/.exec(opts)?.[1];
    return { file, name: file.replace(/\.bin$/, ""), argv, key };
  });
const failedDump = readFileSync(join(FIX, "failed.txt"), "utf8").split("\n").filter(Boolean);
const fixture = (name: string) => readFileSync(join(FIX, name), "utf8");

function signOurs(c: (typeof cases)[number]) {
  const target = join(out, c.file);
  const r = runImgtool(["sign", ...c.argv, target]);
  expect(r.exitCode, r.stderr).toBe(0);
  return { image: new Uint8Array(readFileSync(target)), stdout: r.stdout };
}

describe("imgtool sign --compression, byte for byte with MCUboot's imgtool 2.4.0", () => {
  it("covers lzma2, lzma2armthumb, the fallback, both endians, hash-only and signed", () => {
    const all = cases.map((c) => c.argv.join(" ")).join("\n");
    for (const opt of ["--compression lzma2 ", "--compression lzma2armthumb", "-e big", "--confirm", "--test", "--non-bootable", "random65536"]) expect(all).toContain(opt);
    expect(cases.length).toBe(12);
    expect(all).toContain("-E ");
  });

  it.each(cases.filter((c) => c.key !== "ec256.pem" && !c.argv.includes("-E")))("$file", (c) => {
    const ours = signOurs(c);
    const theirs = new Uint8Array(readFileSync(join(FIX, c.file)));
    expect(ours.stdout).toBe(fixture(`${c.name}.sign.txt`));
    expect(ours.image.length).toBe(theirs.length);
    expect(Buffer.from(ours.image).equals(Buffer.from(theirs))).toBe(true);
  });

  it("the compressed body is the 2-byte LZMA2 header (dict 128 KiB, lc 3 lp 1 pb 2) and a raw stream; flags 0x400 (+0x800 ARM-Thumb)", () => {
    for (const [file, flags] of [["lzma2-ed25519.bin", 0x400], ["lzma2armthumb-ed25519.bin", 0xc00]] as const) {
      const b = new Uint8Array(readFileSync(join(FIX, file)));
      const p = parseImage(bytesSource(b));
      expect(p.ok).toBe(true);
      if (!p.ok) return;
      expect(p.image.header.flags).toBe(flags);
      expect([...b.subarray(p.image.header.hdrSize, p.image.header.hdrSize + 2)]).toEqual([...lzma2Header()]);
      expect(p.image.tlvs.filter((t) => t.area === "protected").map((t) => t.type)).toEqual([0x70, 0x71, 0x72]);
    }
  });

  /**
   * An image with the randomised parts left out: ECDSA signatures (the image's
   * and DECOMP_SIGNATURE, 70 to 72 bytes of DER, so the protected area's size
   * varies with them), and with -E the ephemeral key TLV and the encrypted
   * body. Everything else is compared as bytes.
   */
  function shape(b: Uint8Array, encrypted: boolean) {
    const p = parseImage(bytesSource(b));
    if (!p.ok) throw new Error(p.reason);
    const h = p.image.header;
    const random = (t: number) => t === 0x22 || t === 0x72 || (encrypted && t >= 0x30 && t <= 0x33);
    return {
      header: { ...h, protectTlvSize: undefined },
      body: encrypted ? `${h.imgSize} bytes` : Buffer.from(b.subarray(h.hdrSize, h.hdrSize + h.imgSize)).toString("hex"),
      tlvs: p.image.tlvs.map((t) =>
        random(t.type) || t.type === 0x10 || t.type === 0x01 ? `${t.area}:0x${t.type.toString(16)}` : `${t.area}:0x${t.type.toString(16)}=${Buffer.from(b.subarray(t.dataOffset, t.dataOffset + t.len)).toString("hex")}`,
      ),
    };
  }

  it.each(cases.filter((c) => c.key === "ec256.pem" || c.argv.includes("-E")))("$file: equal to imgtool's but for signatures, key TLV and encryption", (c) => {
    const ours = signOurs(c);
    const theirs = new Uint8Array(readFileSync(join(FIX, c.file)));
    expect(ours.stdout).toBe(fixture(`${c.name}.sign.txt`));
    const encrypted = c.argv.includes("-E");
    const a = shape(ours.image, encrypted);
    expect(a).toEqual(shape(theirs, encrypted));
    expect(a.header.flags & 0x400).toBe(0x400);
    // DECOMP_SIZE and DECOMP_SHA (of the uncompressed first pass) are deterministic and equal; with -E also COMP_DEC_SIZE.
    expect(a.tlvs.filter((t) => /^protected:0x7[01]=/.test(t))).toHaveLength(2);
    if (encrypted) expect(a.tlvs.some((t) => t.startsWith("protected:0x73="))).toBe(true);
    if (!encrypted) {
      for (const img of [ours.image, theirs]) {
        const target = join(out, "check.bin");
        writeFileSync(target, img);
        expect(runImgtool(["verify", "-k", join(V, "keys", "ec256.pem"), target]).exitCode).toBe(0);
      }
    }
  });

  it("refuses an unknown --compression value as imgtool's click does", () => {
    const base = ["sign", "-H", "0x200", "--pad-header", "-S", "0x40000", "-v", "1.0.0", join(V, "inputs", "pattern1000.bin"), join(out, "x.bin")];
    const r = runImgtool([...base.slice(0, 1), "--compression", "lzma", ...base.slice(1)]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("'lzma' is not one of 'disabled', 'lzma2', 'lzma2armthumb'");
  });
});

describe("imgtool verify and dumpinfo on imgtool's compressed images", () => {
  it.each(cases)("$file: verify", (c) => {
    const args = c.key ? ["verify", "-k", join(V, "keys", c.key), join(FIX, c.file)] : ["verify", join(FIX, c.file)];
    const r = runImgtool(args);
    expect(r.stdout + r.stderr).toBe(fixture(`${c.name}.verify.txt`));
  });

  it.each(cases)("$file: dumpinfo and dumpinfo -o (YAML)", (c) => {
    const r = runImgtool(["dumpinfo", join(FIX, c.file)]);
    if (failedDump.includes(c.name)) {
      // imgtool's dumpinfo reads big-endian images as little-endian and fails; ours refuses them too.
      expect(existsSync(join(FIX, `${c.name}.dumpinfo.txt`))).toBe(false);
      expect(r.exitCode).not.toBe(0);
      return;
    }
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.replace(join(FIX, c.file), c.file)).toBe(fixture(`${c.name}.dumpinfo.txt`));
    const target = join(out, `${c.name}.yaml`);
    expect(runImgtool(["dumpinfo", "-o", target, join(FIX, c.file)]).exitCode).toBe(0);
    expect(readFileSync(target, "utf8")).toBe(fixture(`${c.name}.yaml`));
  });
});
