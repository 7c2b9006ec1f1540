import type { CryptoPort } from "../../../hal/crypto.js";
import { concatBytes } from "../../util/bytes.js";

/**
 * HLS-ECDSA (mechanism 7, Green Book 9.2.7.4) with P-256 and SHA-256:
 * f(StoC) = ECDSA(SystemTitle-C || SystemTitle-S || StoC || CtoS) signed by
 * the client, f(CtoS) = ECDSA(SystemTitle-S || SystemTitle-C || CtoS || StoC)
 * signed by the server; signatures are raw r || s (64 bytes). Both go
 * through the crypto port, so a board's secure element can hold the key.
 */
function hlsEcdsaDigest(crypto: CryptoPort, ownTitle: Uint8Array, peerTitle: Uint8Array, peerChallenge: Uint8Array, ownChallenge: Uint8Array): Uint8Array {
  return crypto.sha256(concatBytes(ownTitle, peerTitle, peerChallenge, ownChallenge));
}

/** Signs the answer to the peer's challenge; undefined when the port cannot sign. */
export function hlsEcdsaSign(crypto: CryptoPort, privateKey: Uint8Array, ownTitle: Uint8Array, peerTitle: Uint8Array, peerChallenge: Uint8Array, ownChallenge: Uint8Array): Uint8Array | undefined {
  if (!crypto.ecdsaP256Sign) return undefined;
  return crypto.ecdsaP256Sign(privateKey, hlsEcdsaDigest(crypto, ownTitle, peerTitle, peerChallenge, ownChallenge));
}

/** Verifies the peer's answer to our challenge. */
export function hlsEcdsaVerify(
  crypto: CryptoPort,
  peerPublicKey: Uint8Array,
  peerTitle: Uint8Array,
  ownTitle: Uint8Array,
  ownChallenge: Uint8Array,
  peerChallenge: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (signature.length !== 64) return false;
  return crypto.ecdsaP256Verify(peerPublicKey, hlsEcdsaDigest(crypto, peerTitle, ownTitle, ownChallenge, peerChallenge), signature);
}
