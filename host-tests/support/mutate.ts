/**
 * Deterministic input mutation for the fuzz runs: the same mutations on
 * every run and on both runtimes, so a failure found once is found again.
 */

import { SimRandom } from "../../hal/sim/flash.js";

/** xorshift32, the simulated flash's generator. */
export { SimRandom as Rng };
type Rng = SimRandom;

/** Boundary values that length and count fields trip over. */
const EDGES = [0, 1, 0x7f, 0x80, 0x81, 0x82, 0xff];

/**
 * One to three of: bit flip, byte change, insertion, deletion, truncation,
 * a random or boundary value in the first `headerBytes` bytes after the
 * first (tags, lengths, addresses, control fields).
 */
export function mutate(rng: Rng, src: Uint8Array, headerBytes = 8): Uint8Array {
  let b = src.slice();
  const rounds = 1 + rng.below(3);
  for (let r = 0; r < rounds; r++) {
    const op = rng.below(7);
    const at = b.length ? rng.below(b.length) : 0;
    if (op === 0 && b.length) b[at] ^= 1 << rng.below(8);
    else if (op === 1 && b.length) b[at] = rng.below(256);
    else if (op === 2) {
      const n = new Uint8Array(b.length + 1);
      n.set(b.subarray(0, at));
      n[at] = rng.below(256);
      n.set(b.subarray(at), at + 1);
      b = n;
    } else if (op === 3 && b.length) b = Uint8Array.of(...b.subarray(0, at), ...b.subarray(at + 1));
    else if (op === 4) b = b.subarray(0, at).slice();
    else if (op === 5 && b.length > 2) b[1 + rng.below(Math.min(headerBytes, b.length - 1))] = rng.below(256);
    else if (op === 6 && b.length > 2) b[1 + rng.below(Math.min(headerBytes, b.length - 1))] = EDGES[rng.below(EDGES.length)];
  }
  return b;
}
