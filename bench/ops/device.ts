/**
 * Operations and heap figures of the real meter (issue 13): the sim-board
 * meter as `npm start` boots it, with its full catalog, its management
 * association (HLS-GMAC, suite 0 authenticated encryption, the development
 * keys) and its load profile filled with a year of rows. Everything is
 * synchronous (the server is called directly, as the HDLC/wrapper links do),
 * so it runs on XS and Node.
 */
import type { BenchOp, HeapFigure } from "../op.js";
import { D, Tag, type Data } from "../../src/cosem/axdr.js";
import { decodeApdu, encodeApdu } from "../../src/cosem/client/codec.js";
import { decodeAare } from "../../src/cosem/client/client-apdu.js";
import { hlsGmacAarq } from "../rigs/hls.js";
import { Conformance } from "../../src/cosem/apdu/conformance.js";
import { dateTimeFromUtcMs, dateTimeToBytes } from "../../src/cosem/datetime.js";
import { Obis } from "../../src/cosem/obis.js";
import { openApdu, readEnvelope, sealApdu } from "../../src/cosem/security/protect.js";
import { hlsGmac } from "../../src/cosem/security/suite0.js";
import type { ApduSession } from "../../src/transport/apdu-port.js";
import { DEVELOPMENT_KEYS } from "../../src/meter/config.js";
import { ClientSap } from "../../src/meter/dlms.js";
import type { Meter } from "../../src/meter/meter.js";
import { LOAD_PROFILE } from "../../src/storage/meter-profiles.js";
import { SimCrypto } from "../../hal/sim/crypto.js";
import { bytesSource } from "../../src/fota/image.js";
import { ImageVerifier } from "../../src/fota/verify.js";
import { SimBoard } from "../../scripts/simulator/board.js";
import { benchImage } from "./fota.js";

const T0 = Date.UTC(2026, 0, 14, 9, 0);
const KEYS = { encryptionKey: DEVELOPMENT_KEYS.globalUnicastKey, authenticationKey: DEVELOPMENT_KEYS.authenticationKey };
const CLIENT_TITLE = Uint8Array.of(0x4d, 0x4b, 0x54, 0x4c, 0x41, 0x42, 0x30, 0x31);
const CONF = Conformance.get | Conformance.set | Conformance.action | Conformance.blockTransferWithGet | Conformance.generalProtection | Conformance.selectiveAccess;
const ASSOCIATION_LN = Obis.of(0, 0, 40, 0, 0, 255);
/** The client's PDU size: what a handheld optical reader typically proposes. */
const PDU = 256;

/** What the server needs of a client session (the links make one per connection). */
class BenchSession implements ApduSession {
  readonly serverLogical = 1;
  readonly transport = "hdlc" as const;
  constructor(
    readonly clientSap: number,
    readonly maxApduSize = 0,
  ) {}
  push(): void {}
}

export interface RealMeter {
  board: SimBoard;
  meter: Meter;
}

/** The simulated board (flash partitions, energy IC, relay, network), not yet booted. */
export function simBoard(): SimBoard {
  return new SimBoard({ startUtcMs: T0 });
}

/** The sim-board meter booted with its full catalog, past start-up (first persist, tariff sync). */
export function realMeter(board = simBoard()): RealMeter {
  const meter = board.boot();
  board.clock.advance(60_000);
  return { board, meter };
}

export interface Association extends RealMeter {
  session: BenchSession;
  ic: number;
  serverTitle: Uint8Array;
}

function server(m: RealMeter) {
  const dlms = m.meter.dlms;
  if (!dlms) throw new Error("bench: the meter has no DLMS front");
  return dlms.server;
}

function seal(a: { board: SimBoard; ic: number }, plain: Uint8Array): Uint8Array {
  return sealApdu(a.board.crypto, plain, { securityControl: 0x30, systemTitle: CLIENT_TITLE, invocationCounter: a.ic++, keys: KEYS, dedicated: false, general: false });
}

/** The management client's HLS-GMAC association, both sides, as the lab client makes it. */
export function associate(m: RealMeter, ic = 1): Association {
  const a: Association = { ...m, session: new BenchSession(ClientSap.management), ic, serverTitle: m.meter.config.security.serverSystemTitle };
  const srv = server(m);
  const initiate = encodeApdu({ type: "initiate-request", proposedDlmsVersion: 6, proposedConformance: CONF, clientMaxReceivePduSize: PDU });
  const aarq = hlsGmacAarq(CLIENT_TITLE, seal(a, initiate));
  const aare = decodeAare(srv.handle(aarq, a.session)!);
  const f = hlsGmac(a.board.crypto, KEYS, CLIENT_TITLE, a.ic++, aare.authenticationValue!);
  const reply = encodeApdu({ type: "action-request-normal", invokeId: 0xc1, descriptor: { classId: 15, instance: ASSOCIATION_LN, method: 1 }, parameters: D.octets(f) });
  srv.handle(seal(a, reply), a.session);
  if (srv.status(a.session) !== 2) throw new Error("bench: HLS-GMAC association with the meter failed");
  return a;
}

