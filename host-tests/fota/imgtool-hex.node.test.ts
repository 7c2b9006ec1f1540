/**
 * `imgtool sign` with Intel HEX input and output, byte for byte as MCUboot's
 * imgtool 2.4.0 (python-intelhex 2.3) writes it: fixtures/imgtool-hex/commands.sh
 * made the expected files with ed25519 keys (deterministic signatures).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sharedDir } from "../../scripts/gen-vectors.js";
import { runImgtool } from "../../scripts/imgtool/cli.js";
import { HexError, parseIntelHex, writeIntelHex } from "../../scripts/imgtool/intelhex.js";

const FIX = join(process.cwd(), "host-tests", "fota", "fixtures", "imgtool-hex");
const V = join(sharedDir, "vectors", "mcuboot-imgtool-2");
const out = mkdtempSync(join(tmpdir(), "imgtool-hex-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const K = ["-k", join(V, "keys", "ed25519.pem"), "-H", "0x20", "--pad-header", "-S", "0x40000", "-v", "1.0.0"];

const cases: [string, string[], string][] = [
  ["bin-to-hex.hex", ["-x", "0x10000"], join(V, "inputs", "pattern1000.bin")],
  ["hex-to-hex.hex", [], join(FIX, "input-0x20000.hex")],
  ["hex-to-bin.bin", [], join(FIX, "input-0x20000.hex")],
  ["pad-confirm.hex", ["-x", "0x8000", "--pad", "--confirm"], join(V, "inputs", "pattern1000.bin")],
  ["cross-64k.hex", ["-x", "0xF000", "-s", "3"], join(V, "inputs", "random65536.bin")],
];

describe("imgtool sign with Intel HEX, as MCUboot's imgtool 2.4.0", () => {
  it.each(cases)("%s", (file, opts, input) => {
    const target = join(out, file);
    const r = runImgtool(["sign", ...K, ...opts, input, target]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(Buffer.from(readFileSync(target)).equals(readFileSync(join(FIX, file)))).toBe(true);
  });

  it("a .hex output without an address in the input or -x is refused as imgtool refuses it", () => {
    const r = runImgtool(["sign", ...K, join(V, "inputs", "pattern1000.bin"), join(out, "x.hex")]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/No address exists in input file neither was it provided by user/);
  });

  it("reads back what it writes, and refuses a bad checksum with a clear error", () => {
    const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 13) & 0xff);
    const text = writeIntelHex([[0xfff0, data]]);
    expect(parseIntelHex(text)).toEqual({ base: 0xfff0, data });
    const bad = text.replace(/^(:10FFF000)(..)/m, (_m, a: string, b: string) => a + (b === "00" ? "01" : "00"));
    expect(() => parseIntelHex(bad)).toThrow(HexError);
  });
});

describe("imgtool verify of a .hex image", () => {
  it("validates imgtool's hex image with the key, as imgtool does", () => {
    const r = runImgtool(["verify", "-k", join(V, "keys", "ed25519.pem"), join(FIX, "hex-to-hex.hex")]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Image was correctly validated\n/);
  });
});
