/**
 * The simulator's keypad on its standard input: a line of digits (dashes
 * and spaces allowed, as printed on a token slip) is typed on the simulated
 * keypad followed by Enter; "000" is the emergency-credit code. The meter's
 * answer (what its display would show) is printed.
 */
import { createInterface } from "node:readline";
import { TOKEN_RESULT_NAMES } from "../../src/prepay/results.js";
import type { KeypadOutcome } from "../../src/prepay/keypad-entry.js";
import type { Simulator } from "../simulator/run.js";

export function attachStdinKeypad(sim: Simulator, line: (text: string) => void): void {
  if (!sim.meter.keypadEntry) return;
  line("keypad: type a token (or 000 for emergency credit) and Enter on this terminal");
  const rl = createInterface({ input: process.stdin, terminal: false });
  rl.on("line", (text) => {
    if (!/^[0-9 -]+$/.test(text.trim())) return;
    // A firmware restart builds a new keypad entry and a new simulated keypad: look both up per line.
    const entry = sim.meter.keypadEntry;
    if (!entry) return;
    entry.onOutcome = (o: KeypadOutcome) => {
      const credit = sim.meter.prepay ? `; credit ${(sim.meter.prepay.available() / 1000).toFixed(1)} kWh` : "";
      if (o.kind === "token") line(`keypad: ${TOKEN_RESULT_NAMES[o.result]}${credit}`);
      else if (o.kind === "emergency") line(`keypad: emergency credit ${o.granted ? "granted" : "refused (credit not low, or already in use)"}${credit}`);
      else if (o.kind === "fault") line("keypad: meter fault, token not applied");
      else line("keypad: entry timed out");
    };
    sim.board.keypad.type(text.trim());
  });
}
