/**
 * Every board of the repository, for the host: the simulator's `--board`,
 * and the tests that check each board's data (partition maps, pins, files)
 * and boot a meter on it. A device build never loads this module: its entry
 * (boards/<board>/main.js) imports its own board.ts. Adding a board is its
 * folder and one line here; its data names its energy IC's driver
 * (hal/drivers/<ic>.ts).
 */
import { board as esp32 } from "./esp32-atm90e32/board.js";
import { board as nrf52840dk } from "./nrf52840dk/board.js";
import { board as sim } from "./sim/board.js";
import type { Board } from "./types.js";

export const BOARDS: readonly Readonly<Board>[] = Object.freeze([esp32, nrf52840dk, sim]);

/** The board called `name`; throws with the known names otherwise. */
export function boardNamed(name: string): Readonly<Board> {
  const board = BOARDS.find((b) => b.name === name);
  if (!board) throw new Error(`no board "${name}" (boards/registry.ts has ${BOARDS.map((b) => b.name).join(", ")})`);
  return board;
}
