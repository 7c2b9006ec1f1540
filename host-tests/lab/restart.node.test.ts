import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Tag } from "../../src/cosem/axdr.js";
import { DISCONNECT_CONTROL } from "../../src/meter/obis-codes.js";
import { ControlState } from "../../src/relay/disconnect.js";
import { parseOptions } from "../../scripts/simulator/options.js";
import { Simulator } from "../../scripts/simulator/run.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function stateDir(): string {
  const d = mkdtempSync(join(tmpdir(), "meter-state-"));
  dirs.push(d);
  return d;
}

const quiet = { line() {}, status() {} };

/** A simulator on a host clock the test moves: no timers, no real time. */
async function boot(dir: string, host: { t: number }, speed = 60) {
  const options = parseOptions(["--state", dir, "--tcp-port", "0", "--no-optical", "--quiet", "--speed", String(speed)]);
  const sim = await Simulator.start(options, quiet, () => host.t, false);
  const run = (hostMs: number, stepMs = 1000) => {
    for (let t = 0; t < hostMs; t += stepMs) {
      host.t += stepMs;
      sim.step();
    }
  };
  return { sim, run };
}

describe("simulator restart (state directory)", () => {
  it("keeps energy, load profile, billing counter and relay state across a clean stop and start", async () => {
    const dir = stateDir();
    const host = { t: Date.UTC(2026, 0, 14, 6, 0) };
    const a = await boot(dir, host);
    expect(a.sim.meter.restored).toBe(false);
    a.run(120_000); // two host minutes at 60x: two simulated hours
    const energy = a.sim.meter.status().importWh;
    expect(energy).toBeGreaterThan(100);
    const dc = a.sim.meter.catalog.find(DISCONNECT_CONTROL)!.object;
    expect(dc.action(1, { tag: Tag.Integer, value: 0 }, { role: "management", clientSap: 1, nowUtcMs: a.sim.meter.clock.now() }).result).toBe(0);
    const entries = a.sim.meter.loadProfile!.store.entriesInUse;
    expect(entries).toBeGreaterThanOrEqual(7); // 15-minute captures over two hours
    const lastRow = [...a.sim.meter.loadProfile!.store.rows(a.sim.meter.loadProfile!.store.lastEntry, a.sim.meter.loadProfile!.store.lastEntry)][0];
    const utcAtStop = a.sim.board.clock.nowUtcMs();
    a.sim.stop();

    host.t += 30_000; // off for 30 host seconds: the RTC runs on at real speed
    const b = await boot(dir, host);
    expect(b.sim.meter.restored).toBe(true);
    expect(b.sim.meter.status().importWh).toBeCloseTo(energy, 9);
    expect(b.sim.meter.disconnect.controlState).toBe(ControlState.disconnected);
    expect(b.sim.board.clock.nowUtcMs()).toBe(utcAtStop + 30_000);
    const store = b.sim.meter.loadProfile!.store;
    expect(store.entriesInUse).toBe(entries);
    expect([...store.rows(store.lastEntry, store.lastEntry)][0]).toEqual(lastRow);
    b.sim.stop();
  });

  it("periodic saves bound the loss when the process dies without stopping", async () => {
    const dir = stateDir();
    const host = { t: Date.UTC(2026, 0, 14, 18, 0) };
    const a = await boot(dir, host);
    a.run(65_000); // past several 15-minute persists of simulated time (each written through to kv.bin)
    const energy = a.sim.meter.status().importWh;
    a.sim.tcp?.close(); // killed: no stop(), no power-fail path
    const b = await boot(dir, host);
    const restored = b.sim.meter.status().importWh;
    expect(restored).toBeGreaterThan(0);
    expect(restored).toBeLessThanOrEqual(energy + 1e-9);
    // At most one persist period (15 simulated minutes) of energy at the evening peak.
    expect(energy - restored).toBeLessThan(1200 * (15 / 60) + 1);
    b.sim.stop();
  });

  it("keeps the invocation counters: no transmit value reused, no received value accepted twice, after a stop or a kill", async () => {
    const dir = stateDir();
    const host = { t: Date.UTC(2026, 0, 14, 6, 0) };
    const a = await boot(dir, host);
    const setup = a.sim.meter.dlms!.setups.management;
    const sent: number[] = [];
    for (let i = 0; i < 1500; i++) sent.push(setup.tx.take()!); // crosses a reservation block
    setup.rx.commit(4242);
    a.sim.stop();

    const b = await boot(dir, host);
    const after = b.sim.meter.dlms!.setups.management;
    expect(after.tx.peek).toBeGreaterThan(Math.max(...sent));
    expect(after.rx.fresh(4242)).toBe(false);
    expect(after.rx.fresh(4243)).toBe(true);
    const sentB = after.tx.take()!;
    b.sim.tcp?.close(); // killed: no stop(), no power-fail path

    const c = await boot(dir, host);
    expect(c.sim.meter.dlms!.setups.management.tx.peek).toBeGreaterThan(sentB);
    c.sim.stop();
  });

  it("a flash file of another size is refused and left as it is; an unreadable clock file starts from the host time", async () => {
    const dir = stateDir();
    // Not a flash image of this partition's size (another --board, truncated or extended): starting
    // over would silently destroy the meter's data, so the simulator refuses (issue 14).
    const foreign = Uint8Array.of(200, 1, 2);
    writeFileSync(join(dir, "flash.bin"), foreign);
    const host = { t: Date.UTC(2026, 0, 14, 6, 0) };
    await expect(boot(dir, host)).rejects.toThrow(/flash\.bin is 3 bytes but this partition is/);
    expect(new Uint8Array(readFileSync(join(dir, "flash.bin")))).toEqual(foreign);
    // The clock file alone unreadable: a fresh meter on the host's time.
    rmSync(join(dir, "flash.bin"));
    writeFileSync(join(dir, "rtc.json"), "{not json");
    const a = await boot(dir, host);
    expect(a.sim.meter.restored).toBe(false);
    expect(a.sim.board.clock.nowUtcMs()).toBe(host.t);
    a.sim.stop();
  });
});
