/**
 * The meter's DLMS/COSEM front: security contexts, the xDLMS server over
 * the catalog, and the links in front of it (TCP wrapper, optical port with
 * mode E and HDLC), plus the objects that describe those links and
 * associations (Security Setup, SAP Assignment, IEC local port, IEC HDLC
 * and TCP-UDP setup).
 *
 * The setup objects need the running links and the links need the server,
 * which is built from the finished catalog: the links get a forwarding
 * handler first, the server is plugged into it last.
 */
import type { CryptoPort } from "../../hal/crypto.js";
import type { SerialPort } from "../../hal/serial.js";
import type { TcpListener } from "../../hal/tcp.js";
import type { Timers } from "../../hal/timer.js";
import { Mechanism } from "../cosem/apdu/acse.js";
import { IecHdlcSetupObject } from "../cosem/classes/iec-hdlc-setup.js";
import { IecLocalPortSetupObject } from "../cosem/classes/iec-local-port-setup.js";
import { SapAssignmentObject } from "../cosem/classes/sap-assignment.js";
import { SecuritySetupObject } from "../cosem/classes/security-setup.js";
import { TcpUdpSetupObject } from "../cosem/classes/tcp-udp-setup.js";
import { rights } from "../cosem/interface-class.js";
import { Obis } from "../cosem/obis.js";
import { SecuritySetup } from "../cosem/security/security-setup.js";
import type { AssociationConfig } from "../cosem/server/config.js";
import { CosemServer } from "../cosem/server/server.js";
import type { EventSink } from "../events.js";
import type { KeyValueStore } from "../persistence.js";
import type { ApduHandler, ApduSession } from "../transport/apdu-port.js";
import { DEFAULT_OPTICAL_CONFIG, OpticalPort } from "../transport/optical-port.js";
import { DEFAULT_WRAPPER_CONFIG, WrapperServer } from "../transport/wrapper/server.js";
import { managed, type Catalog } from "./catalog.js";
import { DEFAULT_CLIENT_SAPS, type MeterConfig } from "./config.js";
import { logicalDeviceName } from "./identity.js";
import type { Meter } from "./meter.js";
import type { MeterPorts } from "./ports.js";
import { frozen } from "../util/frozen.js";

/** Client SAPs of a meter built with the default configuration (config.ts holds them). */
export const ClientSap = DEFAULT_CLIENT_SAPS;

export interface SecurityConfig {
  /** 8 bytes: 3-letter FLAG id + 5 bytes of serial (Green Book 4.3.4). */
  serverSystemTitle: Uint8Array;
  /** Factory keys (suite 0, 16 bytes each) until a key_transfer replaces them. */
  globalUnicastKey: Uint8Array;
  authenticationKey: Uint8Array;
  masterKey: Uint8Array;
  /** LLS secret of the firmware-update association. */
  firmwarePassword: Uint8Array;
  /** Security policy of the reader and management Security Setup objects (Policy bits). */
  policy: number;
  /** Client SAP of each association. */
  clientSaps: { readonly public: number; readonly reader: number; readonly management: number; readonly firmware: number };
}

export const SecuritySetupLn = frozen({
  reader: Obis.of(0, 0, 43, 0, 2, 255),
  management: Obis.of(0, 0, 43, 0, 1, 255),
} as const);

const AssociationLn = frozen({
  public: Obis.of(0, 0, 40, 0, 1, 255),
  management: Obis.of(0, 0, 40, 0, 2, 255),
  reader: Obis.of(0, 0, 40, 0, 3, 255),
  firmware: Obis.of(0, 0, 40, 0, 4, 255),
} as const);

export const SAP_ASSIGNMENT = Obis.of(0, 0, 41, 0, 0, 255);

export interface DlmsDeps {
  catalog: Catalog;
  crypto: CryptoPort;
  store: KeyValueStore;
  /** The transmit counters' second copy, on other sectors than `store` (counters.ts). */
  counterMirror?: KeyValueStore;
  events: EventSink;
  nowUtcMs: () => number;
  security: SecurityConfig;
  logicalDeviceName: Uint8Array;
  /** FLAG id and the text the optical port identifies with. */
  manufacturer: string;
  identification: string;
  linkTimers: Timers;
  tcp?: TcpListener;
  optical?: SerialPort;
}

export class DlmsFront {
  readonly server: CosemServer;
  readonly wrapper: WrapperServer | undefined;
  readonly optical: OpticalPort | undefined;
  readonly setups: { reader: SecuritySetup; management: SecuritySetup };
  readonly associations: AssociationConfig[];

