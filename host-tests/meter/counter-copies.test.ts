/**
 * The transmit invocation counter never goes back, whatever the damage
 * (issue 14): each reservation is written to two copies in different
 * storage areas (the main log and the load ring), so destroying one copy,
 * however (its sectors erased, zeroed, or its value's bits flipped), leaves
 * the other as an exact floor: the counter resumes at the stored
 * reservation end, not below and without a skip. Destroying both leaves no
 * provable value: the meter refuses ciphered service under those keys, its
 * HLS-GMAC associations get a refusing AARE, the security log says why
 * (event 15), the storage diagnostic shows it to the public client, and the
 * refusal outlives restarts until new keys are loaded. Through the real
 * meter (SimBoard) and a lab client over its TCP wrapper, on both geometries.
 */
import { describe, expect, it } from "vitest";
import { ESP32_NOR, NRF52840_INTERNAL, SimFlash } from "../../hal/sim/flash.js";
import type { FlashGeometry } from "../../hal/flash.js";
import { SIM_TCP_PORT, SimBoard } from "../../scripts/simulator/board.js";
import { ClientSession } from "../../scripts/lab/client-session.js";
import { wrapperLink } from "../../scripts/lab/link.js";
import { DEVELOPMENT_KEYS } from "../../src/meter/config.js";
import { ClientSap, SecuritySetupLn } from "../../src/meter/dlms.js";
import { Tag, type Data } from "../../src/cosem/axdr.js";
import * as ln from "../../src/meter/obis-codes.js";
import { TX_RESERVATION_BLOCK } from "../../src/cosem/security/counters.js";
import { SecurityEvent } from "../../src/cosem/security/events.js";
import { fromHex } from "../../src/util/bytes.js";
import { settle } from "./drive.js";
import { runtime } from "../support/report.js";

const GEOMETRIES: [string, FlashGeometry][] = [
  ["ESP32 NOR", { ...ESP32_NOR, sectorCount: 64 }],
  ["nRF52840", { ...NRF52840_INTERNAL, sectorCount: 64 }],
];
const CLIENT_TITLE = fromHex("4D4B544C41423031");
const KEY = "ss.m.tx";
const START = Date.UTC(2026, 2, 1);

/** The management client's own invocation counter: it only grows, across the meter's restarts from one image. */
let clientCounter = 1;

/** A session over the meter's TCP wrapper: the management or reader client (HLS-GMAC, `ekey` the unicast key) or the public one. */
async function open(board: SimBoard, as: "management" | "reader" | "public", ekey = DEVELOPMENT_KEYS.globalUnicastKey): Promise<ClientSession> {
  const end = board.network.connect(SIM_TCP_PORT);
  if (!end) throw new Error("nothing listens on the meter's port");
  const clientSap = as === "management" ? ClientSap.management : as === "reader" ? ClientSap.reader : ClientSap.public;
  const link = wrapperLink(end, board.worldTimers, { clientSap, serverLogical: 1, serverPhysical: 0x10, responseTimeoutMs: 5000 }, "sim tcp");
  const sec =
    as === "public"
      ? ({ auth: "none" } as const)
      : ({ auth: "hls-gmac", akey: DEVELOPMENT_KEYS.authenticationKey, ekey, systemTitle: CLIENT_TITLE, crypto: board.crypto, invocationCounter: (clientCounter += 100) } as const);
  return settle(board, ClientSession.open(link, sec));
}

async function energyAsManagement(board: SimBoard): Promise<boolean> {
  const s = await open(board, "management");
  const got = await settle(board, s.get(3, ln.ENERGY_IMPORT_TOTAL, 2));
  await settle(board, s.close());
  return got.ok;
}

