/**
 * A small meter for the xDLMS tests and bench operations: a catalog with every access right
 * written as data, the four associations (public 16, reader 32 and
 * management 1 with HLS-GMAC and ciphering, firmware 48 with LLS), the
 * simulated crypto port, a RAM KeyValueStore and a recording event sink.
 */
import { SimCrypto } from "../../hal/sim/crypto.js";
import type { Timers } from "../../hal/timer.js";
import { D, Tag, type Data } from "../../src/cosem/axdr.js";
import { Mechanism } from "../../src/cosem/apdu/acse.js";
import { DlmsClient, type ClientOptions } from "../../src/cosem/client/client.js";
import { DataObject } from "../../src/cosem/classes/data.js";
import { PushSetupObject } from "../../src/cosem/classes/push-setup.js";
import { PushSetup } from "../../src/push/setup.js";
import { SapAssignmentObject } from "../../src/cosem/classes/sap-assignment.js";
import { SecuritySetupObject } from "../../src/cosem/classes/security-setup.js";
import {
  ActionResult,
  DataAccessResult,
  rights,
  type AccessContext,
  type ActionOutcome,
  type CosemObject,
  type EncodedStream,
  type GetResult,
  type ObjectEntry,
} from "../../src/cosem/interface-class.js";
import { Obis } from "../../src/cosem/obis.js";
import { Policy, SecuritySetup } from "../../src/cosem/security/security-setup.js";
import type { AssociationConfig } from "../../src/cosem/server/config.js";
import { CosemServer } from "../../src/cosem/server/server.js";
import type { EventSink, MeterEvent } from "../../src/events.js";
import { MemoryKeyValueStore, type KeyValueStore } from "../../src/persistence.js";
import type { ApduSession } from "../../src/transport/apdu-port.js";
import { fromHex, utf8Encode } from "../../src/util/bytes.js";

export const GUEK = fromHex("000102030405060708090A0B0C0D0E0F");
export const GAK = fromHex("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF");
export const KEK = fromHex("00112233445566778899AABBCCDDEEFF");
export const CLIENT_TITLE = fromHex("4D4D4D0000000001");
export const SERVER_TITLE = fromHex("4D4D4D0000BC614E");
export const LLS_PASSWORD = utf8Encode("12345678");
export const SAP = { public: 16, reader: 32, management: 1, firmware: 48, ecdsa: 102 } as const;

export class RecordingEvents implements EventSink {
  readonly events: MeterEvent[] = [];
  record(e: MeterEvent): void {
    this.events.push(e);
  }
  security(code?: number): MeterEvent[] {
    return this.events.filter((e) => e.log === "security" && (code === undefined || e.code === code));
  }
}

/** A test object with methods: 1 echo(params) returns them, 2 count() increments attribute 2. */
export class EchoObject implements CosemObject {
  readonly classId = 9;
  readonly version = 0;
  readonly attributeCount = 2;
  readonly methodCount = 2;
  calls = 0;
  constructor(readonly logicalName: Obis) {}
  get(attribute: number, _ctx: AccessContext): GetResult {
    return attribute === 2 ? { ok: true, value: D.u32(this.calls) } : { ok: false, error: DataAccessResult.objectUndefined };
  }
  set(attribute: number, _v: Data, _ctx: AccessContext): DataAccessResult {
    return attribute === 2 ? DataAccessResult.readWriteDenied : DataAccessResult.objectUndefined;
  }
  action(method: number, parameters: Data | undefined, _ctx: AccessContext): ActionOutcome {
    this.calls++;
    if (method === 1) return parameters === undefined ? { result: ActionResult.success } : { result: ActionResult.success, returnData: parameters };
    if (method === 2) return { result: ActionResult.success };
    return { result: ActionResult.objectUndefined };
  }
}

