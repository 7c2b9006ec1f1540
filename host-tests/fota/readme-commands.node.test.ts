/**
 * The imgtool commands printed in README.md and by the simulator work as
 * written on a plain binary: each is run through the host imgtool (the
 * README's file names mapped into a temporary directory), and the image it
 * makes is checked by the meter's verifier under the board's bootloader
 * configuration. The simulator's line is taken from its own start-up log.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SimCrypto } from "../../hal/sim/crypto.js";
import { runImgtool } from "../../scripts/imgtool/cli.js";
import { loadKey } from "../../scripts/imgtool/keys.js";
import { Simulator } from "../../scripts/simulator/run.js";
import { parseOptions } from "../../scripts/simulator/options.js";
import { MCUBOOT_ESP32, MCUBOOT_ZEPHYR_NRF52840, maxImageSize } from "../../src/fota/bootloader-config.js";
import { bytesSource } from "../../src/fota/image.js";
import { ImageVerifier } from "../../src/fota/verify.js";

/** The `npm run imgtool -- …` commands of the README's code blocks, continuation lines joined. */
function readmeCommands(): string[][] {
  const text = readFileSync(join(process.cwd(), "README.md"), "utf8").replace(/\\\n\s*/g, " ");
  return [...text.matchAll(/^npm run imgtool -- (.+)$/gm)].map((m) => m[1].trim().split(/\s+/));
}

function verdict(image: Uint8Array, keyPem: string, slotSize: number, board = MCUBOOT_ESP32): string {
  const v = new ImageVerifier({ signature: "ecdsa-p256", keys: [loadKey(keyPem).spki], tlvAllowList: board.tlvAllowList, maxImageSize: maxImageSize(board, slotSize) }, new SimCrypto());
  return v.verify(bytesSource(image, slotSize)).verdict;
}

describe("printed sign commands", () => {
  it("README.md: keygen, then the ESP32 and Zephyr sign commands, on a plain binary", () => {
    const dir = mkdtempSync(join(tmpdir(), "readme-"));
    try {
      const plain = Uint8Array.from({ length: 50000 }, (_, i) => (i * 7 + 1) & 0xff);
      writeFileSync(join(dir, "app.bin"), plain);
      writeFileSync(join(dir, "zephyr.bin"), plain);
      const commands = readmeCommands();
      expect(commands.map((c) => c[0])).toEqual(["keygen", "sign", "sign"]);
      for (const c of commands) {
        const argv = c.map((a) => (/\.(pem|bin)$/.test(a) ? join(dir, a) : a));
        const r = runImgtool(argv);
        expect(r.exitCode, `${c.join(" ")}\n${r.stderr}`).toBe(0);
      }
      const key = readFileSync(join(dir, "root-ec-p256.pem"), "utf8");
      expect(verdict(new Uint8Array(readFileSync(join(dir, "app.signed.bin"))), key, 0x180000)).toBe("ok");
      expect(verdict(new Uint8Array(readFileSync(join(dir, "zephyr.signed.bin"))), key, 0xac000, MCUBOOT_ZEPHYR_NRF52840)).toBe("ok");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the simulator's start-up line signs a plain binary into an image its bootloader accepts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "printed-"));
    const lines: string[] = [];
    const sim = await Simulator.start(parseOptions(["--state", dir, "--tcp-port", "0", "--no-optical", "--quiet"]), { line: (t) => lines.push(t), status: () => {} }, Date.now, false);
    try {
      const printed = lines.find((l) => l.includes("npm run imgtool -- sign"));
      expect(printed).toBeDefined();
      const argv = printed!.replace(/^.*npm run imgtool -- /, "").split(/\s+/);
      writeFileSync(join(dir, "in.bin"), Uint8Array.from({ length: 30000 }, (_, i) => i & 0xff));
      const r = runImgtool(argv.map((a) => (a === "IN" ? join(dir, "in.bin") : a === "OUT" ? join(dir, "out.bin") : a)));
      expect(r.exitCode, r.stderr).toBe(0);
      const image = new Uint8Array(readFileSync(join(dir, "out.bin")));
      expect(verdict(image, readFileSync(join(dir, "fota-signing-key.pem"), "utf8"), sim.state.slots.secondary.byteLength)).toBe("ok");
    } finally {
      sim.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
