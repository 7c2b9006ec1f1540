/**
 * Totality: any bytes in the slot give a verdict (never an exception, never
 * a read outside the slot), byte edits of real imgtool images
 * (mcuboot-imgtool-2/images/*) included; any parameters to the class 18
 * methods give an action result; the persisted transfer state, whatever its
 * bytes, is either resumed consistently or ignored.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SimCrypto } from "../../hal/sim/crypto.js";
import { D, type Data } from "../../src/cosem/axdr.js";
import { bytesSource, parseImage, type ByteSource } from "../../src/fota/image.js";
import { ImageVerifier, type Verdict } from "../../src/fota/verify.js";
import { report, runtime } from "../support/report.js";
import { FotaRig, ctx } from "./support/fixture.js";
import { SLOT_SIZE, set2File, set2Spki } from "./support/mcuboot-vectors.js";

const VERDICTS: Verdict[] = ["ok", "bad-magic", "malformed", "no-hash", "bad-hash", "no-signature", "bad-signature", "rollback", "unsupported"];
const runs = runtime === "xs" ? 60 : 1500;
const SLOT = 4096;

/** A slot that counts reads and fails the test on any read outside it. */
function guarded(bytes: Uint8Array, slot: number): ByteSource & { reads: number } {
  const inner = bytesSource(bytes, slot);
  return {
    byteLength: slot,
    reads: 0,
    read(offset: number, length: number): Uint8Array {
      this.reads++;
      if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > slot) throw new Error(`read ${length}@${offset} outside the slot`);
      return inner.read(offset, length);
    },
  };
}

const verifiers = [
  new ImageVerifier({ signature: "ecdsa-p256", keys: [set2Spki("ec256")] }, new SimCrypto()),
  new ImageVerifier({ signature: "ed25519", hash: "sha512", keys: [set2Spki("ed25519")] }, new SimCrypto()),
  new ImageVerifier({ signature: "ed25519", hash: "sha512", pure: true, keys: [set2Spki("ed25519")] }, new SimCrypto()),
  new ImageVerifier({ signature: "none", keys: [] }, new SimCrypto()),
];
const seeds = ["images/ec256_seccnt7.bin", "images/ec256_dependency.bin", "images/ed25519_pure.bin", "images/nokey_hashonly.bin"].map((f) => set2File(f));

describe("image parser and verifier are total", () => {
  it("random bytes: a verdict, reads inside the slot, bounded work", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), fc.integer({ min: 0, max: 3 }), (bytes, k) => {
        const src = guarded(bytes, SLOT);
        const r = verifiers[k].verify(src);
        expect(VERDICTS).toContain(r.verdict);
        // One header read, TLV headers and values, hash chunks: never more than the slot in 4-byte steps.
        expect(src.reads).toBeLessThan(SLOT / 4 + 64);
      }),
      { numRuns: runs },
    );
  });

  it("byte edits of imgtool images: a verdict, and ok only if the signed bytes are untouched", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: seeds.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 3 }),
        (i, edits, k) => {
          const img = seeds[i].slice();
          const parsed = parseImage(bytesSource(img, SLOT_SIZE));
          if (!parsed.ok) throw new Error("seed image does not parse");
          const hashedEnd = parsed.image.hashedEnd;
          let touchedSigned = false;
          for (const [pos, x] of edits) {
            const p = pos % img.length;
            img[p] ^= x;
            if (p < hashedEnd) touchedSigned = true;
          }
          const r = verifiers[k].verify(guarded(img, SLOT_SIZE));
          expect(VERDICTS).toContain(r.verdict);
          if (touchedSigned && k !== 3) expect(r.verdict).not.toBe("ok");
        },
      ),
      { numRuns: runs },
    );
  });
});

const dataArb: fc.Arbitrary<Data> = fc.oneof(
  fc.constant(D.null()),
  fc.integer({ min: 0, max: 0xffffffff }).map((n) => D.u32(n)),
  fc.integer({ min: -128, max: 127 }).map((n) => D.i8(n)),
  fc.uint8Array({ maxLength: 80 }).map((b) => D.octets(b)),
  fc.tuple(fc.uint8Array({ maxLength: 8 }), fc.integer({ min: 0, max: 0xffffffff })).map(([a, b]) => D.struct(D.octets(a), D.u32(b))),
  fc.tuple(fc.integer({ min: 0, max: 200 }), fc.uint8Array({ maxLength: 80 })).map(([a, b]) => D.struct(D.u32(a), D.octets(b))),
  fc.boolean().map((b) => D.bool(b)),
);

describe("Image Transfer object is total", () => {
  it("any method with any parameters, any attribute get/set: a result, never an exception; state survives a restart after the power-fail warning", () => {
    const rig = new FotaRig([set2Spki("ec256")], 16);
    rig.powerOn();
    let calls = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), dataArb), { minLength: 1, maxLength: 12 }), (steps) => {
        for (const [m, p] of steps) {
          calls++;
          if (m <= 4) rig.object.action(m, p, ctx);
          else if (m === 5) rig.object.set(5, p, ctx);
          else {
            const before = [2, 3, 4, 5, 6, 7].map((a) => JSON.stringify(rig.object.get(a, ctx), (_k, v) => (v instanceof Uint8Array ? Array.from(v) : v)));
            rig.powerFailWarning();
            rig.powerOn();
            const after = [2, 3, 4, 5, 6, 7].map((a) => JSON.stringify(rig.object.get(a, ctx), (_k, v) => (v instanceof Uint8Array ? Array.from(v) : v)));
            // Every attribute, image_transfer_enabled included, survives the restart.
            expect(after).toEqual(before);
          }
        }
      }),
      { numRuns: runtime === "xs" ? 40 : 400 },
    );
    report(`fota: ${calls} random class 18 calls and restarts`);
  });

  it("any persisted transfer state is resumed consistently or ignored", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (state) => {
        const rig = new FotaRig([set2Spki("ec256")], 16);
        rig.store.put("fota.transfer", state);
        rig.powerOn();
        const s = rig.service;
        expect(s.status >= 0 && s.status <= 7).toBe(true);
        expect(s.firstNotTransferred).toBeLessThanOrEqual(s.blockCount);
        expect(s.transferredBlocks.bytes.length).toBe(Math.ceil(s.blockCount / 8));
      }),
      { numRuns: runs },
    );
  });
});