/** A profile-like attribute served as an EncodedStream: an array of n long-unsigned values. */
export class StreamObject implements CosemObject {
  readonly classId = 7;
  readonly version = 1;
  readonly attributeCount = 2;
  readonly methodCount = 0;
  maxPulled = 0;
  constructor(
    readonly logicalName: Obis,
    readonly n: number,
  ) {}
  get(attribute: number, _ctx: AccessContext): GetResult {
    if (attribute !== 2) return { ok: false, error: DataAccessResult.objectUndefined };
    const n = this.n;
    let i = -1;
    const self = this;
    const stream: EncodedStream = {
      kind: "stream",
      next(max: number) {
        self.maxPulled = Math.max(self.maxPulled, max);
        if (i >= n) return undefined;
        const out = i < 0 ? Uint8Array.of(Tag.Array, 0x82, n >> 8, n & 0xff) : Uint8Array.of(Tag.LongUnsigned, (i >> 8) & 0xff, i & 0xff);
        i++;
        return out;
      },
    };
    return { ok: true, value: stream };
  }
  set(): DataAccessResult {
    return DataAccessResult.readWriteDenied;
  }
  action(): ActionOutcome {
    return { result: ActionResult.objectUndefined };
  }
  accessSelectors(attribute: number): readonly number[] {
    return attribute === 2 ? [1, 2] : [];
  }
}

export const LN = {
  energy: Obis.of(1, 0, 1, 8, 0),
  name: Obis.of(0, 0, 42, 0, 0),
  big: Obis.of(0, 0, 96, 1, 0),
  config: Obis.of(0, 0, 96, 2, 0),
  echo: Obis.of(0, 0, 10, 0, 100),
  profile: Obis.of(1, 0, 99, 1, 0),
  ssPublic: Obis.of(0, 0, 43, 0, 0),
  ssReader: Obis.of(0, 0, 43, 0, 2),
  ssMgmt: Obis.of(0, 0, 43, 0, 1),
  assocPublic: Obis.of(0, 0, 40, 0, 1),
  assocMgmt: Obis.of(0, 0, 40, 0, 2),
  assocReader: Obis.of(0, 0, 40, 0, 3),
  assocFirmware: Obis.of(0, 0, 40, 0, 4),
  sap: Obis.of(0, 0, 41, 0, 0),
  push: Obis.of(0, 0, 25, 9, 0),
};

export interface Meter {
  server: CosemServer;
  kv: KeyValueStore;
  events: RecordingEvents;
  crypto: SimCrypto;
  catalog: ObjectEntry[];
  echo: EchoObject;
  profile: StreamObject;
  setups: { reader: SecuritySetup; management: SecuritySetup };
  push: PushSetupObject;
}

