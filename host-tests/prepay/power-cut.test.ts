import { describe, expect, it } from "vitest";
import { ESP32_NOR, NRF52840_INTERNAL, PowerLoss, SimFlash, SimRandom, withSectors, type FlashOp } from "../../hal/sim/flash.js";
import type { FlashGeometry } from "../../hal/flash.js";
import { LogStore } from "../../src/storage/log-store.js";
import { LogKeyValueStore } from "../../src/storage/kv-store.js";
import { TokenResult } from "../../src/prepay/results.js";
import { KEY_PREPAY } from "../../src/prepay/state.js";
import { encodeToken } from "../../src/prepay/vending/vend.js";
import { bytesEqual, toHex } from "../../src/util/bytes.js";
import { report, runtime } from "../support/report.js";
import { DK_A, DK_C, Env, credit, mpl, sta } from "./fixture.js";

/**
 * Acceptance (issue 20, power safety): token acceptance and credit
 * decrement cut at every flash program/erase step, on both flash
 * geometries. The scenario enters credit tokens, consumes energy and
 * persists, sets a power limit and changes the key (tokens 1 and 2). Before
 * each flash operation the chip is forked and loses power in that very
 * operation; the fork reboots and is checked:
 *   - the prepayment record is exactly the one committed before the
 *     operation or the one being written (never torn, never older, key
 *     data never half old and half new);
 *   - every token entered so far, entered again on the recovered meter, is
 *     Used if its credit is in the record and accepted otherwise, after
 *     which the purchased total is the sum of all tokens: each applied
 *     exactly once;
 *   - credit is conserved: credit = purchased - consumed, and consumed is
 *     the energy reading of the record minus the start.
 */

interface Entered {
  token: string;
  tid: number;
  wh: number;
  key: Uint8Array;
}

function mount(flash: SimFlash): LogKeyValueStore {
  const log = new LogStore(flash);
  const kv = new LogKeyValueStore(log);
  log.mount();
  return kv;
}

