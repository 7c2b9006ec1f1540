/**
 * Where MCUboot's imgtool and the bootloader differ on an image of
 * fixtures/bootloader-rules (make.py): the host imgtool's verify follows
 * imgtool, the meter's verifier (bootloader-rules.test.ts) the bootloader.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sharedDir } from "../../scripts/gen-vectors.js";
import { loadKey } from "../../scripts/imgtool/keys.js";
import { hostVerify } from "../../scripts/imgtool/verify.js";

const FIX = join(process.cwd(), "host-tests", "fota", "fixtures", "bootloader-rules");
const KEYS = join(sharedDir, "vectors", "mcuboot-imgtool-2", "keys");
describe("where imgtool and the bootloader differ", () => {
  it("der-extra.bin: imgtool's verify refuses the signature (strict DER), as MCUboot's imgtool 2.4.0 printed 'No signature found for the given key'", () => {
    const bytes = new Uint8Array(readFileSync(join(FIX, "der-extra.bin")));
    expect(hostVerify(bytes, loadKey(readFileSync(join(KEYS, "ec256.pem"), "utf8"))).result).toBe("INVALID_SIGNATURE");
    expect(hostVerify(new Uint8Array(readFileSync(join(FIX, "ec256-ok.bin"))), loadKey(readFileSync(join(KEYS, "ec256.pem"), "utf8"))).result).toBe("OK");
  });
});