/** Start offsets of every place the key's bytes are stored, split by area (the load ring is the partition's tail). */
function copies(im: Uint8Array, g: FlashGeometry, ringSectors: number, key = KEY): { main: number[]; mirror: number[] } {
  const out = { main: [] as number[], mirror: [] as number[] };
  const firstRing = (g.sectorCount - ringSectors) * g.sectorSize;
  for (let p = 0; p + KEY.length <= im.length; p++) {
    let k = 0;
    while (k < key.length && im[p + k] === key.charCodeAt(k)) k++;
    if (k === key.length) (p >= firstRing ? out.mirror : out.main).push(p);
  }
  return out;
}

type Destroy = (im: Uint8Array, g: FlashGeometry, at: number[]) => void;
const sectorsOf = (g: FlashGeometry, at: number[]) => [...new Set(at.map((p) => Math.floor(p / g.sectorSize)))];
const DESTROY: [string, Destroy][] = [
  ["erased", (im, g, at) => sectorsOf(g, at).forEach((s) => im.fill(0xff, s * g.sectorSize, (s + 1) * g.sectorSize))],
  ["zeroed", (im, g, at) => sectorsOf(g, at).forEach((s) => im.fill(0x00, s * g.sectorSize, (s + 1) * g.sectorSize))],
  // One bit of the value of every record of the key (the value follows the key).
  ["bit-flipped", (im, _g, at) => at.forEach((p) => (im[p + KEY.length + 1] ^= 0x10))],
];

describe("the transmit counter's two copies", () => {
  for (const [name, g] of GEOMETRIES) {
    it(`${name}: one copy destroyed, the counter resumes at the other; both destroyed, ciphered service is refused and says why`, async () => {
      const flash = new SimFlash(g);
      const board = new SimBoard({ startUtcMs: START, flash });
      let meter = board.boot({ tickMs: 900_000 });
      board.clock.advance(2 * 86_400_000);
      expect(await energyAsManagement(board)).toBe(true);
      const tx = meter.dlms!.setups.management.tx;
      for (let i = 0; i < 2500; i++) tx.take();
      const used = tx.peek - 1;
      meter.persist();
      const image = flash.exportImage();
      // What a restart without damage resumes at: the stored reservation end.
      const clean = new SimBoard({ startUtcMs: START + 3 * 86_400_000, flash: new SimFlash(g, image.slice()) }).boot({ tickMs: 900_000 });
      const end = clean.dlms!.setups.management.tx.peek;
      expect(end).toBeGreaterThan(used);
      expect(end).toBeLessThanOrEqual(used + TX_RESERVATION_BLOCK + 1);
      const at = copies(image, g, meter.loadRing!.sectorCount);
      expect(at.main.length).toBeGreaterThan(0);
      expect(at.mirror.length).toBeGreaterThan(0);

      const ways = runtime === "xs" ? DESTROY.filter((_, i) => i !== 0) : DESTROY;
      for (const [how, destroy] of ways) {
        for (const which of ["main", "mirror"] as const) {
          const im = image.slice();
          destroy(im, g, at[which]);
          const b = new SimBoard({ startUtcMs: START + 3 * 86_400_000, flash: new SimFlash(g, im) });
          meter = b.boot({ tickMs: 900_000 });
          const label = `${which} copy ${how}`;
          expect(meter.health.damage, label).toBeGreaterThan(0);
          // The other copy is exact: no value below the reservation end, and no skip either.
          expect(meter.dlms!.setups.management.tx.refused, label).toBe(false);
          expect(meter.dlms!.setups.management.tx.peek, label).toBe(end);
          expect(await energyAsManagement(b), label).toBe(true);
          expect(meter.dlms!.setups.management.tx.peek, label).toBeGreaterThan(end);
        }
      }

      // Both copies destroyed (every sector holding either zeroed): no value can be proved unused.
      const im = image.slice();
      DESTROY[1][1](im, g, [...at.main, ...at.mirror]);
      const b = new SimBoard({ startUtcMs: START + 3 * 86_400_000, flash: new SimFlash(g, im) });
      meter = b.boot({ tickMs: 900_000 });
      const setup = meter.dlms!.setups.management;
      expect(setup.tx.refused).toBe(true);
      expect(setup.tx.take()).toBeUndefined();
      // Logged at boot with the Security Setup's instance (E of 0-0:43.0.E.255).
      const refusedAtBoot = (): number => meter.events.recent().filter((e) => e.log === "security" && e.code === SecurityEvent.transmitCounterUnproven && e.value === SecuritySetupLn.management.e).length;
      expect(refusedAtBoot()).toBe(1);
      // The management client's HLS-GMAC association is refused, and the security log says why (value = 256 + its SAP).
      await expect(energyAsManagement(b)).rejects.toThrow(/association refused/);
      expect(meter.events.recent().some((e) => e.log === "security" && e.code === SecurityEvent.transmitCounterUnproven && e.value === 256 + ClientSap.management)).toBe(true);
      // The public client reads why in the storage diagnostic (element 4, bit 0: management's counter refused).
      const pub = await open(b, "public");
      const diag = await settle(b, pub.get(1, ln.STORAGE_DIAGNOSTIC, 2));
      await settle(b, pub.close());
      expect(diag.ok).toBe(true);
      const v = (diag as { value: Data }).value.value as Data[];
      expect((v[3].value as number) & 1).toBe(1);
      // The refusal outlives restarts (a flag written after the damage), without logging it again at boot.
      meter = b.restart("software");
      expect(meter.dlms!.setups.management.tx.refused).toBe(true);
      expect(refusedAtBoot()).toBe(0);
      await expect(energyAsManagement(b)).rejects.toThrow(/association refused/);
    });
  }
});

