/**
 * Benchmark operations of the xDLMS layer, on the xDLMS test meter
 * (bench/rigs/xdlms-meter.ts); host-tests/cosem/bench-ops.test.ts proves
 * them. Everything here is synchronous,
 * built from the codecs, the security functions and the server directly
 * (the DLMS client is async), and runs on XS and Node.
 */
import type { BenchOp } from "../op.js";
import { SimClock } from "../../hal/sim/clock.js";
import { SimTimers } from "../../hal/sim/timers.js";
import { HdlcClient } from "../../src/transport/client/hdlc-client.js";
import { DEFAULT_HDLC_SERVER_CONFIG, HdlcServerLink } from "../../src/transport/hdlc/server.js";
import type { ApduHandler } from "../../src/transport/apdu-port.js";
import { D } from "../../src/cosem/axdr.js";
import { decodeApdu, encodeApdu } from "../../src/cosem/client/codec.js";
import { ApplicationContext } from "../../src/cosem/apdu/acse.js";
import { decodeAare, encodeAarq } from "../../src/cosem/client/client-apdu.js";
import { hlsGmacAarq } from "../rigs/hls.js";
import { Conformance } from "../../src/cosem/apdu/conformance.js";
import { Obis } from "../../src/cosem/obis.js";
import { openApdu, readEnvelope, sealApdu } from "../../src/cosem/security/protect.js";
import { hlsGmac } from "../../src/cosem/security/suite0.js";
import { CLIENT_TITLE, GAK, GUEK, LN, SAP, SERVER_TITLE, TestSession, buildMeter, type Meter } from "../rigs/xdlms-meter.js";

const KEYS = { encryptionKey: GUEK, authenticationKey: GAK };
const CONF = Conformance.get | Conformance.set | Conformance.action | Conformance.blockTransferWithGet | Conformance.generalProtection | Conformance.selectiveAccess;
const GET_ENERGY = encodeApdu({ type: "get-request-normal", invokeId: 0xc1, descriptor: { classId: 1, instance: LN.energy, attribute: 2 } });

interface Ciphered {
  m: Meter;
  session: TestSession;
  ic: number;
}

/** An established HLS-GMAC, authenticated-encryption association of the management client, done synchronously. */
function hlsAssociation(m: Meter, session: TestSession, startIc: number, pdu = 1024): number {
  let ic = startIc;
  const initiate = encodeApdu({ type: "initiate-request", proposedDlmsVersion: 6, proposedConformance: CONF, clientMaxReceivePduSize: pdu });
  const aarq = hlsGmacAarq(CLIENT_TITLE, sealApdu(m.crypto, initiate, { securityControl: 0x30, systemTitle: CLIENT_TITLE, invocationCounter: ic++, keys: KEYS, dedicated: false, general: false }));
  const aare = decodeAare(m.server.handle(aarq, session)!);
  const f = hlsGmac(m.crypto, KEYS, CLIENT_TITLE, ic++, aare.authenticationValue!);
  const reply = encodeApdu({ type: "action-request-normal", invokeId: 0xc1, descriptor: { classId: 15, instance: Obis.of(0, 0, 40, 0, 0), method: 1 }, parameters: D.octets(f) });
  const sealed = sealApdu(m.crypto, reply, { securityControl: 0x30, systemTitle: CLIENT_TITLE, invocationCounter: ic++, keys: KEYS, dedicated: false, general: false });
  m.server.handle(sealed, session);
  if (m.server.status(session) !== 2) throw new Error("bench: HLS-GMAC association failed");
  return ic;
}

/** One ciphered request/response round trip as the client does it: seal, serve, open. */
function cipheredRoundTrip(s: Ciphered, plain: Uint8Array): Uint8Array {
  const req = sealApdu(s.m.crypto, plain, { securityControl: 0x30, systemTitle: CLIENT_TITLE, invocationCounter: s.ic++, keys: KEYS, dedicated: false, general: false });
  const resp = s.m.server.handle(req, s.session)!;
  const opened = openApdu(s.m.crypto, readEnvelope(resp)!, SERVER_TITLE, KEYS);
  if (!opened.ok) throw new Error("bench: response does not open");
  return opened.plain;
}

export const xdlmsGetPlain: BenchOp<{ m: Meter; session: TestSession }> = {
  name: "xdlms.get.register.plain",
  notes: "GET of a register value, public association: server decode, rights, encode",
  setup() {
    const m = buildMeter();
    const session = new TestSession(SAP.public);
    const ui = encodeApdu({ type: "initiate-request", proposedDlmsVersion: 6, proposedConformance: CONF & ~Conformance.generalProtection, clientMaxReceivePduSize: 1024 });
    m.server.handle(encodeAarq({ type: "aarq", applicationContext: ApplicationContext.ln, authenticationRequested: false, userInformation: ui }), session);
    return { m, session };
  },
  run(s) {
    s.m.server.handle(GET_ENERGY, s.session);
  },
  bytes: () => GET_ENERGY.length,
};

export const xdlmsGetSuite0: BenchOp<Ciphered> = {
  name: "xdlms.get.register.suite0",
  notes: "the same GET with suite 0 authenticated encryption both ways (client seal + server + client open)",
  setup() {
    const m = buildMeter();
    const session = new TestSession(SAP.management);
    return { m, session, ic: hlsAssociation(m, session, 1) };
  },
  run(s) {
    cipheredRoundTrip(s, GET_ENERGY);
  },
};

