import { describe, expect, it } from "vitest";
import { board as esp32 } from "../../boards/esp32-atm90e32/board.js";
import { activeHigh, boardPorts, startBoardMeter, type DeviceBindings } from "../../boards/moddable-meter.js";
import { board as nrf52840dk } from "../../boards/nrf52840dk/board.js";
import { BOARDS } from "../../boards/registry.js";
import type { Board } from "../../boards/types.js";
import type { DigitalOut } from "../../hal/digital.js";
import { silentLogger } from "../../hal/logger.js";
import { SimClock } from "../../hal/sim/clock.js";
import { SimCrypto } from "../../hal/sim/crypto.js";
import { simDelay } from "../../hal/sim/delay.js";
import { SimDigitalIn } from "../../hal/sim/digital.js";
import { simEnergyChip } from "../../hal/sim/energy-ics.js";
import { SimFlash } from "../../hal/sim/flash.js";
import { LoadScenario } from "../../hal/sim/load-scenario.js";
import { SimSpiBus } from "../../hal/sim/spi-bus.js";
import { SimSystem } from "../../hal/sim/system.js";
import { SimTimers } from "../../hal/sim/timers.js";
import { spkiFromRaw } from "../../src/fota/keys.js";
import { p256 } from "@noble/curves/nist.js";

/**
 * The device composition root (boards/moddable-meter.ts) with every binding
 * backed by a simulated peripheral: what main.js does on a board, checked on
 * both runtimes — which pin becomes which port, the flash region it opens,
 * the relay's boot level and the polarity of active-low inputs.
 */
function rig(b: Board, relayContact: 0 | 1 = 1) {
  const clock = new SimClock({ startUtcMs: Date.UTC(2026, 0, 15, 12) });
  const bus = new SimSpiBus();
  // The chip model of the board's IC, by name (hal/sim/energy-ics.ts).
  const chip = simEnergyChip(b.energyIc.driver.type, { scenario: new LoadScenario({ vRms: 230, iRms: 5, phiDeg: 0, freqHz: 50 }), clock });
  const inputs = new Map<number, SimDigitalIn>();
  const outputs = new Map<number, { pin: number; writes: number[] } & DigitalOut>();
  const flashes: { label: string | undefined; sectors: number }[] = [];
  let spi: { select: number; hz: number; mode: number } | undefined;
  let powerFailInput: unknown;
  const devices: DeviceBindings = {
    timers: () => new SimTimers(clock),
    clocks: () => ({ monotonic: clock, rtc: clock }),
    logger: () => silentLogger,
    flash: (region, device) => {
      flashes.push({ label: region.label, sectors: region.size / device.sectorSize });
      return new SimFlash({ sectorSize: device.sectorSize, sectorCount: region.size / device.sectorSize, writeSize: device.writeSize, ratedEraseCycles: device.ratedEraseCycles });
    },
    digitalIn: (input) => {
      // Resting levels: relay contact as given, buttons released, supply good.
      const level: 0 | 1 = input.pin === b.relay?.feedback.pin ? relayContact : input.active === 0 ? 1 : 0;
      const pin = new SimDigitalIn(level);
      inputs.set(input.pin, pin);
      return pin;
    },
    digitalOut: (pin, initial) => {
      const writes: number[] = [initial];
      let level = initial;
      const out = { pin, writes, write: (v: 0 | 1) => (writes.push(v), (level = v)), read: () => level };
      outputs.set(pin, out);
      return out;
    },
    spi: (bus_, select) => {
      spi = { select, hz: bus_.hz, mode: bus_.mode };
      bus.attach(select, chip);
      return { io: bus.io, select, hz: bus_.hz, mode: bus_.mode };
    },
    system: (powerFail) => {
      powerFailInput = powerFail;
      return new SimSystem(clock);
    },
    crypto: () => new SimCrypto(),
    delay: () => simDelay(clock),
  };
  return { clock, devices, inputs, outputs, flashes, spi: () => spi, powerFailInput: () => powerFailInput };
}

