/**
 * A board build gives the meter its own MCUboot build: startBoardMeter()
 * (boards/moddable-meter.ts, what boards/<board>/main.js runs) passes the
 * partition map's `mcuboot` to the FOTA verifier instead of a default. On
 * the nRF52840 DK's Zephyr map that is a 1,584-byte trailer (128 sectors),
 * where the ESP32 default reserved 6,192: an image ending between the two
 * limits is accepted there and refused on the ESP32 layout, through the
 * board's own creation path and Image Transfer's service. The image is
 * made by the host imgtool (byte-compatible with imgtool 2.4.0, see
 * imgtool*.node.test.ts); the verdict rule itself is checked against
 * bootutil's own run in bootutil-verdicts.test.ts.
 */
import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { board as esp32 } from "../../boards/esp32-atm90e32/board.js";
import { fotaConfig } from "../../boards/fota-config.js";
import { startBoardMeter, type DeviceBindings } from "../../boards/moddable-meter.js";
import { board as nrf52840dk } from "../../boards/nrf52840dk/board.js";
import { board as sim } from "../../boards/sim/board.js";
import type { Board } from "../../boards/types.js";
import { silentLogger } from "../../hal/logger.js";
import { SimClock } from "../../hal/sim/clock.js";
import { SimCrypto } from "../../hal/sim/crypto.js";
import { simDelay } from "../../hal/sim/delay.js";
import { simEnergyChip } from "../../hal/sim/energy-ics.js";
import { SimDigitalIn } from "../../hal/sim/digital.js";
import { SimFlash } from "../../hal/sim/flash.js";
import { LoadScenario } from "../../hal/sim/load-scenario.js";
import { SimSpiBus } from "../../hal/sim/spi-bus.js";
import { SimSystem } from "../../hal/sim/system.js";
import { SimTimers } from "../../hal/sim/timers.js";
import { loadKey } from "../../scripts/imgtool/keys.js";
import { sign } from "../../scripts/imgtool/sign.js";
import { MCUBOOT_ESP32, MCUBOOT_ZEPHYR_NRF52840, bootTrailerSize } from "../../src/fota/bootloader-config.js";
import { toHex } from "../../src/util/bytes.js";

/** Every port of a board simulated, enough for startBoardMeter (host-tests/boards/moddable-meter.test.ts checks the wiring itself). */
function devices(b: Board): DeviceBindings {
  const clock = new SimClock({ startUtcMs: Date.UTC(2026, 0, 15, 12) });
  const scenario = new LoadScenario({ vRms: 230, iRms: 5, phiDeg: 0, freqHz: 50 });
  const bus = new SimSpiBus();
  return {
    timers: () => new SimTimers(clock),
    clocks: () => ({ monotonic: clock, rtc: clock }),
    logger: () => silentLogger,
    flash: (region, device) => new SimFlash({ sectorSize: device.sectorSize, sectorCount: region.size / device.sectorSize, writeSize: device.writeSize, ratedEraseCycles: device.ratedEraseCycles }),
    digitalIn: (input) => new SimDigitalIn(input.pin === b.relay?.feedback.pin ? 1 : input.active === 0 ? 1 : 0),
    digitalOut: (_pin, initial) => {
      let level = initial;
      return { write: (v: 0 | 1) => void (level = v), read: () => level };
    },
    spi: (spiBus, select) => {
      bus.attach(select, simEnergyChip(b.energyIc.driver.type, { scenario, clock }));
      return { io: bus.io, select, hz: spiBus.hz, mode: spiBus.mode };
    },
    system: () => new SimSystem(clock),
    crypto: () => new SimCrypto(),
    delay: () => simDelay(clock),
  };
}

const pem = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const key = loadKey(pem);
const build = fotaConfig({ fotaKey: toHex(key.spki) });
const NRF_ZEPHYR_MAP = nrf52840dk.partitionMaps.findIndex((m) => m.mcuboot !== undefined);

describe("a board build passes its MCUboot build to the FOTA verifier", () => {
  it("every map with MCUboot slots names its bootloader build", () => {
    for (const b of [esp32, nrf52840dk, sim]) {
      for (const m of b.partitionMaps) {
        const slots = m.devices.some((d) => d.regions.some((r) => r.role === "mcuboot-secondary"));
        expect(m.mcuboot !== undefined, `${b.name} ${m.build}`).toBe(slots);
      }
    }
    expect(esp32.partitionMaps[0].mcuboot).toBe(MCUBOOT_ESP32);
    expect(nrf52840dk.partitionMaps[NRF_ZEPHYR_MAP].mcuboot).toBe(MCUBOOT_ZEPHYR_NRF52840);
  });

  it("capacity = slot minus the board's own trailer: ESP32 0x180000 - 6,192, nRF52840 Zephyr 0xac000 - 1,584", () => {
    const e = startBoardMeter(esp32, devices(esp32), 0, build);
    expect(e.firmware?.capacity).toBe(0x180000 - bootTrailerSize(MCUBOOT_ESP32));
    expect(e.firmware?.capacity).toBe(0x180000 - 6192);
    e.stop();
    const n = startBoardMeter(nrf52840dk, devices(nrf52840dk), NRF_ZEPHYR_MAP, build);
    expect(n.firmware?.capacity).toBe(0xac000 - 1584);
    n.stop();
  });

  it("an image ending past the ESP32 trailer limit but inside Zephyr's is accepted on the nRF52840 DK's map", () => {
    const payload = new Uint8Array(700_000).map((_, i) => (i * 31 + 7) & 0xff);
    const image = sign(payload, { key, headerSize: 0x200, padHeader: true, version: { major: 2, minor: 0, revision: 0, build: 0 }, slotSize: 0xac000, align: 4, maxSectors: 128 }).image;
    expect(image.length).toBeGreaterThan(0xac000 - 6192);
    expect(image.length).toBeLessThanOrEqual(0xac000 - 1584);
    const n = startBoardMeter(nrf52840dk, devices(nrf52840dk), NRF_ZEPHYR_MAP, build);
    const fw = n.firmware!;
    expect(fw.initiate(new TextEncoder().encode("2.0.0"), image.length)).toEqual({ ok: true });
    for (let i = 0; i < fw.blockCount; i++) {
      const block = new Uint8Array(fw.blockSize).fill(0xff);
      block.set(image.subarray(i * fw.blockSize, (i + 1) * fw.blockSize));
      expect(fw.block(i, i === fw.blockCount - 1 ? block.subarray(0, image.length - i * fw.blockSize) : block)).toEqual({ ok: true });
    }
    expect(fw.verify()).toEqual({ ok: true });
    n.stop();
    // The same bytes on a map with the ESP32 build: larger than what its bootloader can boot.
    const onEsp32Build = startBoardMeter({ ...nrf52840dk, partitionMaps: nrf52840dk.partitionMaps.map((m) => ({ ...m, mcuboot: m.mcuboot && MCUBOOT_ESP32 })) }, devices(nrf52840dk), NRF_ZEPHYR_MAP, build);
    expect(onEsp32Build.firmware!.initiate(new TextEncoder().encode("2.0.0"), image.length)).toEqual({ ok: false, refusal: "too-large" });
    onEsp32Build.stop();
  });
});
