import { describe, expect, it } from "vitest";
import { fotaConfig } from "../../boards/fota-config.js";
import { startBoardMeter } from "../../boards/moddable-meter.js";
import { simDeviceBindings } from "../../boards/sim/bindings.js";
import { board as sim } from "../../boards/sim/board.js";
import { silentLogger } from "../../hal/logger.js";
import { SimClock } from "../../hal/sim/clock.js";
import { SimCrypto } from "../../hal/sim/crypto.js";
import { SimSystem } from "../../hal/sim/system.js";
import { SimTimers } from "../../hal/sim/timers.js";
import { toHex } from "../../src/util/bytes.js";
import { spkiFromRaw } from "../../src/fota/keys.js";
import { p256 } from "@noble/curves/nist.js";

/**
 * The sim board through the device composition root, as boards/sim/main.js
 * runs it inside Moddable's simulator: here the host's own ports are the
 * simulated ones, so the same wiring runs on Node and XS.
 */
function simHost() {
  const clock = new SimClock({ startUtcMs: Date.UTC(2026, 5, 1, 12) });
  return {
    clock,
    host: {
      timers: () => new SimTimers(clock),
      clocks: () => ({ monotonic: clock, rtc: clock }),
      logger: () => silentLogger,
      system: () => new SimSystem(clock),
      crypto: () => new SimCrypto(),
    },
  };
}

describe("sim board through boards/moddable-meter.ts", () => {
  it("starts the whole meter on the simulated IC and meters its load", () => {
    const { clock, host } = simHost();
    const meter = startBoardMeter(sim, simDeviceBindings(sim, host));
    clock.advance(3_600_000);
    const status = meter.status();
    // 3 phases × 230 V × 5 A × cos 18.19° ≈ 3,277 W, so about 3.28 kWh in the hour.
    expect(status.activePowerW).toBeGreaterThan(3200);
    expect(status.activePowerW).toBeLessThan(3350);
    expect(meter.catalog.entries.length).toBeGreaterThan(50);
    meter.stop();
  });

  it("closes the relay's contact with the coil and offers Image Transfer with a build key", () => {
    const { host } = simHost();
    const spki = spkiFromRaw("ecdsa-p256", p256.getPublicKey(new Uint8Array(32).fill(9), false));
    const cArray = `const unsigned char ecdsa_pub_key[] = { ${Array.from(spki, (b) => `0x${b.toString(16).padStart(2, "0")}`).join(", ")} };`;
    for (const fotaKey of [toHex(spki), cArray]) {
      const config = fotaConfig({ fotaKey });
      expect(config.fota?.keys[0]).toEqual(spki);
      const meter = startBoardMeter(sim, simDeviceBindings(sim, host), 0, config);
      expect(meter.catalog.entries.some((e) => e.object.classId === 18)).toBe(true);
      meter.stop();
    }
    expect(fotaConfig({ fotaKey: "" })).toEqual({});
  });
});
