/**
 * Fuzz runs over mutated APDUs: 100,000 per APDU type on Node (fewer on XS,
 * an interpreter), seeded with the dlms-cosem vectors and APDUs of each
 * variant. Properties: decodeApdu throws nothing but DecodeError; the server
 * never faults, answers every request, and answers with the standard reply
 * for the service (AARE, RLRE, the service's response carrying a
 * data-access-result, or exception-response); the security header fuzz
 * mutates ciphered APDUs of a live HLS-GMAC association and checks that
 * nothing but a refusal or a correctly ciphered answer comes back.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { D, type Data } from "../../src/cosem/axdr.js";
import { decodeApdu, encodeApdu, type Apdu } from "../../src/cosem/client/codec.js";
import type { ServiceApdu } from "../../src/cosem/apdu/xdlms.js";
import { Obis } from "../../src/cosem/obis.js";
import { bytesEqual, toHex } from "../../src/util/bytes.js";
import { DecodeError } from "../../src/util/errors.js";
import { report, runtime } from "../support/report.js";
import { dlmsVector } from "../support/vectors.js";
import { LN, SAP, TestSession, buildMeter, connect } from "../../bench/rigs/xdlms-meter.js";
import { Rng, mutate } from "../support/mutate.js";

const N_DECODE = runtime === "xs" ? 2_000 : 100_000;
const N_SERVER = runtime === "xs" ? 1_000 : 100_000;
const LONG = 600_000;


const ln = Obis.of(1, 0, 1, 8, 0);
const svc = (a: ServiceApdu) => encodeApdu(a);
const block = { lastBlock: false, blockNumber: 1, raw: Uint8Array.of(9, 4, 1, 2, 3, 4) };

const SEEDS: Record<string, Uint8Array[]> = {
  aarq: [dlmsVector("test_asce/test_aarq.py", 16), dlmsVector("test_asce/test_aarq.py", 23), dlmsVector("test_asce/test_aarq.py", 32), dlmsVector("test_asce/test_aarq.py", 41)],
  aare: [dlmsVector("test_asce/test_aare.py", 14), dlmsVector("test_asce/test_aare.py", 40), dlmsVector("test_asce/test_aare.py", 58)],
  release: [dlmsVector("test_asce/test_rlrq.py", 9), dlmsVector("test_asce/test_rlrq.py", 16), dlmsVector("test_asce/test_rlre.py", 16), dlmsVector("test_asce/test_rlre.py", 22)],
  initiate: [dlmsVector("test_xdlms/test_initiate.py", 8), dlmsVector("test_xdlms/test_initiate.py", 72), dlmsVector("test_xdlms/test_initiate.py", 144), Uint8Array.of(0x0e, 1, 6, 1)],
  "get-request": [
    dlmsVector("test_xdlms/test_get.py", 21),
    dlmsVector("test_xdlms/test_get.py", 54),
    dlmsVector("test_xdlms/test_selective_access.py", 29),
    svc({ type: "get-request-with-list", invokeId: 0xc1, items: [{ descriptor: { classId: 1, instance: ln, attribute: 2 } }, { descriptor: { classId: 7, instance: LN.profile, attribute: 2 }, access: { selector: 2, parameters: D.struct(D.u32(1), D.u32(2), D.u16(1), D.u16(0)) } }] }),
  ],
  "get-response": [dlmsVector("test_xdlms/test_get.py", 114), dlmsVector("test_xdlms/test_get.py", 141), dlmsVector("test_xdlms/test_get.py", 169), dlmsVector("test_xdlms/test_get.py", 293), svc({ type: "get-response-with-list", invokeId: 0xc1, results: [{ data: D.u8(1) }, { error: 4 }] })],
  "set-request": [
    dlmsVector("test_xdlms/test_set.py", 9),
    svc({ type: "set-request-with-first-datablock", invokeId: 0xc1, descriptor: { classId: 1, instance: LN.config, attribute: 2 }, block }),
    svc({ type: "set-request-with-datablock", invokeId: 0xc1, block: { ...block, blockNumber: 2, lastBlock: true } }),
    svc({ type: "set-request-with-list", invokeId: 0xc1, items: [{ descriptor: { classId: 1, instance: LN.config, attribute: 2 } }], values: [D.u16(3)] }),
    svc({ type: "set-request-with-list-and-first-datablock", invokeId: 0xc1, items: [{ descriptor: { classId: 1, instance: LN.config, attribute: 2 } }], block }),
  ],
  "set-response": [dlmsVector("test_xdlms/test_set.py", 71), svc({ type: "set-response-last-datablock-with-list", invokeId: 1, results: [0, 3], blockNumber: 2 }), svc({ type: "set-response-datablock", invokeId: 1, blockNumber: 7 })],
  "action-request": [
    dlmsVector("test_xdlms/test_action.py", 9),
    dlmsVector("test_xdlms/test_action.py", 26),
    svc({ type: "action-request-with-first-pblock", invokeId: 0xc1, descriptor: { classId: 9, instance: LN.echo, method: 1 }, block }),
    svc({ type: "action-request-with-list", invokeId: 0xc1, descriptors: [{ classId: 9, instance: LN.echo, method: 2 }], parameters: [D.null()] }),
    svc({ type: "action-request-next-pblock", invokeId: 0xc1, blockNumber: 1 }),
  ],
  "action-response": [dlmsVector("test_xdlms/test_action.py", 80), dlmsVector("test_xdlms/test_action.py", 108), dlmsVector("test_xdlms/test_action.py", 144), svc({ type: "action-response-with-pblock", invokeId: 1, block })],
  "data-notification": [dlmsVector("test_xdlms/test_data_notification.py", 9), svc({ type: "exception-response", stateError: 1, serviceError: 6, invocationCounter: 77 })],
  ciphered: [dlmsVector("test_xdlms/test_initiate.py", 207), dlmsVector("test_general_global_cipher.py", 6), dlmsVector("test_asce/test_rlre.py", 22).subarray(9)],
};

function decodeOrDecodeError(bytes: Uint8Array): Apdu | undefined {
  try {
    return decodeApdu(bytes);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw new Error(`non-DecodeError ${String(e)} for ${toHex(bytes)}`);
    return undefined;
  }
}

describe("decoders are total under mutation", () => {
  it.each(Object.keys(SEEDS).map((type) => ({ type })))(
    "$type",
    ({ type }) => {
      const rng = new Rng(type.length * 7919 + 1);
      const seeds = SEEDS[type];
      let decoded = 0;
      for (let i = 0; i < N_DECODE; i++) {
        const m = mutate(rng, seeds[i % seeds.length]);
        const a = decodeOrDecodeError(m);
        if (a) {
          decoded++;
          // Whatever decodes can be encoded and decodes to the same value again.
          let again: Uint8Array | undefined;
          try {
            again = encodeApdu(a);
          } catch {
            again = undefined; // non-canonical input (e.g. an unrepresentable value) is fine to refuse on encode
          }
          // Compared as bytes: a deep equality per case would dominate the run.
          if (again && !bytesEqual(encodeApdu(decodeApdu(again)), again)) throw new Error(`re-encoding unstable for ${toHex(m)}`);
        }
      }
      report(`fuzz decode ${type}: ${N_DECODE} mutated, ${decoded} still decoded`);
      expect(decoded).toBeGreaterThan(0);
      expect(decoded).toBeLessThan(N_DECODE);
    },
    LONG,
  );
});

const RESPONSES: Record<number, readonly string[]> = {
  0x60: ["aare"],
  0x62: ["rlre"],
  0xc0: ["get-response-normal", "get-response-with-datablock", "get-response-with-list", "exception-response"],
  0xc1: ["set-response-normal", "set-response-datablock", "set-response-last-datablock", "set-response-last-datablock-with-list", "set-response-with-list", "exception-response"],
  0xc3: ["action-response-normal", "action-response-with-pblock", "action-response-with-list", "action-response-next-pblock", "exception-response"],
};

describe("the server answers every mutated request with the standard reply", () => {
  const requestTypes = ["aarq", "release", "get-request", "set-request", "action-request", "get-response", "initiate", "data-notification"];
  it.each(requestTypes.map((type) => ({ type })))(
    "$type through a public association",
    ({ type }) => {
      const m = buildMeter();
      const rng = new Rng(type.length * 104729 + 3);
      const session = new TestSession(SAP.public);
      const aarq = dlmsVector("test_asce/test_aarq.py", 16);
      const seeds = SEEDS[type];
      const kinds = new Map<string, number>();
      for (let i = 0; i < N_SERVER; i++) {
        if (m.server.status(session) === 0) m.server.handle(aarq, session);
        const req = mutate(rng, seeds[i % seeds.length]);
        const resp = m.server.handle(req, session);
        if (req.length === 0) {
          expect(resp).toBeUndefined();
          continue;
        }
        if (!resp) {
          // An unconfirmed SET or ACTION (service-class bit 6 of Invoke-Id-And-Priority clear) has no response.
          if ((req[0] === 0xc1 || req[0] === 0xc3) && req.length > 2 && (req[2] & 0x40) === 0) continue;
          throw new Error(`no answer to ${toHex(req)}`);
        }
        const a = decodeApdu(resp);
        const allowed = RESPONSES[req[0]] ?? ["exception-response"];
        if (!allowed.includes(a.type)) throw new Error(`${a.type} answers ${toHex(req)}`);
        kinds.set(a.type, (kinds.get(a.type) ?? 0) + 1);
      }
      expect(m.server.faults).toBe(0);
      report(`fuzz server ${type}: ${N_SERVER} requests, replies ${[...kinds].map(([k, v]) => `${k} ${v}`).join(", ")}`);
    },
    LONG,
  );

  it(
    "security header and ciphered content through an HLS-GMAC association",
    async () => {
      const m = buildMeter();
      const first = connect(m, SAP.management);
      let session = first.session;
      await first.client.associate();
      // Valid ciphered requests of the live association, captured from the client.
      const seeds: Uint8Array[] = [];
      const handle = m.server.handle.bind(m.server);
      m.server.handle = (apdu, s) => (seeds.push(apdu), handle(apdu, s));
      await first.client.get(1, LN.energy, 2);
      await first.client.set(1, LN.config, 2, D.u16(5));
      await first.client.action(9, LN.echo, 1, D.u8(1));
      m.server.handle = handle;
      const rng = new Rng(0x5ec);
      const kinds = new Map<string, number>();
      let accepted = 0;
      let reassociations = 0;
      for (let i = 0; i < N_SERVER; i++) {
        if (m.server.status(session) !== 2) {
          // A mutation turned into an AARQ or RLRQ and ended the association: open a new one.
          const again = connect(m, SAP.management, { invocationCounter: m.setups.management.rx.expected });
          await again.client.associate();
          session = again.session;
          reassociations++;
        }
        // Header bytes (tag, length, security control, invocation counter) get most of the mutations.
        const req = mutate(rng, seeds[i % seeds.length], 7);
        // A fresh counter half of the time, so that mutations reach the tag check rather than the replay check.
        if (i & 1 && req.length > 7) req.set([0x40 + (i >>> 24), (i >>> 16) & 0xff, (i >>> 8) & 0xff, i & 0xff], 3);
        const resp = handle(req, session);
        if (req.length === 0) {
          expect(resp).toBeUndefined();
          continue;
        }
        if (!resp) {
          // An unconfirmed SET or ACTION (service-class bit 6 of Invoke-Id-And-Priority clear) has no response.
          if ((req[0] === 0xc1 || req[0] === 0xc3) && req.length > 2 && (req[2] & 0x40) === 0) continue;
          throw new Error(`no answer to ${toHex(req)}`);
        }
        const a = decodeApdu(resp);
        const allowed = req[0] === 0x60 ? ["aare"] : req[0] === 0x62 ? ["rlre"] : ["exception-response", "ciphered", "general-glo-ciphering"];
        if (!allowed.includes(a.type)) throw new Error(`${a.type} answers ${toHex(req)}`);
        // Only an APDU that really verified under the key gets a (ciphered) service answer.
        if (a.type === "ciphered" || a.type === "general-glo-ciphering") accepted++;
        const k = a.type === "exception-response" ? `exception ${a.serviceError}` : a.type;
        kinds.set(k, (kinds.get(k) ?? 0) + 1);
      }
      expect(m.server.faults).toBe(0);
      report(`fuzz security header: ${N_SERVER} mutated ciphered APDUs, ${accepted} accepted, ${reassociations} re-associations, replies ${[...kinds].map(([k, v]) => `${k} ${v}`).join(", ")}`);
      // A mutation that keeps the APDU valid under GCM is astronomically unlikely: essentially all are refused.
      expect(accepted).toBeLessThan(N_SERVER / 100);
      expect(m.events.security().length).toBeGreaterThan(N_SERVER / 2);
    },
    LONG,
  );
});

describe("codec properties", () => {
  const obis = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map(([a, b, c, d, e, f]) => Obis.of(a, b, c, d, e, f));
  const data: fc.Arbitrary<Data> = fc.oneof(fc.nat(0xffff).map(D.u16), fc.uint8Array({ maxLength: 40 }).map(D.octets), fc.integer({ min: -128, max: 127 }).map(D.i8), fc.constant(D.null()));
  const attr = fc.record({ classId: fc.nat(0xffff), instance: obis, attribute: fc.integer({ min: -128, max: 127 }) });
  const apdu: fc.Arbitrary<ServiceApdu> = fc.oneof(
    fc.record({ type: fc.constant("get-request-normal" as const), invokeId: fc.nat(255), descriptor: attr }),
    fc.record({ type: fc.constant("get-request-next" as const), invokeId: fc.nat(255), blockNumber: fc.nat() }),
    fc.record({ type: fc.constant("set-request-normal" as const), invokeId: fc.nat(255), descriptor: attr, value: data.map((d) => ({ data: d })) }),
    fc.record({ type: fc.constant("get-response-normal" as const), invokeId: fc.nat(255), result: fc.oneof(data.map((d) => ({ data: d })), fc.nat(255).map((e) => ({ error: e }))) }),
    fc.record({
      type: fc.constant("get-response-with-datablock" as const),
      invokeId: fc.nat(255),
      block: fc.record({ lastBlock: fc.boolean(), blockNumber: fc.nat(), result: fc.uint8Array({ maxLength: 300 }).map((raw) => ({ raw })) }),
    }),
    fc.record({ type: fc.constant("action-response-normal" as const), invokeId: fc.nat(255), response: fc.record({ result: fc.nat(255) }) }),
    fc.record({ type: fc.constant("set-response-with-list" as const), invokeId: fc.nat(255), results: fc.array(fc.nat(255), { maxLength: 5 }) }),
  );

  it("encode then decode is the identity for generated service APDUs", () => {
    fc.assert(
      fc.property(apdu, (a) => {
        const bytes = encodeApdu(a);
        const back = decodeApdu(bytes);
        expect(toHex(encodeApdu(back))).toBe(toHex(bytes));
        expect(back.type).toBe(a.type);
      }),
      { numRuns: runtime === "xs" ? 100 : 2000 },
    );
  });

  it("any byte string decodes or throws DecodeError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.constantFrom(0x60, 0x61, 0x62, 0x63, 0x01, 0x08, 0x0e, 0xc0, 0xc1, 0xc3, 0xc4, 0xc5, 0xc7, 0xd8, 0x0f, 0x21, 0xc8, 0xdb), (tail, tag) => {
        decodeOrDecodeError(Uint8Array.of(tag, ...tail));
      }),
      { numRuns: runtime === "xs" ? 300 : 20000 },
    );
  });
});
