/**
 * The host imgtool's sign options against MCUboot's imgtool 2.4.0: every
 * line of fixtures/imgtool-options/cases.txt was run by the real imgtool
 * (commands.sh there) and is run here by ours with the same command line;
 * the images must be identical byte for byte (ed25519 and hash-only
 * signing are deterministic). ECDSA signatures are randomised, so the
 * --pad-sig case compares everything but the signature and checks that both
 * signatures are 72 bytes and verify.
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

const FIX = join(process.cwd(), "host-tests", "fota", "fixtures", "imgtool-options");
const V = join(sharedDir, "vectors", "mcuboot-imgtool-2");
const out = mkdtempSync(join(tmpdir(), "imgtool-options-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Shell words with double quotes, as commands.sh hands them to imgtool. */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

const cases = readFileSync(join(FIX, "cases.txt"), "utf8")
  .split("\n")
  .filter((l) => l.trim() && !l.startsWith("#"))
  .map((l) => {
    const [file, opts] = l.split("|");
    return { file, argv: words(opts).map((w) => w.replace("KEYS", join(V, "keys")).replace(/^INPUT$/, join(V, "inputs", "pattern1000.bin"))) };
  });

function signOurs(c: { file: string; argv: string[] }): Uint8Array {
  const target = join(out, c.file);
  const r = runImgtool(["sign", ...c.argv, target]);
  expect(r.exitCode, r.stderr).toBe(0);
  return new Uint8Array(readFileSync(target));
}

describe("imgtool sign options, byte for byte with MCUboot's imgtool 2.4.0", () => {
  it("covers the options of the issue", () => {
    const all = cases.map((c) => c.argv.join(" ")).join(" ");
    for (const opt of ["-e big", "--custom-tlv", "--vid", "--cid", "--boot-record", "--overwrite-only", "--pad-sig", "--max-align 16"]) expect(all).toContain(opt);
  });

  it.each(cases.filter((c) => !c.argv.includes("--pad-sig")))("$file", (c) => {
    const ours = signOurs(c);
    const theirs = new Uint8Array(readFileSync(join(FIX, c.file)));
    expect(ours.length).toBe(theirs.length);
    expect(Buffer.from(ours).equals(Buffer.from(theirs))).toBe(true);
  });

  it("--pad-sig: both ECDSA signatures padded to 72 bytes, everything else identical, both verify", () => {
    const c = cases.find((x) => x.argv.includes("--pad-sig"))!;
    const ours = signOurs(c);
    const theirs = new Uint8Array(readFileSync(join(FIX, c.file)));
    const key = loadKey(readFileSync(join(V, "keys", "ec256.pem"), "utf8"));
    for (const img of [ours, theirs]) {
      const p = parseImage(bytesSource(img));
      expect(p.ok).toBe(true);
      if (!p.ok) return;
      const sig = p.image.tlvs.find((t) => t.type === 0x22)!;
      expect(sig.len).toBe(72);
      expect(sig.offset + 4 + 72).toBe(img.length);
      expect(hostVerify(img, key).result).toBe("OK");
    }
    expect(ours.length).toBe(theirs.length);
    expect(Buffer.from(ours.subarray(0, ours.length - 72)).equals(Buffer.from(theirs.subarray(0, theirs.length - 72)))).toBe(true);
  });
});
