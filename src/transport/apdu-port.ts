/**
 * The one narrow interface between the transports (HDLC on the optical port,
 * the TCP wrapper) and the xDLMS server. Transports deliver whole APDUs (after
 * HDLC reassembly and LLC header removal, or after the wrapper header) and
 * send back whatever the server answers; they know nothing of COSEM.
 */
export interface ApduSession {
  /** Client SAP: the HDLC source address or the wrapper source wPort. */
  readonly clientSap: number;
  /** Server logical device (HDLC upper address or wrapper destination wPort; 1 = management). */
  readonly serverLogical: number;
  readonly transport: "hdlc" | "wrapper";
  /** Largest APDU the transport can carry in one piece towards the client (0 = no limit). */
  readonly maxApduSize: number;
  /** Sends an unsolicited APDU (data-notification) to the client of this session. */
  push(apdu: Uint8Array): void;
}

/** The link a session sends through: an HDLC link (UI frames), a wrapper connection. */
export interface SessionLink {
  /** Sends an APDU to the session's client; dropped when the session or link has ended. */
  sendTo(session: LinkSession, apdu: Uint8Array): void;
}

/** A client's session on one link, as every transport keeps it: its addresses, the link's APDU limit, pushes through the link. */
export class LinkSession implements ApduSession {
  declare readonly transport: ApduSession["transport"];
  private declare readonly link: SessionLink;
  declare readonly clientSap: number;
  declare readonly serverLogical: number;
  declare readonly maxApduSize: number;

  constructor(
    transport: ApduSession["transport"],
    link: SessionLink,
    clientSap: number,
    serverLogical: number,
    maxApduSize: number,
  ) {
    this.transport = transport;
    this.link = link;
    this.clientSap = clientSap;
    this.serverLogical = serverLogical;
    this.maxApduSize = maxApduSize;
  }

  push(apdu: Uint8Array): void {
    this.link.sendTo(this, apdu);
  }
}

export interface ApduHandler {
  /**
   * A complete APDU from the client; returns the response APDU, or undefined when none is due.
   * The APDU may be a view into the transport's receive buffer, valid until handle returns:
   * a handler copies whatever it keeps (the xDLMS decoders copy octet-strings and titles).
   * The response is sent from where it lies (HDLC keeps it until its last segment is
   * acknowledged): a handler returns bytes it does not change afterwards.
   */
  handle(apdu: Uint8Array, session: ApduSession): Uint8Array | undefined;
  /** The link ended (HDLC DISC or inactivity time-out, TCP close): the association is released. */
  sessionClosed(session: ApduSession): void;
  /** Whether the session holds an authenticated association (kept when a transport must make room). Absent: none is. */
  authenticated?(session: ApduSession): boolean;
}
