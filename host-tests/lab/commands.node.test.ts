import { describe, expect, it } from "vitest";
import { SimCrypto } from "../../hal/sim/crypto.js";
import { DEVELOPMENT_KEYS } from "../../src/meter/config.js";
import { ClientSap } from "../../src/meter/dlms.js";
import { fromHex } from "../../src/util/bytes.js";
import { parseLabArgs } from "../../scripts/lab/args.js";
import { ClientSession } from "../../scripts/lab/client-session.js";
import { getCommand, listCommand, profileCommand, setCommand, uploadCommand } from "../../scripts/lab/commands.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKey } from "../../scripts/imgtool/keys.js";
import { sign } from "../../scripts/imgtool/sign.js";
import { FirmwareEvent } from "../../src/fota/transfer.js";
import { wrapperLink } from "../../scripts/lab/link.js";
import { formatData, parseValue } from "../../scripts/lab/values.js";
import { SIM_TCP_PORT, SimBoard } from "../../scripts/simulator/board.js";
import { settle } from "../meter/drive.js";

const T0 = Date.UTC(2026, 0, 14, 0, 0); // Wednesday 01:00 CET
const flat = { hourlyW: Array(24).fill(1000), tanPhi: 0.5, utcOffsetMin: 60 };
const KEYS = ["--auth", "hls-gmac", "--akey", "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF", "--ekey", "000102030405060708090A0B0C0D0E0F"];

async function reader(board: SimBoard) {
  const link = wrapperLink(board.network.connect(SIM_TCP_PORT)!, board.worldTimers, { clientSap: ClientSap.reader, serverLogical: 1, serverPhysical: 16, responseTimeoutMs: 5000 }, "sim");
  return settle(
    board,
    ClientSession.open(link, { auth: "hls-gmac", akey: DEVELOPMENT_KEYS.authenticationKey, ekey: DEVELOPMENT_KEYS.globalUnicastKey, systemTitle: fromHex("4D4B544C41423033"), crypto: new SimCrypto() }),
  );
}

describe("lab commands against the in-process meter", () => {
  it("profile: a range of the load profile as CSV, 15-minute rows with the energy the meter measured", async () => {
    const board = new SimBoard({ startUtcMs: T0, curve: flat });
    board.boot();
    board.clock.advance(6 * 3600000);
    const s = await reader(board);
    const lines: string[] = [];
    const o = parseLabArgs(["profile", "1-0:99.1.0*255", "--from", "2026-01-14T01:00:00Z", "--to", "2026-01-14T04:00:00Z", ...KEYS]);
    const n = await settle(board, profileCommand(s, o, (l) => lines.push(l)));
    expect(n).toBe(13); // 01:00 .. 04:00 inclusive, every 15 minutes
    expect(lines[0]).toBe("0-0:1.0.0*255 attr 2,0-0:96.10.1*255 attr 2,1-0:1.8.0*255 attr 2,1-0:2.8.0*255 attr 2,1-0:3.8.0*255 attr 2,1-0:4.8.0*255 attr 2");
    expect(lines[1].startsWith("2026-01-14 02:00:00 dev -60,")).toBe(true);
    const plusA = lines.slice(1).map((l) => Number(l.split(",")[2]));
    for (let i = 1; i < plusA.length; i++) expect(Math.abs(plusA[i] - plusA[i - 1] - 250)).toBeLessThanOrEqual(1);
    await settle(board, s.close());
  });

  it("get prints the value, set reports the meter's refusal, list shows the rights", async () => {
    const board = new SimBoard({ startUtcMs: T0 });
    board.boot();
    const s = await reader(board);
    const out: string[] = [];
    await settle(board, getCommand(s, parseLabArgs(["get", "0-0:42.0.0*255", ...KEYS]), (l) => out.push(l)));
    expect(out).toEqual(['"MKT0000000000001"']);
    await expect(settle(board, setCommand(s, parseLabArgs(["set", "0.0.1.0.0.255", "3", "i16:-60", ...KEYS]), () => {}))).rejects.toThrow(/readWriteDenied/);
    const list: string[] = [];
    await settle(board, listCommand(s, (l) => list.push(l)));
    expect(list.find((l) => l.includes("1-0:99.1.0*255"))).toMatch(/^7 +1 +1-0:99.1.0\*255 +1:r 2:r 3:r 4:r 5:r 6:r 7:r 8:r +\| +1:- 2:-$/);
    await settle(board, s.close());
  });

  it("upload: a signed image goes through initiate, blocks and verify; --activate asks for the swap and reboots", async () => {
    const key = generateKey("ecdsa-p256");
    const board = new SimBoard({ startUtcMs: T0 });
    const meter = board.boot({ fota: { keys: [key.spki], signature: "ecdsa-p256", blockSize: 256 } });
    const payload = new Uint8Array(5000).map((_, i) => (i * 31) & 0xff);
    const signed = sign(payload, { key, headerSize: 0x200, padHeader: true, version: { major: 1, minor: 2, revision: 0, build: 0 }, slotSize: 256 * 1024, align: 8 });
    const dir = mkdtempSync(join(tmpdir(), "meter-img-"));
    try {
      const file = join(dir, "app.signed.bin");
      writeFileSync(file, signed.image);
      const link = wrapperLink(board.network.connect(SIM_TCP_PORT)!, board.worldTimers, { clientSap: ClientSap.firmware, serverLogical: 1, serverPhysical: 16, responseTimeoutMs: 5000 }, "sim");
      const s = await settle(board, ClientSession.open(link, { auth: "lls", password: DEVELOPMENT_KEYS.firmwarePassword }));
      const out: string[] = [];
      await settle(board, uploadCommand(s, parseLabArgs(["upload", file, "--activate", "--auth", "lls", "--password", "12345678"]), (l) => out.push(l)));
      expect(out[0]).toBe(`image verified (${signed.image.length} bytes, ${Math.ceil(signed.image.length / 256)} blocks of 256)`);
      expect(out[1]).toBe("image activated");
      expect(board.system.nextResetCause).toBe("software");
      expect(meter.events.recent().filter((e) => e.log === "firmware").map((e) => e.code)).toContain(FirmwareEvent.rebootForActivation);
      await settle(board, s.close()).catch(() => undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("command line and value syntax", () => {
    const o = parseLabArgs(["get", "1-0:1.8.0*255", "--serial", "/dev/ttyUSB0", ...KEYS]);
    expect(o.clientSap).toBe(1);
    expect(o.serial).toBe("/dev/ttyUSB0");
    expect(parseLabArgs(["list"]).clientSap).toBe(16);
    expect(() => parseLabArgs(["list", "--auth", "hls-gmac"])).toThrow(/--akey/);
    expect(() => parseLabArgs(["list", "--akey", "00"])).toThrow(/16 bytes/);
    expect(formatData(parseValue("u32:42"))).toBe("42");
    expect(formatData(parseValue("os:0102"))).toBe("0102");
    expect(formatData(parseValue("hex:090548656C6C6F"))).toBe('"Hello"');
    expect(() => parseValue("u8:256")).toThrow(/0..255/);
    expect(() => parseValue("hex:0905")).toThrow();
  });
});