export const associationHlsGmac: BenchOp<{ m: Meter; ic: number }> = {
  name: "association.hls-gmac",
  notes: "AARQ/AARE with glo-initiate and the HLS-GMAC f(StoC)/f(CtoS) exchange, both sides",
  setup() {
    return { m: buildMeter(), ic: 1 };
  },
  run(s) {
    s.ic = hlsAssociation(s.m, new TestSession(SAP.management), s.ic);
  },
};

export const objectListBlocks: BenchOp<Ciphered> = {
  name: "get.object_list.blocks",
  notes: "the object_list of the 11-object xDLMS test fixture in GET blocks of a 256-byte PDU, ciphered (the real meter's is get.object_list.meter)",
  setup() {
    const m = buildMeter();
    const session = new TestSession(SAP.management);
    return { m, session, ic: hlsAssociation(m, session, 1, 256) };
  },
  run(s) {
    const first = encodeApdu({ type: "get-request-normal", invokeId: 0xc1, descriptor: { classId: 15, instance: Obis.of(0, 0, 40, 0, 0), attribute: 2 } });
    let resp = decodeApdu(cipheredRoundTrip(s, first));
    while (resp.type === "get-response-with-datablock" && !resp.block.lastBlock) {
      resp = decodeApdu(cipheredRoundTrip(s, encodeApdu({ type: "get-request-next", invokeId: 0xc1, blockNumber: resp.block.blockNumber })));
    }
    if (resp.type !== "get-response-with-datablock") throw new Error("bench: object_list did not come in blocks");
  },
};

/**
 * The HDLC client and the meter's HDLC link wired back to back with
 * synchronous byte callbacks: a request's whole exchange (framing, FCS,
 * N(S)/N(R), LLC, xDLMS) runs inside one call, so it can be metered. The
 * server's response APDU is kept for the suite 0 op to open synchronously.
 */
interface HdlcBench {
  m: Meter;
  hdlc: HdlcClient;
  lastResponse: Uint8Array | undefined;
  ic: number;
}

function hdlcBench(sap: number): HdlcBench {
  const m = buildMeter();
  const timers = new SimTimers(new SimClock({ startUtcMs: Date.UTC(2026, 0, 1) }));
  const state: HdlcBench = { m, hdlc: undefined as unknown as HdlcClient, lastResponse: undefined, ic: 1 };
  const handler: ApduHandler = {
    handle: (apdu, session) => (state.lastResponse = m.server.handle(apdu, session)),
    sessionClosed: (session) => m.server.sessionClosed(session),
  };
  let link: HdlcServerLink | undefined;
  const hdlc = new HdlcClient((b) => link!.receive(b), timers, {
    clientSap: sap,
    serverLogical: 1,
    serverPhysical: 17,
    proposal: { maxInfoTx: 128, maxInfoRx: 128, windowTx: 1, windowRx: 1 },
    responseTimeoutMs: 5000,
    maxApduSize: 2048,
  });
  link = new HdlcServerLink((b) => hdlc.receive(b), handler, timers, { ...DEFAULT_HDLC_SERVER_CONFIG, physicalAddress: 17 });
  state.hdlc = hdlc;
  void hdlc.connect();
  if (!hdlc.connected) throw new Error("bench: SNRM/UA did not complete synchronously");
  return state;
}

export const hdlcGetSuite0: BenchOp<HdlcBench> = {
  name: "hdlc.get.register.suite0",
  notes: "the same HDLC-framed GET with suite 0 authenticated encryption (client seal and open included)",
  setup() {
    const s = hdlcBench(SAP.management);
    const session = { ic: 1 };
    // The association itself goes through the same framed link.
    const initiate = encodeApdu({ type: "initiate-request", proposedDlmsVersion: 6, proposedConformance: CONF, clientMaxReceivePduSize: 1024 });
    void s.hdlc.request(
      hlsGmacAarq(CLIENT_TITLE, sealApdu(s.m.crypto, initiate, { securityControl: 0x30, systemTitle: CLIENT_TITLE, invocationCounter: session.ic++, keys: KEYS, dedicated: false, general: false }), new Uint8Array(16).fill(7)),
    );
    const stoc = decodeAare(s.lastResponse!).authenticationValue!;
    const f = hlsGmac(s.m.crypto, KEYS, CLIENT_TITLE, session.ic++, stoc);
    const reply = encodeApdu({ type: "action-request-normal", invokeId: 0xc1, descriptor: { classId: 15, instance: Obis.of(0, 0, 40, 0, 0), method: 1 }, parameters: D.octets(f) });
    void s.hdlc.request(sealApdu(s.m.crypto, reply, { securityControl: 0x30, systemTitle: CLIENT_TITLE, invocationCounter: session.ic++, keys: KEYS, dedicated: false, general: false }));
    s.ic = session.ic;
    return s;
  },
  run(s) {
    void s.hdlc.request(sealApdu(s.m.crypto, GET_ENERGY, { securityControl: 0x30, systemTitle: CLIENT_TITLE, invocationCounter: s.ic++, keys: KEYS, dedicated: false, general: false }));
    const opened = openApdu(s.m.crypto, readEnvelope(s.lastResponse!)!, SERVER_TITLE, KEYS);
    if (!opened.ok) throw new Error("bench: framed response does not open");
  },
};

// hdlc.get.register.plain is the transport area's (bench/ops/transport.ts); this is its ciphered twin.
export const xdlmsBenchOps = [hdlcGetSuite0, xdlmsGetPlain, xdlmsGetSuite0, associationHlsGmac, objectListBlocks];
