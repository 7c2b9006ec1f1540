/**
 * Power cuts without the power-fail warning (issue 14): each one is found
 * at boot and logged in the power-failure log from the newest instant the
 * meter knew; a clock that comes back behind stored data is marked invalid
 * (and logged), and the load profile never gets a duplicated or backward
 * time stamp.
 */
import { describe, expect, it } from "vitest";
import { ESP32_NOR, SimFlash } from "../../hal/sim/flash.js";
import { SimBoard } from "../../scripts/simulator/board.js";
import type { ProfileStore } from "../../src/storage/profile-store.js";
import { StorageEventCode } from "../../src/storage/health.js";
import { runtime } from "../support/report.js";

const T0 = Date.UTC(2026, 3, 1);

function loadStore(board: SimBoard): ProfileStore {
  return (board.meter!.loadProfile as unknown as { store: ProfileStore }).store;
}

describe("unclean shutdown", () => {
  it("every cut without warning is a power-failure log entry from the newest known instant", () => {
    const board = new SimBoard({ startUtcMs: T0, flash: new SimFlash({ ...ESP32_NOR, sectorCount: 64 }) });
    board.boot({ tickMs: 60_000 });
    const cuts = runtime === "xs" ? 3 : 8;
    for (let i = 0; i < cuts; i++) {
      board.clock.advance(37 * 60_000); // persisted at least once (15 min period)
      board.restart("power-on", false, 10 * 60_000); // no warning, 10 min off
      // A cut between writes is no damage (a cut inside a write is the power-cut campaign's).
      expect(board.meter!.health.damage).toBe(0);
    }
    const pf = loadStore(board); // load profile exists
    expect(pf.entriesInUse).toBeGreaterThan(0);
    const log = board.meter!.eventLogs!.store("power-failure");
    const rows = [...log.rows(log.firstEntry, log.lastEntry)];
    const downs = rows.filter((r) => r.values[0] === 1);
    const ups = rows.filter((r) => r.values[0] === 2);
    expect(downs.length).toBe(cuts);
    expect(ups.length).toBe(cuts);
    // Each outage starts no later than the cut and lasts at least the time off.
    for (const u of ups) expect(u.values[1]).toBeGreaterThanOrEqual(600);
    expect(board.meter!.health.unclean).toBe(true);
    // A clean restart (warning given) is not an unclean one.
    board.clock.advance(60_000);
    board.restart("power-on", true, 60_000);
    expect(board.meter!.health.unclean).toBe(false);
  });

  it("a clock behind stored data is invalid and logged; captures never repeat or go back", () => {
    const board = new SimBoard({ startUtcMs: T0, flash: new SimFlash({ ...ESP32_NOR, sectorCount: 64 }) });
    board.boot({ tickMs: 60_000 });
    board.clock.advance(6 * 3600_000);
    const before = loadStore(board).lastUtcMs;
    // The RTC comes back 3 hours behind (backup cell flat, crystal drift...).
    board.restart("power-on", false);
    board.clock.setUtcMs(board.clock.nowUtcMs() - 3 * 3600_000);
    board.restart("power-on", false);
    const m = board.meter!;
    expect(m.health.clockBehindS).toBeGreaterThan(2 * 3600);
    expect(m.clock.statusAt(m.clock.now()) & 0x01).toBe(1);
    expect(m.events.recent().some((e) => e.code === StorageEventCode.clockBehindStoredData)).toBe(true);
    board.clock.advance(5 * 3600_000);
    const lp = loadStore(board);
    let prev = 0;
    for (const r of lp.rows(lp.firstEntry, lp.lastEntry)) {
      expect(r.utcMs).toBeGreaterThan(prev);
      prev = r.utcMs;
    }
    // Captures resume once the clock passes the newest stored row.
    expect(lp.lastUtcMs).toBeGreaterThan(before);
  });
});
