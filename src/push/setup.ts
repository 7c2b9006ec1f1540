/**
 * One Push Setup (the domain behind COSEM class 40): what to send, where,
 * when and how often to try. The COSEM adapter (src/cosem/classes/push-setup.ts)
 * reads and writes these fields; the engine (engine.ts) uses them at each
 * attempt, so a client's write takes effect at the next push.
 */
import type { Obis } from "../cosem/obis.js";

/** restriction_element of Blue Book Push Setup version 2: 1 by date (12-byte date-times), 2 by entry. */
export type PushRestriction =
  | { readonly type: 1; readonly from: Uint8Array; readonly to: Uint8Array }
  | { readonly type: 2; readonly fromEntry: number; readonly toEntry: number };

export interface PushColumn {
  readonly classId: number;
  readonly logicalName: Obis;
  readonly attribute: number;
  readonly dataIndex: number;
}

/** One element of push_object_list: any attribute of any object, a profile buffer optionally restricted. */
export interface PushObject {
  readonly classId: number;
  readonly logicalName: Obis;
  /** attribute_index; 1 (logical_name) names the push itself in IDIS bodies. */
  readonly attribute: number;
  readonly dataIndex: number;
  /** Present for the version-2 form (6 elements): selective access on a profile buffer. */
  readonly restriction?: PushRestriction;
  readonly columns?: readonly PushColumn[];
}

/** send_destination_and_method: transport_service (0 TCP), destination ("host:port" as octets), message (0 A-XDR APDUs). */
export interface PushDestination {
  readonly service: number;
  readonly address: Uint8Array;
  readonly message: number;
}

/** One communication_window element: start and end as 12-byte date-times, wildcards allowed (a daily window). */
export interface PushWindow {
  readonly start: Uint8Array;
  readonly end: Uint8Array;
}

/** Which Security Setup protects the push (its keys, system title, policy and transmit counter); none: plain. */
export type PushSecurity = "management" | "reader" | "none";

export interface PushSetupInit {
  objects?: PushObject[];
  destination?: PushDestination;
  windows?: PushWindow[];
  randomisationS?: number;
  retries?: number;
  repetitionDelayS?: number;
  security?: PushSecurity;
  /** long-invoke-id-and-priority's priority bit: alarms and the last gasp go high. */
  highPriority?: boolean;
  /** The head-end's wPort (its push client SAP; Push Setup version 2 calls it push_client_SAP). IDIS: 102. */
  clientSap?: number;
}

/** The IDIS push client SAP: the destination wPort of a push unless its setup names another. */
const PUSH_CLIENT_SAP = 102;

const NO_DESTINATION: PushDestination = Object.freeze({ service: 0, address: new Uint8Array(0), message: 0 });

export class PushSetup {
  objects: PushObject[];
  destination: PushDestination;
  windows: PushWindow[];
  /** randomisation_start_interval (s): a push starts at a random instant up to this long after its trigger or window start. */
  randomisationS: number;
  /** number_of_retries after the first attempt. */
  retries: number;
  /** repetition_delay (s) between attempts. */
  repetitionDelayS: number;
  readonly security: PushSecurity;
  readonly highPriority: boolean;
  readonly clientSap: number;

  constructor(
    readonly logicalName: Obis,
    init: PushSetupInit = {},
  ) {
    this.objects = init.objects ?? [];
    this.destination = init.destination ?? NO_DESTINATION;
    this.windows = init.windows ?? [];
    this.randomisationS = init.randomisationS ?? 0;
    this.retries = init.retries ?? 0;
    this.repetitionDelayS = init.repetitionDelayS ?? 0;
    this.security = init.security ?? "none";
    this.highPriority = init.highPriority ?? false;
    this.clientSap = init.clientSap ?? PUSH_CLIENT_SAP;
  }
}

/** "host:port" from the destination octets (ASCII), or undefined when it is not one. */
export function parseDestination(d: PushDestination): { host: string; port: number } | undefined {
  if (d.service !== 0 || d.message !== 0 || d.address.length === 0 || d.address.length > 255) return undefined;
  let text = "";
  for (let i = 0; i < d.address.length; i++) {
    const b = d.address[i];
    if (b < 0x21 || b > 0x7e) return undefined;
    text += String.fromCharCode(b);
  }
  const colon = text.lastIndexOf(":");
  if (colon <= 0) return undefined;
  const port = Number(text.slice(colon + 1));
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  let host = text.slice(0, colon);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  return { host, port };
}
