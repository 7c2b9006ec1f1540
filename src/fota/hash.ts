/**
 * The software hash on the host: the bench's marginal hashing cost and the
 * MCUboot vector tests. Not firmware: the image verifier (verify.ts) hashes
 * through the crypto port (a board's native Digest; src/util/sha2.ts in the
 * simulated port), so no device manifest maps this module (manifest.json
 * lists src/fota's modules by name without it).
 */
import type { HashAlgorithm, IncrementalHash } from "../../hal/crypto.js";
import { sha2 } from "../util/sha2.js";

export type HashFactory = (algorithm: HashAlgorithm) => IncrementalHash;

export const softwareHash: HashFactory = sha2;

export function hashOnce(factory: HashFactory, algorithm: HashAlgorithm, data: Uint8Array): Uint8Array {
  const h = factory(algorithm);
  h.update(data);
  return h.digest();
}
