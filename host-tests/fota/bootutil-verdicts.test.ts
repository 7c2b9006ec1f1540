/**
 * The meter's bootloader verdict equals bootutil's own, run: every entry of
 * fixtures/bootutil-verdicts/verdicts.json is MCUboot's loader.c +
 * image_validate.c (commit 2d4bacc3) built per board and run over a
 * simulated flash with the running image in the primary slot and the
 * candidate in the secondary slot (the file says how, with which keys and
 * which MCUBOOT_* options). Here the same pair goes through checkSlot()
 * with the same board configuration and keys and the meter's own policy
 * switched off (no stored minimum, no version-downgrade refusal), so that
 * only the bootloader's rules answer: "ok" must be exactly "boots".
 * Runs on Node and XS (the images reach XS through scripts/gen-vectors.ts);
 * the four slot-sized boundary images are compared on Node only
 * (bootutil-boundary.node.test.ts).
 */
import { describe, expect, it } from "vitest";
import { base64 as rulesBin } from "../generated/fixtures-bootloader-rules.js";
import { base64 as verdictsBin } from "../generated/fixtures-bootutil-verdicts.js";
import { base64 as compressionBin } from "../generated/fixtures-imgtool-compression.js";
import { base64ToBytes } from "../support/vectors.js";
import { set1File, set2File } from "./support/mcuboot-vectors.js";
import { bootutilDoc as doc, isBoundaryImage, meterVerdict } from "./support/bootutil-verdicts.js";

function bytes(path: string): Uint8Array {
  const [root, set, ...rest] = path.split("/");
  const name = rest.join("/");
  if (root === "shared" && set === "vectors") {
    if (rest[0] === "mcuboot") return set1File(rest.slice(1).join("/"));
    if (rest[0] === "mcuboot-imgtool-2") return set2File(rest.slice(1).join("/"));
  }
  const table = root === "fixtures" ? ({ "bootloader-rules": rulesBin, "bootutil-verdicts": verdictsBin, "imgtool-compression": compressionBin } as Record<string, Record<string, string>>)[set] : undefined;
  const b = table?.[name];
  if (b === undefined) throw new Error(`no image ${path}`);
  return base64ToBytes(b);
}

const runs = doc.runs.filter((r) => !isBoundaryImage(r.image));

describe(`bootutil's own verdicts (MCUboot ${doc.mcuboot.commit.slice(0, 8)}, run) equal the meter's, per board`, () => {
  it("covers every vector image, the issue's rules and both boards", () => {
    const images = new Set(runs.map((r) => r.image));
    expect(runs.length).toBeGreaterThanOrEqual(160);
    for (const rule of ["nonbootable", "ec256-siglen140", "ed25519-siglen63", "prot-hash", "unprot-seccnt", "unprot-vendor", "large", "v1.1.0-s3", "v1.1.0-s2", "lzma2-ed25519"]) {
      expect(images.has(`fixtures/bootloader-rules/${rule}.bin`) || images.has(`fixtures/imgtool-compression/${rule}.bin`)).toBe(true);
    }
    expect(runs.filter((r) => r.board === "esp32").length).toBe(runs.filter((r) => r.board === "zephyr").length);
    // Both answers occur on both boards, so the comparison can fail either way.
    for (const board of ["esp32", "zephyr"]) for (const v of ["boots", "refused"]) expect(runs.some((r) => r.board === board && r.bootutil === v)).toBe(true);
  });

  it.each(runs.map((r) => ({ ...r, label: `${r.board} ${r.signature}: ${r.image.split("/").pop()} over ${r.running.split("/").pop()}` })))("$label: bootutil $bootutil", (r) => {
    const v = meterVerdict(r, bytes);
    expect({ verdict: v, boots: v === "ok" }).toEqual({ verdict: v, boots: r.bootutil === "boots" });
  });
});
