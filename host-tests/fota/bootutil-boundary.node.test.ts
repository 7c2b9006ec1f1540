/**
 * The largest image each board's MCUboot boots, to the byte: images from
 * MCUboot's imgtool ending exactly at bootutil_max_image_size() and one
 * byte past it (fixtures/bootutil-boundary/commands.sh), with bootutil's own
 * verdicts from fixtures/bootutil-verdicts/verdicts.json. Node only: the
 * images are a slot each, too large to embed for XS; the other 162 runs are
 * compared on both runtimes in bootutil-verdicts.test.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { set2File } from "./support/mcuboot-vectors.js";
import { base64 as verdictsBin } from "../generated/fixtures-bootutil-verdicts.js";
import { base64ToBytes } from "../support/vectors.js";
import { bootutilDoc, isBoundaryImage, meterVerdict } from "./support/bootutil-verdicts.js";

const FIX = join(process.cwd(), "host-tests", "fota", "fixtures");
function bytes(path: string): Uint8Array {
  if (path.startsWith("fixtures/bootutil-verdicts/")) return base64ToBytes(verdictsBin[path.split("/").pop()!]);
  if (path.startsWith("shared/vectors/mcuboot-imgtool-2/")) return set2File(path.slice("shared/vectors/mcuboot-imgtool-2/".length));
  return new Uint8Array(readFileSync(join(FIX, path.slice("fixtures/".length))));
}
const runs = bootutilDoc.runs.filter((r) => isBoundaryImage(r.image));

describe("bootutil_max_image_size() to the byte, per board (bootutil run vs the meter)", () => {
  it("has both sides of both limits", () => {
    expect(runs.map((r) => `${r.board} ${r.image.split("/").pop()} ${r.bootutil}`)).toEqual([
      "esp32 end-255952.bin boots",
      "esp32 end-255953.bin refused",
      "esp32 end-260560.bin refused",
      "esp32 end-260561.bin refused",
      "zephyr end-255952.bin boots",
      "zephyr end-255953.bin boots",
      "zephyr end-260560.bin boots",
      "zephyr end-260561.bin refused",
    ]);
  });

  it.each(runs.map((r) => ({ ...r, label: `${r.board}: ${r.image.split("/").pop()}` })))("$label: bootutil $bootutil", (r) => {
    const v = meterVerdict(r, bytes);
    expect({ verdict: v, boots: v === "ok" }).toEqual({ verdict: v, boots: r.bootutil === "boots" });
  });
});