  constructor(d: DlmsDeps) {
    let server: CosemServer | undefined;
    const handler: ApduHandler = {
      handle: (apdu: Uint8Array, session: ApduSession) => server?.handle(apdu, session),
      sessionClosed: (session: ApduSession) => server?.sessionClosed(session),
      authenticated: (session: ApduSession) => server?.authenticated(session) ?? false,
    };
    this.wrapper = d.tcp ? new WrapperServer(d.tcp, handler, d.linkTimers, DEFAULT_WRAPPER_CONFIG) : undefined;
    this.optical = d.optical
      ? new OpticalPort(d.optical, handler, d.linkTimers, { ...DEFAULT_OPTICAL_CONFIG, manufacturer: d.manufacturer, identification: d.identification })
      : undefined;

    const s = d.security;
    const policy = s.policy;
    const keys = { globalUnicast: s.globalUnicastKey, authentication: s.authenticationKey, master: s.masterKey };
    const setup = (name: string, ln: Obis) => new SecuritySetup({ name, logicalName: ln, serverSystemTitle: s.serverSystemTitle, policy, keys }, d.store, d.crypto, d.events, d.nowUtcMs, d.counterMirror);
    this.setups = { management: setup("ss.m", SecuritySetupLn.management), reader: setup("ss.r", SecuritySetupLn.reader) };

    const c = d.catalog;
    // SecuritySetup keeps its keys and client system title in the store itself: no second copy in the settings.
    c.addEntry({
      object: new SecuritySetupObject(this.setups.management),
      rights: { management: rights("r R R rw R R", "X X - - - - - -") },
      persist: [],
    });
    c.addEntry({
      object: new SecuritySetupObject(this.setups.reader),
      rights: { reader: rights("r r r r r r", "- - - - - - - -"), management: rights("r R R rw R R", "X X - - - - - -") },
      persist: [],
    });
    c.add(new SapAssignmentObject([{ sap: 1, name: d.logicalDeviceName }]), {
      public: ["r r", "-"],
      reader: ["r r", "-"],
      management: ["r r", "-"],
      firmware: ["r r", "-"],
    });
    if (this.optical) {
      // Attributes 7..9 are the IEC passwords: write-only, never read back.
      c.add(new IecLocalPortSetupObject(this.optical), { reader: ["r r r r r r - - -", ""], management: ["r rw rw rw rw rw w w w", ""] });
      c.add(new IecHdlcSetupObject(this.optical), managed("r rw rw rw rw rw rw rw rw"));
    }
    if (this.wrapper) {
      // The listening port itself is fixed on this meter (no re-listen): writing another one is refused.
      c.add(new TcpUdpSetupObject(this.wrapper), managed("r rw rw rw rw rw"));
    }

    const sap = s.clientSaps;
    this.associations = [
      { clientSap: sap.public, role: "public", logicalName: AssociationLn.public, mechanism: Mechanism.none, ciphered: false },
      { clientSap: sap.reader, role: "reader", logicalName: AssociationLn.reader, mechanism: Mechanism.hlsGmac, ciphered: true, securitySetup: this.setups.reader },
      { clientSap: sap.management, role: "management", logicalName: AssociationLn.management, mechanism: Mechanism.hlsGmac, ciphered: true, securitySetup: this.setups.management },
      { clientSap: sap.firmware, role: "firmware", logicalName: AssociationLn.firmware, mechanism: Mechanism.lls, secret: s.firmwarePassword, ciphered: false },
    ];
    server = new CosemServer({ catalog: c, associations: this.associations, crypto: d.crypto, kv: d.store, events: d.events, nowUtcMs: d.nowUtcMs, timers: d.linkTimers });
    this.server = server;
  }

  close(): void {
    this.wrapper?.close();
    this.optical?.close();
  }
}

/** The DLMS front of a meter with a crypto port, over its finished catalog, with the identity the configuration gives. */
export function wireDlms(m: Meter, ports: MeterPorts, config: MeterConfig): DlmsFront | undefined {
  if (!ports.crypto) return undefined;
  const id = config.identity;
  return new DlmsFront({
    catalog: m.catalog,
    crypto: ports.crypto,
    store: m.store,
    counterMirror: m.counterMirror,
    events: m.events,
    nowUtcMs: () => m.clock.now(),
    security: config.security,
    logicalDeviceName: logicalDeviceName(id),
    manufacturer: id.manufacturer,
    identification: id.serial,
    linkTimers: ports.linkTimers ?? ports.timers,
    tcp: ports.tcp,
    optical: ports.optical,
  });
}
