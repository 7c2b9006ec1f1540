/**
 * `--board`: which board's storage partition the simulator runs on. The
 * partition's geometry (sector size, write unit, sectors) and the storage
 * budget come from the board data (boards/<board>/board.ts), so the
 * simulator keeps exactly what the board would keep.
 */
import type { FlashGeometry } from "../../hal/flash.js";
import { regionOf } from "../../boards/partition-map.js";
import { BOARDS, boardNamed } from "../../boards/registry.js";
import type { Board } from "../../boards/types.js";
import type { StorageBudget } from "../../src/storage/budget.js";

/** The registered boards (boards/registry.ts). */
export const BOARD_NAMES: readonly string[] = BOARDS.map((b) => b.name);
export type BoardName = string;

export interface BoardStorage {
  board: Readonly<Board>;
  /** Where the partition is on the board, for the start-up print. */
  where: string;
  geometry: FlashGeometry;
  budget: StorageBudget;
}

/** The storage partition of a board's first partition map that has one (the build that runs the meter). */
export function boardStorage(name: BoardName): BoardStorage {
  const board = boardNamed(name);
  for (const map of board.partitionMaps) {
    const r = regionOf(map, "storage");
    if (!r) continue;
    const d = r.device;
    return {
      board,
      where: `${board.name} ${d.name} 0x${r.region.offset.toString(16)}+0x${r.region.size.toString(16)} (${map.build})`,
      geometry: { sectorSize: d.sectorSize, sectorCount: r.region.size / d.sectorSize, writeSize: d.writeSize, ratedEraseCycles: d.ratedEraseCycles },
      budget: board.storage,
    };
  }
  throw new Error(`${name} has no storage partition`);
}