export function buildMeter(
  kv: KeyValueStore = new MemoryKeyValueStore(),
  options: {
    maxPdu?: number;
    policy?: number;
    ecdsa?: { clientPublicKey: Uint8Array; serverPrivateKey: Uint8Array };
    /** The meter's clock (default: a fixed instant) and link timers (default: none). */
    nowUtcMs?: () => number;
    timers?: Timers;
  } = {},
): Meter {
  const crypto = new SimCrypto();
  const events = new RecordingEvents();
  const now = options.nowUtcMs ?? (() => Date.UTC(2026, 0, 1));
  const policy = options.policy ?? Policy.authenticatedRequest | Policy.encryptedRequest | Policy.authenticatedResponse | Policy.encryptedResponse;
  const keys = { globalUnicast: GUEK, authentication: GAK, master: KEK };
  const management = new SecuritySetup({ name: "ss.m", logicalName: LN.ssMgmt, serverSystemTitle: SERVER_TITLE, policy, keys }, kv, crypto, events, now);
  const reader = new SecuritySetup({ name: "ss.r", logicalName: LN.ssReader, serverSystemTitle: SERVER_TITLE, policy, keys }, kv, crypto, events, now);
  const echo = new EchoObject(LN.echo);
  const profile = new StreamObject(LN.profile, 900);
  // A Push Setup row as a catalog entry (rights, object_list); sending is the meter's push engine (src/push, tested in host-tests/push), which this fixture has not.
  const push = new PushSetupObject(
    new PushSetup(LN.push, {
      objects: [
        { classId: 1, logicalName: LN.name, attribute: 2, dataIndex: 0 },
        { classId: 1, logicalName: LN.energy, attribute: 2, dataIndex: 0 },
      ],
    }),
    { push: () => false },
  );
  const big = new Uint8Array(3000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
  const catalog: ObjectEntry[] = [
    // public reads energy and the device name; protected roles read more, management writes.
    { object: DataObject.holding(LN.energy, D.u32(12345), false), rights: { public: rights("r r"), reader: rights("r r"), management: rights("r R"), firmware: rights("r r") } },
    { object: DataObject.holding(LN.name, D.octets(utf8Encode("MTR0000000000001"))), rights: { public: rights("r r"), reader: rights("r r"), management: rights("r RW") } },
    { object: DataObject.holding(LN.big, D.octets(big)), rights: { reader: rights("r r"), management: rights("r rw") } },
    { object: DataObject.holding(LN.config, D.u16(7)), rights: { public: rights("r r"), reader: rights("r rw"), management: rights("r RW"), firmware: rights("r w") } },
    { object: echo, rights: { public: rights("r r", "- -"), reader: rights("r r", "- x"), management: rights("r r", "X x"), firmware: rights("r -", "x -") } },
    { object: profile, rights: { reader: rights("r r"), management: rights("r R") } },
    { object: new SecuritySetupObject(management), rights: { management: rights("r R R rw R R", "X X - - - - - -") } },
    { object: new SecuritySetupObject(reader), rights: { reader: rights("r r r r r r", "- - - - - - - -"), management: rights("r R R rw R R", "X X - - - - - -") } },
    { object: new SapAssignmentObject([{ sap: 1, name: utf8Encode("MTR0000000000001") }]), rights: { public: rights("r r", "-"), management: rights("r r", "-") } },
    { object: push, rights: { management: rights("r rw rw rw rw rw rw", "X"), reader: rights("r r r r r r r", "-") } },
  ];
  const associations: AssociationConfig[] = [
    { clientSap: SAP.public, role: "public", logicalName: LN.assocPublic, mechanism: Mechanism.none, ciphered: false },
    { clientSap: SAP.reader, role: "reader", logicalName: LN.assocReader, mechanism: Mechanism.hlsGmac, ciphered: true, securitySetup: reader },
    { clientSap: SAP.management, role: "management", logicalName: LN.assocMgmt, mechanism: Mechanism.hlsGmac, ciphered: true, securitySetup: management },
    { clientSap: SAP.firmware, role: "firmware", logicalName: LN.assocFirmware, mechanism: Mechanism.lls, secret: LLS_PASSWORD, ciphered: false },
  ];
  if (options.ecdsa) {
    // HLS-ECDSA belongs to suite 1: its own Security Setup says so, and its APDUs must name it.
    const suite1 = new SecuritySetup({ name: "ss.e", logicalName: Obis.of(0, 0, 43, 0, 5), serverSystemTitle: SERVER_TITLE, policy, keys, suite: 1 }, kv, crypto, events, now);
    associations.push({ clientSap: SAP.ecdsa, role: "reader", logicalName: Obis.of(0, 0, 40, 0, 5), mechanism: Mechanism.hlsEcdsa, ecdsa: options.ecdsa, ciphered: true, securitySetup: suite1 });
  }
  const server = new CosemServer({ catalog, associations, crypto, kv, events, nowUtcMs: now, maxReceivePduSize: options.maxPdu ?? 512, ...(options.timers ? { timers: options.timers } : {}) });
  const meter: Meter = { server, kv, events, crypto, catalog, echo, profile, setups: { reader, management }, push };
  return meter;
}

export class TestSession implements ApduSession {
  readonly serverLogical = 1;
  readonly transport = "hdlc" as const;
  readonly pushed: Uint8Array[] = [];
  constructor(
    readonly clientSap: number,
    readonly maxApduSize = 0,
  ) {}
  push(apdu: Uint8Array): void {
    this.pushed.push(apdu);
  }
}

/** A client wired to the server in-process through one session. */
export function connect(m: Meter, sap: number, opts: Partial<ClientOptions> & { maxApduSize?: number; invocationCounter?: number } = {}): { client: DlmsClient; session: TestSession; sent: Uint8Array[]; received: Uint8Array[] } {
  const session = new TestSession(sap, opts.maxApduSize ?? 0);
  const sent: Uint8Array[] = [];
  const received: Uint8Array[] = [];
  const exchange = (req: Uint8Array) => {
    sent.push(req);
    const r = m.server.handle(req, session);
    if (r) received.push(r);
    return r;
  };
  const protectedSap = sap === SAP.reader || sap === SAP.management;
  const client = new DlmsClient({
    exchange,
    mechanism: protectedSap ? Mechanism.hlsGmac : sap === SAP.firmware ? Mechanism.lls : Mechanism.none,
    password: LLS_PASSWORD,
    ...(protectedSap ? { ciphering: { crypto: m.crypto, systemTitle: CLIENT_TITLE, keys: { encryptionKey: GUEK, authenticationKey: GAK }, invocationCounter: opts.invocationCounter ?? 1 } } : {}),
    ...opts,
  });
  return { client, session, sent, received };
}
