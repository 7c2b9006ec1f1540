import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runSts } from "../../scripts/sts.js";
import { sts } from "./vectors.js";
import { SAMPLE_STA_TABLES } from "../../src/prepay/vending/sample-tables.js";
import { runProgramSync, startSimulator } from "../support/simulator-process.node.js";

/**
 * The host tools as a user runs them: `npm run sts -- vend/kct/key/decode`
 * against the third-party vectors, and the simulator process with
 * `npm run lab -- token` entering a freshly vended token over TCP/DLMS.
 */

const KEYS = ["--auth", "hls-gmac", "--akey", "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF", "--ekey", "000102030405060708090A0B0C0D0E0F"];

function sts1(args: string[]): { code: number; lines: string[] } {
  const lines: string[] = [];
  const code = runSts(args, (l) => lines.push(l));
  return { code, lines };
}

describe("npm run sts", () => {
  it("key: DKGA02 as in the vectors", () => {
    for (const v of sts.decoderKeys) {
      const i = v.inputs;
      expect(sts1(["key", "--vk", i.vendingKeyHex, "--sgc", i.supplyGroupCode, "--ti", i.tariffIndex, "--krn", String(i.keyRevisionNumber), "--pan", i.meterPAN]).lines).toEqual([v.decoderKeyHex]);
    }
  });

  it("vend and kct reproduce the sample-table vectors S01, S07 and S08 digit for digit", () => {
    const s01 = sts.tokensSampleTables.find((t) => t.id === "S01")!;
    expect(sts1(["vend", "--key", s01.decoderKeyHex, "--tid", "5871715", "--rnd", "5", "--amount", "0.1"]).lines[0]).toBe(s01.tokenGrouped);
    const s07 = sts.tokensSampleTables.find((t) => t.id === "S07")!;
    const s08 = sts.tokensSampleTables.find((t) => t.id === "S08")!;
    const k = sts1(["kct", "--key", s07.decoderKeyHex, "--new-key", "bcb1b757926bd181", "--new-krn", "2", "--new-ti", "2"]).lines;
    expect(k.slice(0, 2)).toEqual([s07.tokenGrouped, s08.tokenGrouped]);
    const s04 = sts.tokensSampleTables.find((t) => t.id === "S04")!;
    expect(sts1(["vend", "--key", s04.decoderKeyHex, "--class", "2", "--subclass", "0", "--amount", "16384", "--tid", "16707215", "--rnd", "15"]).lines[0]).toBe(s04.tokenGrouped);
  });

  it("--tables FILE: a provisioned table file is used (same tokens for the sample set) and a malformed one refused", () => {
    const dir = mkdtempSync(join(tmpdir(), "meter-sts-tables-"));
    try {
      const good = join(dir, "tables.json");
      writeFileSync(good, JSON.stringify(SAMPLE_STA_TABLES));
      const s01 = sts.tokensSampleTables.find((t) => t.id === "S01")!;
      expect(sts1(["vend", "--key", s01.decoderKeyHex, "--tid", "5871715", "--rnd", "5", "--amount", "0.1", "--tables", good]).lines[0]).toBe(s01.tokenGrouped);
      const bad = join(dir, "bad.json");
      writeFileSync(bad, JSON.stringify({ ...SAMPLE_STA_TABLES, perm: SAMPLE_STA_TABLES.perm.map(() => 0) }));
      expect(() => sts1(["vend", "--key", s01.decoderKeyHex, "--amount", "1", "--tables", bad])).toThrow(/permute/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("decode reports fields or the rejection; amounts a token cannot carry are refused", () => {
    const s01 = sts.tokensSampleTables.find((t) => t.id === "S01")!;
    expect(sts1(["decode", "--key", s01.decoderKeyHex, s01.token]).lines[0]).toBe("block 05599863000119e6  class 0 subclass 0: TID 5871715 RND 5 0.1 kWh");
    expect(sts1(["decode", "--key", "30366e3664f608a2", s01.token])).toEqual({ code: 1, lines: ["rejected: authentication-error"] });
    expect(() => sts1(["vend", "--key", s01.decoderKeyHex, "--amount", "1820162.5"])).toThrow(/amount/);
  });
});

describe("simulator + npm run lab -- token", () => {
  it("the simulator prints PAN and vending inputs; a vended token goes in over DLMS once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "meter-sts-"));
    const cleanup: (() => void)[] = [];
    try {
      const sim = await startSimulator(dir, ["--no-optical"], cleanup);
      const out = sim.out();
      expect(out).toMatch(/meter PAN 600727000000000009, decoder key e653341f9d5bf36f \(DKGA02\)/);
      expect(out).toMatch(/commissioning credit token \d{20}: accepted, credit 1000\.0 kWh/);
      const vend = sts1(["vend", "--vk", "abababababababab", "--sgc", "123456", "--ti", "1", "--krn", "1", "--pan", "600727000000000009", "--amount", "12.5"]);
      const token = vend.lines[0];
      const lab = (t: string) => runProgramSync("lab", ["token", t, "--tcp", `127.0.0.1:${sim.port}`, ...KEYS]);
      const first = lab(token);
      expect(first.stdout).toMatch(/^accepted \(token_status execution OK\); available credit 101\d\.\d kWh$/m);
      expect(first.code).toBe(0);
      const again = lab(token);
      expect(again.stdout).toMatch(/^used \(token_status validation failure\)/m);
      expect(again.code).toBe(1);
      const junk = lab("1234-5678");
      expect(junk.stdout).toMatch(/^format-error \(token_status format failure\)/m);
      await sim.stop();
    } finally {
      for (const f of cleanup.splice(0).reverse()) f();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180000);
});