function roundTrip(a: Association, plain: Uint8Array): Uint8Array {
  const resp = server(a).handle(seal(a, plain), a.session);
  if (!resp) throw new Error("bench: no response");
  const opened = openApdu(a.board.crypto, readEnvelope(resp)!, a.serverTitle, KEYS);
  if (!opened.ok) throw new Error("bench: response does not open");
  return opened.plain;
}

/**
 * A GET carried to its last block as a client does; returns the bytes of the
 * data (all blocks). With `sink`, the blocks' raw data is also kept there
 * (the proving tests decode it; the bench passes none).
 */
export function getAll(a: Association, classId: number, instance: Obis, attribute: number, access?: { selector: number; parameters: Data }, sink?: Uint8Array[]): number {
  let resp = decodeApdu(roundTrip(a, encodeApdu({ type: "get-request-normal", invokeId: 0xc1, descriptor: { classId, instance, attribute }, access })));
  if (resp.type === "get-response-normal") {
    if ("error" in resp.result) throw new Error(`bench: GET refused (${resp.result.error})`);
    return 1;
  }
  let bytes = 0;
  while (resp.type === "get-response-with-datablock") {
    if ("error" in resp.block.result) throw new Error(`bench: block refused (${resp.block.result.error})`);
    bytes += resp.block.result.raw.length;
    sink?.push(resp.block.result.raw);
    if (resp.block.lastBlock) return bytes;
    resp = decodeApdu(roundTrip(a, encodeApdu({ type: "get-request-next", invokeId: 0xc1, blockNumber: resp.block.blockNumber })));
  }
  throw new Error(`bench: unexpected ${resp.type}`);
}

// --- get.object_list.meter ---------------------------------------------------

interface ObjectListState extends Association {
  bytes: number;
}

function objectListState(): ObjectListState {
  return { ...associate(realMeter()), bytes: 0 };
}

function readObjectList(s: ObjectListState): void {
  s.bytes = getAll(s, 15, ASSOCIATION_LN, 2);
}

export const getObjectListMeter: BenchOp<ObjectListState> = {
  name: "get.object_list.meter",
  notes: "the real meter's management object_list (every object of the sim board), ciphered, GET blocks of a 256-byte PDU, client seal/open included",
  setup: objectListState,
  run: readObjectList,
  bytes: (s) => s.bytes,
};

// --- profile-generic.read.day-of-year ----------------------------------------

export interface ProfileDayState extends Association {
  from: number;
  bytes: number;
}

const DAY = 86_400_000;
const QUARTER = 900_000;

/**
 * The meter's load profile filled with a year of 15-minute rows ending at the
 * meter's now (the rows a year of captures leaves; written through the
 * profile store directly because a year of 1 s ticks is not a benchmark).
 */
function yearOfProfile(m: RealMeter): number {
  const lp = m.meter.loadProfile;
  if (!lp) throw new Error("bench: the meter has no load profile");
  const now = m.meter.clock.now();
  const end = now - (now % QUARTER);
  const rows = lp.store.config.capacity;
  const v = [12_345_678, 2_345_678, 345_678, 45_678];
  for (let i = rows; i > 0; i--) {
    const t = end - i * QUARTER;
    const hour = Math.floor((t % DAY) / 3_600_000);
    v[0] += 40 + ((t / QUARTER) % 97);
    if (hour >= 9 && hour <= 15) v[1] += 100 + ((t / QUARTER) % 53);
    v[2] += 7;
    v[3] += 1;
    lp.store.append(t, 0, v);
  }
  return end;
}

function rangeSelection(fromMs: number, toMs: number, deviation: number): { selector: number; parameters: Data } {
  const dt = (ms: number): Data => ({ tag: Tag.OctetString, value: dateTimeToBytes(dateTimeFromUtcMs(ms, deviation, 0)) });
  return {
    selector: 1,
    parameters: D.struct(D.struct(D.u16(8), D.octets(Obis.of(0, 0, 1, 0, 0, 255).toBytes()), { tag: Tag.Integer, value: 2 }, D.u16(0)), dt(fromMs), dt(toMs), { tag: Tag.Array, value: [] }),
  };
}

let profileYear: ProfileDayState | undefined;
function profileDayState(): ProfileDayState {
  if (!profileYear) {
    const m = realMeter();
    const end = yearOfProfile(m);
    // A day in the middle of the year: 183 days back, midnight UTC to the last quarter of the day.
    const from = end - 183 * DAY - (end % DAY);
    profileYear = { ...associate(m), from, bytes: 0 };
  }
  return profileYear;
}

/** The range_descriptor of the day both day-of-year operations read: 96 quarter-hours from `from`. */
export function profileDaySelection(s: ProfileDayState): { selector: number; parameters: Data } {
  return rangeSelection(s.from, s.from + DAY - QUARTER, s.meter.clock.deviationAt(s.from));
}

/** The whole client GET: ciphered request, range selection decoded by the server, every block sealed and opened. */
function readProfileDay(s: ProfileDayState): void {
  s.bytes = getAll(s, 7, LOAD_PROFILE, 2, profileDaySelection(s));
}