describe("device composition root", () => {
  it("opens the 256 KiB storage partition, the first ATM90E32 at CircuitSetup's CS1 in mode 3 at 200 kHz", () => {
    const r = rig(esp32);
    const ports = boardPorts(esp32, r.devices);
    expect(r.flashes).toEqual([
      { label: "storage", sectors: 64 },
      { label: "image-0", sectors: 384 },
      { label: "image-1", sectors: 384 },
    ]);
    expect(ports.flash?.byteLength).toBe(256 * 1024);
    expect(ports.slots?.primary.byteLength).toBe(0x180000);
    expect(ports.slots?.secondary.byteLength).toBe(0x180000);
    expect(r.spi()).toEqual({ select: 5, hz: 200_000, mode: 3 });
    expect(ports.energyIc.phaseCount).toBe(3);
    expect(ports.defaultCalibration.length).toBe(3);
  });

  it("drives the relay coil to the contact's present state, so a reboot never switches the supply", () => {
    for (const contact of [0, 1] as const) {
      const r = rig(esp32, contact);
      boardPorts(esp32, r.devices);
      expect(r.outputs.get(esp32.relay?.drive ?? -1)?.writes).toEqual([contact]);
    }
  });

  it("reports the active-low BOOT button as pressed = 1 and passes the active-low power-fail line through", () => {
    const r = rig(esp32);
    const ports = boardPorts(esp32, r.devices);
    const raw = r.inputs.get(0);
    expect(ports.button?.read()).toBe(0);
    const seen: number[] = [];
    ports.button?.onChange?.((l) => seen.push(l));
    raw?.set(0);
    expect(ports.button?.read()).toBe(1);
    expect(seen).toEqual([1]);
    expect(r.powerFailInput()).toBe(r.inputs.get(39));
  });

  it("builds the nRF52 native map's meter on the ADE7953 without a network", () => {
    const r = rig(nrf52840dk);
    const ports = boardPorts(nrf52840dk, r.devices);
    // UF2 bootloader, no MCUboot: no slots, so no Image Transfer on this build.
    expect(r.flashes).toEqual([{ label: "storage", sectors: 64 }]);
    expect(ports.slots).toBeUndefined();
    expect(ports.tcp).toBeUndefined();
    expect(ports.energyIc.phaseCount).toBeGreaterThan(0);
  });

  // Every registered board and every build of it, without naming one: a new board is covered here by its data.
  for (const b of BOARDS) {
    b.partitionMaps.forEach((map, index) => {
      it(`${b.name} / ${map.build}: opens the IC its data names and meters the load`, () => {
        const r = rig(b);
        const meter = startBoardMeter(b, r.devices, index);
        r.clock.advance(60_000);
        expect(r.spi()).toEqual({ select: b.energyIc.selects[0], hz: b.energyIc.bus.hz, mode: b.energyIc.bus.mode });
        expect(meter.status().activePowerW).toBeGreaterThan(0);
        meter.stop();
      });
    });
  }

  it("refuses a board whose partition map is unsound before opening any flash", () => {
    const broken: Board = JSON.parse(JSON.stringify(esp32)) as Board;
    const storage = broken.partitionMaps[0].devices[0].regions.find((x) => x.role === "storage");
    if (storage) storage.size = 128 * 1024;
    const r = rig(broken);
    expect(() => boardPorts(broken, r.devices)).toThrow("partition map");
    expect(r.flashes).toEqual([]);
  });

  it("starts a meter that meters the simulated load", () => {
    const r = rig(esp32);
    const meter = startBoardMeter(esp32, r.devices);
    r.clock.advance(60_000);
    expect(meter.status().activePowerW).toBeGreaterThan(0);
    meter.stop();
  });

  it("offers Image Transfer (class 18) on a board with MCUboot slots once the bootloader's key is given", () => {
    const r = rig(esp32);
    const spki = spkiFromRaw("ecdsa-p256", p256.getPublicKey(new Uint8Array(32).fill(7), false));
    const withKey = startBoardMeter(esp32, r.devices, 0, { fota: { keys: [spki], signature: "ecdsa-p256", blockSize: 256 } });
    expect(withKey.firmware).toBeDefined();
    expect(withKey.catalog.entries.some((e) => e.object.classId === 18)).toBe(true);
    withKey.stop();
  });

  it("activeHigh leaves an active-high input as it is", () => {
    const pin = new SimDigitalIn(1);
    expect(activeHigh(pin, 1)).toBe(pin);
    expect(activeHigh(pin, 0).read()).toBe(0);
  });
});
