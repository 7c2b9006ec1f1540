/**
 * What the lab's commands need from a DLMS association, whatever carries it
 * (TCP wrapper, TCP HDLC, optical probe with mode E then HDLC). The
 * implementation sits on src/cosem/client and src/transport/client: the lab
 * has no APDU code of its own.
 */
import type { Data } from "../../src/cosem/axdr.js";
import type { Obis } from "../../src/cosem/obis.js";

export interface Selection {
  selector: number;
  parameters: Data;
}

/** A service's outcome: the value, or the meter's result code (data-access-result / action-result) or a link error. */
export type GetOutcome = { ok: true; value: Data } | { ok: false; code?: number; error: string };

export interface ActionReply {
  result: number;
  data?: Data;
}

export interface LabSession {
  /** e.g. "tcp 127.0.0.1:4059 wrapper, client 1, hls-gmac". */
  readonly description: string;
  /** Attribute read; block transfer is the session's business, progress reports bytes received so far. */
  get(classId: number, logicalName: Obis, attribute: number, selection?: Selection, progress?: (bytes: number) => void): Promise<GetOutcome>;
  /** Returns the data-access-result (0 = success). */
  set(classId: number, logicalName: Obis, attribute: number, value: Data): Promise<number>;
  action(classId: number, logicalName: Obis, method: number, parameters?: Data): Promise<ActionReply>;
  /** Releases the association and closes the link. */
  close(): Promise<void>;
}

/** Association LN of the current association (class 15): its object_list is attribute 2. */
export const CURRENT_ASSOCIATION = "0.0.40.0.0.255";
