/**
 * Every attribute a client may write keeps its value across a restart: a
 * clean one, and a power cut at a random flash step while the values are
 * being written (then each attribute holds the value written before the
 * cut, and the one being written holds its old or its new value).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DataAccessResult, persistentAttributes } from "../../src/cosem/interface-class.js";
import * as ln from "../../src/meter/obis-codes.js";
import { ESP32_NOR, NRF52840_INTERNAL, PowerLoss, SimFlash } from "../../hal/sim/flash.js";
import { DATA_SECTORS, SimBoard } from "../../scripts/simulator/board.js";
import { report, runtime } from "../support/report.js";
import { NOT_SETTINGS, attributeId as id, plan, snapshot, write, writableAttributes } from "../../bench/rigs/settings-values.js";

/** Wednesday 2026-01-14 06:30 CET. */
const T0 = Date.UTC(2026, 0, 14, 5, 30);
const runs = runtime === "xs" ? 20 : 40;

describe("settings survive restarts", () => {
  it("the catalog's settings are its writable attributes, except the listed ones and rows whose domain stores its own state", () => {
    const m = new SimBoard({ startUtcMs: T0 }).boot();
    const notStored: string[] = [];
    for (const e of m.catalog.entries) {
      if (e.persist && e.persist.length === 0) continue;
      const persistent = persistentAttributes(e);
      for (const a of writableAttributes(e)) if (persistent.indexOf(a) < 0) notStored.push(id(e, a));
    }
    expect(notStored.sort()).toEqual(Object.keys(NOT_SETTINGS).sort());
    // The active calendar is a setting that no client writes (activation changes it).
    expect(persistentAttributes(m.catalog.find(ln.ACTIVITY_CALENDAR)!)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("every writable attribute written with a random valid value reads back equal after a clean restart and after a power cut at a random flash step", () => {
    const probe = new SimBoard({ startUtcMs: T0 }).boot();
    const { arbitrary, missing, count } = plan(probe);
    expect(missing).toEqual([]);
    report(`settings: ${count} writable attributes with random values, ${runs} runs`);
    let cuts = 0;
    fc.assert(
      fc.property(arbitrary, fc.nat(), fc.nat(), fc.integer({ min: 1, max: 1000 }), fc.boolean(), (writes, pick, at, seed, nrf) => {
        // Both boards' flash: ESP32 NOR (1-byte writes) and nRF52840 (32-bit words, two programs per word).
        const geometry = { ...(nrf ? NRF52840_INTERNAL : ESP32_NOR), sectorCount: DATA_SECTORS };
        // Reference: every write accepted; the client's view around the write the cut below will hit; a clean restart.
        const a = new SimBoard({ startUtcMs: T0, flash: new SimFlash(geometry) });
        let m = a.boot();
        const flashA = a.flash as SimFlash;
        const stepsBefore: number[] = [];
        const views: string[] = [];
        let hit = pick % writes.length;
        for (let i = 0; i < writes.length; i++) {
          const w = writes[i];
          if (i === hit) views.push(snapshot(m));
          stepsBefore.push(flashA.steps);
          expect(`${w.obis.toString()}:${w.attribute} ${write(m, w)}`).toBe(`${w.obis.toString()}:${w.attribute} ${DataAccessResult.success}`);
          // A write that changed nothing touched no flash: the cut goes into the next one that did.
          // (Its views are dropped: the next write takes the cut, and its own before/after views.)
          if (i === hit && flashA.steps === stepsBefore[i]) {
            hit++;
            views.length = 0;
          } else if (i === hit) views.push(snapshot(m));
        }
        const final = snapshot(m);
        // Where the writes end: a start writes flash too (the boot-attempt counter, src/meter/faults.ts).
        const stepsAfter = flashA.steps;
        m = a.restart("software");
        expect(m.settingsRestored.dropped).toEqual([]);
        expect(snapshot(m)).toBe(final);
        if (hit >= writes.length) return;

        // The same writes on a fresh meter, the power lost at a random program/erase step of write `hit`.
        const c = new SimBoard({ startUtcMs: T0, flash: new SimFlash(geometry) });
        m = c.boot();
        const flashC = c.flash as SimFlash;
        for (let i = 0; i < hit; i++) write(m, writes[i]);
        expect(flashC.steps).toBe(stepsBefore[hit]);
        const span = (hit + 1 < writes.length ? stepsBefore[hit + 1] : stepsAfter) - stepsBefore[hit];
        flashC.cutAt(at % span, seed);
        try {
          write(m, writes[hit]);
        } catch (e) {
          if (!(e instanceof PowerLoss)) throw e;
        }
        // The power is gone (a contained event sink may have swallowed the PowerLoss, the CPU would not have run on).
        expect(flashC.powerLost).toBe(true);
        cuts++;
        flashC.powerOn();
        m = c.restart("power-on", false);
        expect(m.settingsRestored.dropped).toEqual([]);
        const after = snapshot(m);
        // Nothing older than what was committed, nothing torn: the state before the write or after it.
        const which = after === views[0] ? "old" : after === views[1] ? "new" : `neither (cut in ${writes[hit].obis.toString()}:${writes[hit].attribute})`;
        expect(which === "old" || which === "new" ? "old or new" : which).toBe("old or new");
      }),
      { numRuns: runs },
    );
    expect(cuts).toBeGreaterThan(0);
    report(`settings: ${cuts} power cuts`);
  });
});
