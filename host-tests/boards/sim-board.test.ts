import { describe, expect, it } from "vitest";
import { fotaConfig } from "../../boards/fota-config.js";
import { startBoardMeter } from "../../boards/moddable-meter.js";
import { board as sim } from "../../boards/sim/board.js";
import { toHex } from "../../src/util/bytes.js";
import { spkiFromRaw } from "../../src/fota/keys.js";
import { p256 } from "@noble/curves/nist.js";
import { BOARDS } from "../../boards/registry.js";
import { MemoryKeyValueStore } from "../../src/persistence.js";
import { simHost } from "../../bench/rigs/sim-host.js";
import { DATA_SECTORS, SIM_BOARD, SIM_TCP_PORT, SimBoard } from "../../scripts/simulator/board.js";
import { BOARD_NAMES, boardStorage } from "../../scripts/simulator/boards.js";

/**
 * The sim board through the device composition root, as boards/sim/main.js
 * runs it inside Moddable's simulator: here the host's own ports are the
 * simulated ones, so the same wiring runs on Node and XS.
 */
describe("sim board through boards/moddable-meter.ts", () => {
  it("starts the whole meter on the simulated IC and meters its load", () => {
    const { clock, bindings } = simHost(sim);
    const meter = startBoardMeter(sim, bindings);
    clock.advance(3_600_000);
    const status = meter.status();
    // 3 phases × 230 V × 5 A × cos 18.19° ≈ 3,277 W, so about 3.28 kWh in the hour.
    expect(status.activePowerW).toBeGreaterThan(3200);
    expect(status.activePowerW).toBeLessThan(3350);
    expect(meter.catalog.entries.length).toBeGreaterThan(50);
    meter.stop();
  });

  it("closes the relay's contact with the coil and offers Image Transfer with a build key", () => {
    const spki = spkiFromRaw("ecdsa-p256", p256.getPublicKey(new Uint8Array(32).fill(9), false));
    const cArray = `const unsigned char ecdsa_pub_key[] = { ${Array.from(spki, (b) => `0x${b.toString(16).padStart(2, "0")}`).join(", ")} };`;
    for (const fotaKey of [toHex(spki), cArray]) {
      const config = fotaConfig({ fotaKey });
      expect(config.fota?.keys[0]).toEqual(spki);
      const meter = startBoardMeter(sim, simHost(sim).bindings, 0, config);
      expect(meter.catalog.entries.some((e) => e.object.classId === 18)).toBe(true);
      meter.stop();
    }
    expect(fotaConfig({ fotaKey: "" })).toEqual({});
  });
});

describe("one sim board: the simulator's SimBoard is boards/sim/board.ts", () => {
  it("puts the board's energy IC on the board's chip select and opens it with the board's SPI settings", () => {
    const b = new SimBoard({ startUtcMs: Date.UTC(2026, 5, 1, 12), store: new MemoryKeyValueStore() });
    expect(SIM_BOARD).toBe(sim);
    const meter = b.boot();
    b.clock.advance(60_000);
    const select = sim.energyIc.selects[0];
    expect(b.bus.stats(select).transactions).toBeGreaterThan(0);
    expect(b.driver?.phaseCount).toBe(3);
    expect(meter.status().activePowerW).toBeGreaterThan(0);
    meter.stop();
  });

  it("takes the default data partition's geometry and the DLMS port from the board", () => {
    const storage = sim.partitionMaps[0].devices[0];
    const b = new SimBoard({ startUtcMs: Date.UTC(2026, 5, 1, 12) });
    expect(b.flash?.byteLength).toBe(256 * 1024);
    expect(b.flash?.geometry).toMatchObject({ sectorSize: storage.sectorSize, writeSize: storage.writeSize, ratedEraseCycles: storage.ratedEraseCycles });
    expect(DATA_SECTORS).toBe(64);
    expect(SIM_TCP_PORT).toBe(sim.tcpPort);
  });

  it("--board picks a registered board's storage partition and budget, and refuses an unknown one", () => {
    expect(BOARD_NAMES).toEqual(BOARDS.map((x) => x.name));
    const nrf = boardStorage("nrf52840dk");
    expect(nrf.geometry).toMatchObject({ sectorSize: 4096, sectorCount: 64, writeSize: 4, ratedEraseCycles: 10_000 });
    expect(boardStorage("sim").where).toContain("sim-flash 0x340000+0x40000");
    expect(() => boardStorage("no-such-board")).toThrow("no board");
  });
});