/** What class 7 does for that GET: the range_descriptor as the server hands it over, the buffer pulled in 256-byte blocks. */
function readProfileDayClass7(s: ProfileDayState): void {
  const sel = profileDaySelection(s);
  const r = s.meter.loadProfile!.get(2, { role: "management", clientSap: ClientSap.management, nowUtcMs: s.meter.clock.now() }, sel);
  if (!r.ok || !("kind" in r.value)) throw new Error("bench: the buffer is not streamed");
  let bytes = 0;
  for (let b = r.value.next(PDU); b; b = r.value.next(PDU)) bytes += b.length;
  s.bytes = bytes;
}

export const profileGenericReadDayOfYear: BenchOp<ProfileDayState> = {
  name: "profile-generic.read.day-of-year",
  notes: "class 7 of the real meter's load profile holding a full year: one day (96 rows) by range_descriptor, the buffer pulled in 256-byte blocks as the server does (APDU and ciphering: profile-generic.get.day-of-year)",
  setup: profileDayState,
  run: readProfileDayClass7,
  bytes: (s) => s.bytes,
};

export const profileGenericGetDayOfYear: BenchOp<ProfileDayState> = {
  name: "profile-generic.get.day-of-year",
  notes: "the same day as the management client reads it: ciphered GET with range_descriptor, GET blocks of a 256-byte PDU, client seal/open included",
  setup: profileDayState,
  run: readProfileDay,
  bytes: (s) => s.bytes,
};

// --- meter.tick.capture --------------------------------------------------------

export const meterTickCapture: BenchOp<RealMeter> = {
  name: "meter.tick.capture",
  notes: "the 1 s tick that ends a quarter hour: metrology, tariff, and the load-profile capture into flash (the daily profile's capture adds to it at midnight)",
  setup: realMeter,
  prepare(s) {
    const now = s.meter.clock.now();
    s.board.clock.advance(QUARTER - (now % QUARTER) - 1000);
  },
  run(s) {
    const before = s.meter.captures;
    s.board.clock.advance(1000);
    if (s.meter.captures !== before + 1) throw new Error("bench: the tick did not capture");
  },
  iterations: 3,
};

// --- heap figures ----------------------------------------------------------------

export const heapFigures: HeapFigure<any>[] = [
  {
    name: "heap.meter.idle",
    notes: "the sim-board meter booted with its full catalog, past start-up, after a full collection: what boot adds to the live set beside the simulated hardware (module-level objects are heap.modules.firmware)",
    hardware: simBoard,
    setup: (board: SimBoard) => realMeter(board),
  },
  {
    name: "heap.peak.object-list",
    notes: "largest live set above the associated meter while it serves the management object_list in 256-byte blocks (ciphered)",
    setup: objectListState,
    run: readObjectList,
  },
  {
    name: "heap.peak.profile-day",
    notes: "largest live set above the associated meter (a year of load profile) while it serves one day by range",
    setup: profileDayState,
    run: readProfileDay,
  },
  {
    name: "heap.peak.image-verify",
    notes: "largest live set above the state while a 64 KiB-payload image is verified (SHA-256 and ECDSA P-256 in JavaScript here, native on a board)",
    setup: () => {
      const { image, spki } = benchImage(64 * 1024);
      return { slot: bytesSource(image, 0x40000), verifier: new ImageVerifier({ signature: "ecdsa-p256", keys: [spki] }, new SimCrypto()) };
    },
    run: (s: { slot: ReturnType<typeof bytesSource>; verifier: ImageVerifier }) => {
      if (s.verifier.verify(s.slot).verdict !== "ok") throw new Error("bench image does not verify");
    },
  },
  {
    name: "heap.peak.sim-aes-gcm",
    notes:
      "largest live set above the state while the simulator's JavaScript AES-GCM (hal/sim/aes-gcm.ts) opens one 256-byte ciphered APDU: part of every ciphered heap.peak.* here, native on a board (outside the XS heap); the meter's own share of a peak is that peak minus this",
    setup: () => {
      const c = new SimCrypto();
      const key = new Uint8Array(16);
      const iv = new Uint8Array(12);
      const aad = new Uint8Array(17);
      return { c, key, iv, aad, sealed: c.aesGcmEncrypt(key, iv, aad, new Uint8Array(256), 12) };
    },
    run: (s: { c: SimCrypto; key: Uint8Array; iv: Uint8Array; aad: Uint8Array; sealed: Uint8Array }) => {
      if (!s.c.aesGcmDecrypt(s.key, s.iv, s.aad, s.sealed, 12)) throw new Error("bench: the sealed APDU does not open");
    },
  },
  {
    name: "heap.peak.association",
    notes: "largest live set above the booted meter during an HLS-GMAC association of the management client (AARQ/AARE and the f(StoC)/f(CtoS) action)",
    setup: () => ({ m: realMeter(), ic: 1 }),
    run: (s: { m: RealMeter; ic: number }) => {
      s.ic = associate(s.m, s.ic).ic;
    },
  },
];
