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

/**
 * Linear base64 decoding. XS keeps strings as UTF-8, so `s[i]` costs O(i) and
 * an indexed decoder is quadratic there (45 s for one 64 KiB image);
 * iterating with for..of walks the string once. Padding and whitespace are
 * skipped.
 */
const B64_VALUES = new Int16Array(128).fill(-1);
{
  let k = 0;
  for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") B64_VALUES[ch.charCodeAt(0)] = k++;
}

export function base64ToBytes(s: string): Uint8Array {
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    const v = c < 128 ? B64_VALUES[c] : -1;
    if (v < 0) continue;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return o === out.length ? out : out.slice(0, o);
}