function campaign(geometry: FlashGeometry, ops: number, stride: number, deepEvery: number): { cuts: number; deep: number; failures: string[]; erases: number } {
  const flash = new SimFlash(geometry);
  const rnd = new SimRandom(0x5157);
  const env = new Env(mount(flash));
  const entered: Entered[] = [];
  let committed: Uint8Array | undefined;
  let pending: Uint8Array | undefined;
  let inFlight: Entered | undefined;
  let cuts = 0;
  let deep = 0;
  const failures: string[] = [];

  const check = (c: SimFlash): string | undefined => {
    const kv = mount(c);
    const got = kv.get(KEY_PREPAY);
    const same = (a: Uint8Array | undefined, b: Uint8Array | undefined) => (a === undefined ? b === undefined : b !== undefined && bytesEqual(a, b));
    if (!same(got, committed) && !same(got, pending)) return `record ${got ? toHex(got).slice(0, 40) : "none"} is neither the committed nor the pending one`;
    if (cuts % deepEvery !== 0) return undefined;
    deep++;
    // Re-enter everything on the recovered meter.
    const re = new Env(kv);
    re.importWh = env.importWh;
    const all = inFlight ? [...entered, inFlight] : entered;
    const start = re.service.record;
    // More tokens than the memory holds: the oldest TIDs have left it and come back as Old (they were applied long ago).
    const full = start.tids.length >= re.config.tidMemoryDepth;
    let unapplied = 0;
    for (const t of all) {
      const was = start.tids.indexOf(t.tid) >= 0;
      const dropped = full && t.tid < start.tids[0];
      const r = re.service.enterToken(t.token, "manual").result;
      if (!was && !dropped) unapplied++;
      if (bytesEqual(t.key, re.service.keyData.key)) {
        const want = was ? TokenResult.used : dropped ? TokenResult.old : TokenResult.accepted;
        if (r !== want) return `token tid ${t.tid}: ${r}, expected ${want}`;
      } else if (r !== TokenResult.authenticationError || !(was || dropped)) return `token tid ${t.tid} under the old key: ${r}, in memory: ${was}`;
    }
    // Only the token in flight may have been lost by the cut (and it was just applied by entering it again).
    if (unapplied > 1) return `${unapplied} tokens were not applied`;
    const rec = re.service.record;
    const total = all.reduce((s, t) => s + t.wh, 0);
    if (Math.abs(rec.purchasedWh - total) > 1e-6) return `purchased ${rec.purchasedWh} Wh after re-entry, tokens total ${total}`;
    if (Math.abs(rec.creditWh - (rec.purchasedWh - rec.consumedWh)) > 1e-6) return `credit ${rec.creditWh} != purchased ${rec.purchasedWh} - consumed ${rec.consumedWh}`;
    if (Math.abs(rec.consumedWh - rec.energyRefWh) > 1e-6) return `consumed ${rec.consumedWh} != energy since start ${rec.energyRefWh}`;
    return undefined;
  };

  flash.beforeOp = (op: FlashOp) => {
    if (flash.steps % stride !== 0 && op.kind !== "erase") return;
    const c = flash.clone();
    c.cutAt(0, flash.steps + 1);
    try {
      if (op.kind === "program") c.write(op.offset, op.data);
      else c.eraseSector(op.sector);
    } catch (e) {
      if (!(e instanceof PowerLoss)) throw e;
    }
    c.powerOn();
    cuts++;
    let problem: string | undefined;
    try {
      problem = check(c);
    } catch (e) {
      problem = `exception ${(e as Error).message}`;
    }
    if (problem && failures.length < 10) failures.push(`step ${flash.steps}: ${problem}`);
  };

  const store = env.store;
  // The record being written is "pending" while its flash operations run, "committed" once put() returns.
  const put = store.put.bind(store);
  store.put = (k: string, v: Uint8Array) => {
    if (k === KEY_PREPAY) pending = v.slice();
    put(k, v);
    if (k === KEY_PREPAY) committed = v.slice();
    pending = undefined;
  };
  const commit = (f: () => void) => {
    pending = undefined;
    f();
  };

  let tid = 1000;
  let key = DK_A;
  let keyChanged = false;
  for (let i = 0; i < ops; i++) {
    const a = rnd.below(100);
    if (a < 45) {
      const wh = (1 + rnd.below(200)) * 100;
      tid += 1 + rnd.below(3);
      const t: Entered = { token: credit(wh / 1000, tid, key), tid, wh, key };
      inFlight = t;
      commit(() => {
        const r = env.service.enterToken(t.token, "manual").result;
        if (r !== TokenResult.accepted) failures.push(`token ${tid} refused ${r}`);
      });
      entered.push(t);
      inFlight = undefined;
    } else if (a < 90) {
      env.importWh += rnd.below(3000) + rnd.below(10) / 7;
      commit(() => {
        env.service.tick();
        env.service.persist();
      });
    } else if (a < 95) {
      tid += 1;
      const t = mpl(1000 + rnd.below(10000), tid, key);
      const e: Entered = { token: t, tid, wh: 0, key };
      inFlight = e;
      commit(() => env.service.enterToken(t, "remote"));
      entered.push(e);
      inFlight = undefined;
    } else if (!keyChanged && i > ops / 3) {
      keyChanged = true;
      const k1 = encodeToken({ kind: "keyChange1", tokenClass: 2, subclass: 3, kenho: 15, krn: 2, ro: 0, res: 0, kt: 2, nkho: DK_C.subarray(0, 4) }, key, sta);
      const k2 = encodeToken({ kind: "keyChange2", tokenClass: 2, subclass: 4, kenlo: 15, ti: 2, nklo: DK_C.subarray(4, 8) }, key, sta);
      commit(() => env.service.enterToken(k1, "manual"));
      commit(() => {
        if (env.service.enterToken(k2, "manual").result !== TokenResult.accepted) failures.push("key change refused");
      });
      key = DK_C;
    }
  }
  flash.beforeOp = undefined;
  if (!keyChanged) failures.push("scenario never changed the key");
  let erases = 0;
  for (const e of flash.eraseCounts) erases += e;
  return { cuts, deep, failures, erases };
}

describe("prepayment power-cut campaign", () => {
  const ops = runtime === "node" ? 600 : 400;
  const stride = runtime === "node" ? 1 : 3;
  const deepEvery = runtime === "node" ? 3 : 5;
  for (const [name, geometry] of [
    ["ESP32 NOR", withSectors(ESP32_NOR, 5)],
    ["nRF52840", withSectors(NRF52840_INTERNAL, 5)],
  ] as const) {
    it(`${name}: each token applied exactly once, credit conserved, key change atomic`, () => {
      const r = campaign(geometry, ops, stride, deepEvery);
      report(`prepay power-cut ${name} (${runtime}): ${r.cuts} cut points, ${r.deep} full re-entry checks, ${r.erases} sector erases, ${r.failures.length} failures`);
      expect(r.failures).toEqual([]);
      expect(r.cuts).toBeGreaterThan(runtime === "node" ? 1000 : 150);
      expect(r.erases).toBeGreaterThan(0);
    });
  }
});