describe("recovery from a refused transmit counter", () => {
  it("the reader's counter lost with both copies: management's key_transfer of a new unicast key for it ends the refusal", async () => {
    const g: FlashGeometry = { ...ESP32_NOR, sectorCount: 64 };
    const flash = new SimFlash(g);
    const board = new SimBoard({ startUtcMs: START, flash });
    let meter = board.boot({ tickMs: 900_000 });
    board.clock.advance(86_400_000);
    meter.persist();
    const image = flash.exportImage();
    // Every record of the reader's counter, in both areas, gets a flipped bit in its value: only those records are lost.
    const at = copies(image, g, meter.loadRing!.sectorCount, "ss.r.tx");
    expect(at.main.length * at.mirror.length).toBeGreaterThan(0);
    for (const p of [...at.main, ...at.mirror]) image[p + "ss.r.tx".length + 1] ^= 0x10;
    const b = new SimBoard({ startUtcMs: START + 2 * 86_400_000, flash: new SimFlash(g, image) });
    meter = b.boot({ tickMs: 900_000 });
    expect(meter.dlms!.setups.reader.tx.refused).toBe(true);
    expect(meter.dlms!.setups.management.tx.refused).toBe(false);
    await expect(open(b, "reader")).rejects.toThrow(/association refused/);
    // The management client wraps a new global unicast key for the reader's Security Setup under the KEK.
    const newKey = new Uint8Array(16).fill(0x3c);
    const wrapped = b.crypto.aesKeyWrap(DEVELOPMENT_KEYS.masterKey, newKey);
    const m = await open(b, "management");
    const reply = await settle(b, m.action(64, SecuritySetupLn.reader, 2, { tag: Tag.Array, value: [{ tag: Tag.Structure, value: [{ tag: Tag.Enum, value: 0 }, { tag: Tag.OctetString, value: wrapped }] }] }));
    await settle(b, m.close());
    expect(reply.result).toBe(0);
    // A new key is a new nonce space: the refusal is over, the reader associates with the new key and counts from 1 again.
    expect(meter.dlms!.setups.reader.tx.refused).toBe(false);
    const r = await open(b, "reader", newKey);
    expect((await settle(b, r.get(3, ln.ENERGY_IMPORT_TOTAL, 2))).ok).toBe(true);
    await settle(b, r.close());
    await expect(open(b, "reader")).rejects.toThrow(/association refused/); // the old key no longer opens it
    meter = b.restart("software");
    expect(meter.dlms!.setups.reader.tx.refused).toBe(false);
  });
});
