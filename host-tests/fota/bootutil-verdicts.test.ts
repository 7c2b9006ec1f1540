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
 * Runs on Node and XS (the images reach XS through scripts/gen-vectors.ts).
 */
import { describe, expect, it } from "vitest";
import { SimCrypto } from "../../hal/sim/crypto.js";
import { base64 as rulesBin } from "../generated/fixtures-bootloader-rules.js";
import { base64 as verdictsBin, text as verdictsText } from "../generated/fixtures-bootutil-verdicts.js";
import { base64 as compressionBin } from "../generated/fixtures-imgtool-compression.js";
import { base64ToBytes } from "../support/vectors.js";
import { pemToDer, set1File, set1Text_, set2File, set2Spki } from "./support/mcuboot-vectors.js";
import { MCUBOOT_ESP32, MCUBOOT_ZEPHYR_NRF52840, maxImageSize, type BootloaderConfig } from "../../src/fota/bootloader-config.js";
import { bytesSource } from "../../src/fota/image.js";
import { checkSlot, runningImage } from "../../src/fota/slot-check.js";
import { ImageVerifier } from "../../src/fota/verify.js";

interface Run {
  board: "esp32" | "zephyr";
  signature: "ec256" | "ed25519";
  running: string;
  image: string;
  bootutil: "boots" | "refused";
  log: string[];
  command: string;
}
const doc = JSON.parse(verdictsText["verdicts.json"]) as { mcuboot: { commit: string }; runs: Run[] };
const SLOT = 0x40000;
const crypto = new SimCrypto();

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

/** The keys verdicts.json says bootutil_keys[] held, in its order. */
const KEYS = {
  ec256: [set2Spki("root-ec-p256"), set2Spki("ec256"), pemToDer(set1Text_("ec256.pub.pem"))],
  ed25519: [set2Spki("ed25519"), pemToDer(set1Text_("ed25519.pub.pem"))],
};
const BOARDS: Record<Run["board"], BootloaderConfig> = { esp32: MCUBOOT_ESP32, zephyr: MCUBOOT_ZEPHYR_NRF52840 };

function meterVerdict(r: Run): string {
  const config: BootloaderConfig = { ...BOARDS[r.board], signature: r.signature === "ec256" ? "ecdsa-p256" : "ed25519" };
  const verifier = new ImageVerifier(
    { signature: config.signature, keys: KEYS[r.signature], tlvAllowList: config.tlvAllowList, maxImageSize: maxImageSize(config, SLOT) },
    crypto,
  );
  const running = runningImage(verifier, bytesSource(bytes(r.running), SLOT));
  return checkSlot(verifier, config, bytesSource(bytes(r.image), SLOT), { running, refuseVersionDowngrade: false }).verdict;
}

describe(`bootutil's own verdicts (MCUboot ${doc.mcuboot.commit.slice(0, 8)}, run) equal the meter's, per board`, () => {
  it("covers every vector image, the issue's rules and both boards", () => {
    const images = new Set(doc.runs.map((r) => r.image));
    expect(doc.runs.length).toBeGreaterThanOrEqual(160);
    for (const rule of ["nonbootable", "ec256-siglen140", "ed25519-siglen63", "prot-hash", "unprot-seccnt", "unprot-vendor", "large", "v1.1.0-s3", "v1.1.0-s2", "lzma2-ed25519"]) {
      expect(images.has(`fixtures/bootloader-rules/${rule}.bin`) || images.has(`fixtures/imgtool-compression/${rule}.bin`)).toBe(true);
    }
    expect(doc.runs.filter((r) => r.board === "esp32").length).toBe(doc.runs.filter((r) => r.board === "zephyr").length);
    // Both answers occur on both boards, so the comparison can fail either way.
    for (const board of ["esp32", "zephyr"]) for (const v of ["boots", "refused"]) expect(doc.runs.some((r) => r.board === board && r.bootutil === v)).toBe(true);
  });

  it.each(doc.runs.map((r) => ({ ...r, label: `${r.board} ${r.signature}: ${r.image.split("/").pop()} over ${r.running.split("/").pop()}` })))("$label: bootutil $bootutil", (r) => {
    const v = meterVerdict(r);
    expect({ verdict: v, boots: v === "ok" }).toEqual({ verdict: v, boots: r.bootutil === "boots" });
  });
});
