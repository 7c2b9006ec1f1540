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
import "../../scripts/xs-host-globals.js";
import type { BenchFigure } from "../op.js";
import { settingsFootprint } from "../rigs/settings-values.js";

export const settingsFigures: BenchFigure[] = [
  {
    name: "storage.settings.bytes",
    notes: "flash bytes of the stored settings after every writable attribute was written once (random valid values, seed 1)",
    compute: () => ({ value: settingsFootprint().bytes, unit: "B" }),
  },
];
