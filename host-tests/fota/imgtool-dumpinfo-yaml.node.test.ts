/**
 * `imgtool dumpinfo -o FILE` writes YAML identical to MCUboot's imgtool
 * 2.4.0 (PyYAML) for every image of the mcuboot-imgtool-2 vector set and of
 * the imgtool fixtures (fixtures/imgtool-dumpinfo/commands.sh made the
 * expected files).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sharedDir } from "../../scripts/gen-vectors.js";
import { runImgtool } from "../../scripts/imgtool/cli.js";

const FIX = join(process.cwd(), "host-tests", "fota", "fixtures");
const SOURCES = [join(sharedDir, "vectors", "mcuboot-imgtool-2", "images"), join(FIX, "imgtool-options"), join(FIX, "imgtool-keys")];
const out = mkdtempSync(join(tmpdir(), "dumpinfo-yaml-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const expected = readdirSync(join(FIX, "imgtool-dumpinfo")).filter((f) => f.endsWith(".yaml"));

function source(name: string): string {
  for (const dir of SOURCES) {
    for (const candidate of [`${name}.bin`, `${name}.signed.bin`.replace(".signed.signed", ".signed")]) {
      const p = join(dir, candidate);
      if (existsSync(p)) return p;
    }
  }
  throw new Error(`no image for ${name}`);
}

describe("imgtool dumpinfo -o (YAML), as MCUboot's imgtool 2.4.0 writes it", () => {
  it("has the expected files", () => {
    expect(expected.length).toBeGreaterThanOrEqual(40);
  });

  it.each(expected)("%s", (file) => {
    const name = file.replace(/\.yaml$/, "");
    const target = join(out, file);
    const r = runImgtool(["dumpinfo", "-o", target, source(name)]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(target, "utf8")).toBe(readFileSync(join(FIX, "imgtool-dumpinfo", file), "utf8"));
  });
});
