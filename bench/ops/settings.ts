/**
 * Settings figure of issue 16: flash bytes the stored settings take once
 * every attribute a client may write has been written once, each with a
 * valid value different from the factory one (the property test's
 * generators, fixed seed), on the ESP32 board's 256 KiB "storage"
 * partition (its size and geometry read from the board data).
 * Counted as the log records the KeyValueStore appends for the settings
 * keys (header, key, value, CRC and commit mark, padded to the write unit);
 * values the domains store themselves (calibration, client system titles)
 * are not settings records and are not counted.
 */
// fast-check reads the timer globals when it loads; the XS bench host has none (the test host's shim provides them).
import "../../host-tests/xs/host-globals.js";
import fc from "fast-check";
import type { BenchFigure } from "../op.js";
import { SimBoard } from "../../scripts/simulator/board.js";
import { SimFlash } from "../../hal/sim/flash.js";
import { board as esp32 } from "../../boards/esp32-atm90e32/board.js";
import { plan, write } from "../../host-tests/meter/settings-values.js";

const T0 = Date.UTC(2026, 0, 14, 5, 30);

/** Settings records' flash bytes and count after every writable attribute was written once (seeded values). */
export function settingsFootprint(seed = 1): { bytes: number; records: number; writes: number; flashWrites: number; restored: number } {
  const device = esp32.partitionMaps[0].devices[0];
  const storage = device.regions.find((r) => r.role === "storage")!;
  const flash = new SimFlash({ sectorSize: device.sectorSize, sectorCount: storage.size / device.sectorSize, writeSize: device.writeSize, ratedEraseCycles: device.ratedEraseCycles });
  const board = new SimBoard({ startUtcMs: T0, flash });
  const m = board.boot();
  const [writes] = fc.sample(plan(m).arbitrary, { seed, numRuns: 1 });
  for (const w of writes) write(m, w);
  let bytes = 0;
  const stored = m.settings.stored();
  // One KV record: key length byte, key, value (LogKeyValueStore's body).
  for (const s of stored) bytes += m.log!.span(1 + s.key.length + s.record.length);
  const flashWrites = m.settings.writes;
  const restored = board.restart("software").settingsRestored.restored;
  return { bytes, records: stored.length, writes: writes.length, flashWrites, restored };
}

export const settingsFigures: BenchFigure[] = [
  {
    name: "storage.settings.bytes",
    notes: "flash bytes of the stored settings after every writable attribute was written once (random valid values, seed 1)",
    compute: () => ({ value: settingsFootprint().bytes, unit: "B" }),
  },
];
