/**
 * The HDLC parameter negotiation field carried by SNRM and UA (IEC 62056-46
 * 6.4.4.4.3.2, ISO/IEC 13239 5.5.3.2): format identifier 81, group 80, group
 * length, then parameters 05/06 (maximum information field length
 * transmit/receive) and 07/08 (window size transmit/receive), each
 * type-length-value. Values are read from the sender's point of view.
 */
import { ByteReader, ByteWriter } from "../../util/bytes.js";
import { DecodeError, EncodeError } from "../../util/errors.js";

export interface HdlcParameters {
  maxInfoTx: number;
  maxInfoRx: number;
  windowTx: number;
  windowRx: number;
}

/** Byte widths each value was (or is to be) written with, so that a decoded field re-encodes to the same bytes. */
export interface ParameterWidths {
  maxInfoTx: number;
  maxInfoRx: number;
  windowTx: number;
  windowRx: number;
}

/** The defaults when SNRM carries no information field (IEC 62056-46). */
export const DEFAULT_PARAMETERS: Readonly<HdlcParameters> = Object.freeze({ maxInfoTx: 128, maxInfoRx: 128, windowTx: 1, windowRx: 1 });

const IDS: readonly (keyof HdlcParameters)[] = Object.freeze(["maxInfoTx", "maxInfoRx", "windowTx", "windowRx"]);

/**
 * Decodes the field. Parameters may be absent (then the default applies) or
 * in any order; an unknown parameter in the group is skipped, as 13239 allows.
 */
export function decodeParameters(info: Uint8Array): { params: HdlcParameters; widths: ParameterWidths } {
  const params: HdlcParameters = { ...DEFAULT_PARAMETERS };
  const widths: ParameterWidths = { maxInfoTx: 0, maxInfoRx: 0, windowTx: 0, windowRx: 0 };
  if (info.length === 0) return { params, widths };
  const r = new ByteReader(info);
  if (r.u8("format identifier") !== 0x81) throw new DecodeError("hdlc-params", "format identifier is not 81", 0);
  if (r.u8("group identifier") !== 0x80) throw new DecodeError("hdlc-params", "group identifier is not 80", 1);
  const glen = r.u8("group length");
  if (glen !== r.remaining) throw new DecodeError("hdlc-params", `group length ${glen} but ${r.remaining} bytes follow`, 2);
  while (r.remaining > 0) {
    const id = r.u8("parameter identifier");
    const n = r.u8("parameter length");
    const at = r.pos;
    const v = r.bytes(n, "parameter value");
    if (id < 5 || id > 8) continue;
    if (n < 1 || n > 4) throw new DecodeError("hdlc-params", `parameter ${id} of ${n} bytes`, at);
    let x = 0;
    for (let i = 0; i < n; i++) x = x * 256 + v[i];
    const key = IDS[id - 5];
    params[key] = x;
    widths[key] = n;
  }
  return { params, widths };
}

function minimalWidth(v: number): number {
  return v <= 0xff ? 1 : v <= 0xffff ? 2 : 4;
}

/**
 * Encodes the field. Without widths: information lengths in the fewest
 * bytes, window sizes in four bytes, as in the Green Book's UA example.
 */
export function encodeParameters(p: HdlcParameters, widths?: Partial<ParameterWidths>): Uint8Array {
  const w = new ByteWriter(32);
  w.u8(0x81).u8(0x80).u8(0);
  for (let i = 0; i < 4; i++) {
    const key = IDS[i];
    const v = p[key];
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new EncodeError("hdlc-params", `${key} ${v} out of range`);
    const n = widths?.[key] || (i < 2 ? minimalWidth(v) : 4);
    if (n < minimalWidth(v) || n > 4) throw new EncodeError("hdlc-params", `${key} ${v} does not fit ${n} bytes`);
    w.u8(i + 5).u8(n);
    for (let k = n - 1; k >= 0; k--) w.u8(Math.floor(v / 2 ** (8 * k)) & 0xff);
  }
  const out = w.toBytes();
  out[2] = out.length - 3;
  return out;
}

/**
 * What the server answers in UA to a client's SNRM proposal: it transmits no
 * more than the client can receive nor than it can itself, and likewise for
 * receiving; windows likewise (the values in UA are the server's own view).
 */
export function negotiate(client: HdlcParameters, serverLimits: HdlcParameters): HdlcParameters {
  return {
    maxInfoTx: Math.max(1, Math.min(client.maxInfoRx, serverLimits.maxInfoTx)),
    maxInfoRx: Math.max(1, Math.min(client.maxInfoTx, serverLimits.maxInfoRx)),
    windowTx: Math.max(1, Math.min(client.windowRx, serverLimits.windowTx)),
    windowRx: Math.max(1, Math.min(client.windowTx, serverLimits.windowRx)),
  };
}
