import { describe, expect, it } from "vitest";
import { boardPorts, startBoardMeter } from "../../boards/moddable-meter.js";
import { frozenBoard, type Board } from "../../boards/types.js";
import { Mechanism } from "../../src/cosem/apdu/acse.js";
import { Tag } from "../../src/cosem/axdr.js";
import { DlmsClient } from "../../src/cosem/client/client.js";
import { Obis } from "../../src/cosem/obis.js";
import { ClientSap } from "../../src/meter/dlms.js";
import { DEFAULT_BUDGET } from "../../src/storage/budget.js";
import { WrapperClient } from "../../src/transport/client/wrapper-client.js";
import { drive } from "../transport/support.js";
import { simHost } from "../../bench/rigs/sim-host.js";
import { ADE7953_DRIVER } from "../../hal/drivers/ade7953.js";

const KiB = 1024;

/**
 * A board defined in data alone: nothing in boards/, hal/ or the other tests
 * names it. Its energy IC (an ADE7953, as on the nRF52840 DK, but on other
 * pins and SPI settings) is the driver its data names, its flash
 * is a map of its own (2 MiB, 4-byte program unit, MCUboot slots and storage
 * where no other board has them), and its DLMS wrapper listens on its own
 * port. Booting it through the device composition root and reading it over
 * DLMS shows that adding a board with a known IC is board data only.
 */
const board: Readonly<Board> = frozenBoard({
  name: "test-data-board",
  platforms: ["lin"],
  description: "A board in data alone: ADE7953 on its own pins, a 2 MiB flash map of its own",
  energyIc: { driver: ADE7953_DRIVER, bus: { clock: 3, in: 4, out: 5, hz: 2_000_000, mode: 3 }, selects: [7] },
  relay: { drive: 10, feedback: { pin: 11, pull: "down", active: 1 } },
  tcpPort: 4061,
  partitionMaps: [
    {
      build: "test (simulated flash)",
      bootloader: "mcuboot",
      devices: [
        {
          name: "test-flash",
          size: 2048 * KiB,
          sectorSize: 4 * KiB,
          writeSize: 4,
          ratedEraseCycles: 10_000,
          regions: [
            { label: "boot", role: "bootloader", offset: 0, size: 0x10000 },
            { label: "storage", role: "storage", offset: 0x10000, size: 256 * KiB },
            { label: "image-0", role: "mcuboot-primary", offset: 0x50000, size: 0xc0000 },
            { label: "image-1", role: "mcuboot-secondary", offset: 0x110000, size: 0xc0000 },
            { label: "image-scratch", role: "mcuboot-scratch", offset: 0x1d0000, size: 0x10000 },
          ],
        },
      ],
    },
  ],
  storage: DEFAULT_BUDGET,
  sources: ["host-tests/boards/data-board.test.ts (a test board)"],
});

const host = () => simHost(board);

describe("a board defined in data alone", () => {
  it("gets its IC's driver and its own partitions from the composition root", () => {
    const h = host();
    const ports = boardPorts(board, h.bindings);
    // ADE7953: one phase (voltage and current channel A), calibration for channels A and B.
    expect(ports.energyIc.phaseCount).toBe(1);
    expect(ports.defaultCalibration.length).toBe(2);
    expect(ports.flash?.byteLength).toBe(256 * KiB);
    expect(ports.flash?.geometry).toMatchObject({ sectorSize: 4 * KiB, writeSize: 4, ratedEraseCycles: 10_000 });
    expect(ports.slots?.primary.byteLength).toBe(0xc0000);
    expect(ports.tcp).toBeDefined();
  });

  it("boots the meter, which meters the ADE7953's load and answers a GET over the DLMS wrapper on the board's port", async () => {
    const h = host();
    const meter = startBoardMeter(board, h.bindings);
    h.clock.advance(60_000);
    // One phase of the sim load: 230 V × 5 A × cos 18.19° ≈ 1,092 W.
    expect(meter.status().activePowerW).toBeGreaterThan(1000);
    expect(meter.status().activePowerW).toBeLessThan(1200);

    const end = h.network.connect(board.tcpPort ?? -1);
    if (!end) throw new Error("the meter does not listen on the board's port");
    const link = new WrapperClient(end, h.timers, { clientSap: ClientSap.public, serverLogical: 1, responseTimeoutMs: 5000, maxApduSize: 4096 });
    const dlms = new DlmsClient({ exchange: (apdu) => link.request(apdu), mechanism: Mechanism.none });
    const run = <T>(p: Promise<T>) => drive(h.clock, p, 60_000);
    await run(dlms.associate());
    const clock = await run(dlms.get(8, Obis.of(0, 0, 1, 0, 0, 255), 2));
    expect(clock.ok && clock.value.tag).toBe(Tag.OctetString);
    await run(dlms.release());
    meter.stop();
  });
});
