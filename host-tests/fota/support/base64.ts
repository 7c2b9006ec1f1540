/**
 * Linear base64 decoding for XS. XS keeps strings as UTF-8, so s[i] costs
 * O(i) and the indexed decoder of host-tests/support/vectors.ts is quadratic
 * (45 s for one 64 KiB image); iterating with for..of walks the string once.
 */
const VALUES = new Int16Array(128).fill(-1);
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
let k = 0;
for (const ch of ALPHABET) VALUES[ch.charCodeAt(0)] = k++;

export function base64Decode(s: string): Uint8Array {
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    const v = c < 128 ? VALUES[c] : -1;
    if (v < 0) continue; // padding, whitespace
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return o === out.length ? out : out.slice(0, o);
}
