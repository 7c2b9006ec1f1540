/**
 * Access to the third-party vectors of ../shared/vectors/ (made by
 * independent implementations). Tests cite each vector they use by file and
 * line (DLMS) or file name (MCUboot).
 */
import { text as dlmsText } from "../generated/vectors-dlms.js";
import { fromHex } from "../../src/util/bytes.js";

export interface DlmsVector {
  file: string;
  line: number;
  test: string | null;
  hex: string;
  source_line: string;
  comments: string[];
}

const dlms = JSON.parse(dlmsText["dlms-cosem-test-bytes.json"]) as { source: string; vectors: DlmsVector[] };

/**
 * The bytes of the dlms-cosem vector at tests/<file>:<line> (as listed in
 * shared/vectors/dlms/dlms-cosem-test-bytes.json). `nth` picks among several
 * literals on one line. Throws if the vector is not there, so a test can
 * never pass on a vector that went missing.
 */
export function dlmsVector(file: string, line: number, nth = 0): Uint8Array {
  const hits = dlms.vectors.filter((v) => v.file === `tests/${file}` && v.line === line);
  if (hits.length <= nth) throw new Error(`no dlms-cosem vector tests/${file}:${line}#${nth}`);
  return fromHex(hits[nth].hex);
}

export function dlmsVectors(): readonly DlmsVector[] {
  return dlms.vectors;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

export function base64ToBytes(s: string): Uint8Array {
  const clean = s.replace(/=+$/, "");
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < clean.length; i++) {
    acc = (acc << 6) | B64.indexOf(clean[i]);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}
