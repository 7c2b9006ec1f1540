import type { CryptoPort } from "../../../hal/crypto.js";
import { ByteReader, ByteWriter } from "../../util/bytes.js";
import { cipheredTagOf, readCiphered, writeCiphered, type CipheredApdu, type GeneralCipheredApdu } from "../apdu/ciphered.js";
import { unprotect, protect, type Suite0Keys } from "./suite0.js";
import { unsupportedReason } from "./header.js";

/**
 * Sealing and opening whole APDUs: the plain APDU is protected under the
 * sender's system title and invocation counter and put in the glo-/ded-
 * envelope for its tag (or general-glo-/general-ded-ciphering).
 */
export interface SealOptions {
  securityControl: number;
  systemTitle: Uint8Array;
  invocationCounter: number;
  keys: Suite0Keys;
  dedicated: boolean;
  /** general-glo-/ded-ciphering (carries the system title) instead of the service-specific tag. */
  general: boolean;
}

export function sealApdu(crypto: CryptoPort, plain: Uint8Array, o: SealOptions): Uint8Array {
  const content = protect(crypto, o.securityControl, o.keys, o.systemTitle, o.invocationCounter, plain);
  const w = new ByteWriter(content.length + 24);
  let env: CipheredApdu | GeneralCipheredApdu;
  const tag = o.general ? undefined : cipheredTagOf(plain[0], o.dedicated);
  if (tag === undefined) {
    env = {
      type: o.dedicated ? "general-ded-ciphering" : "general-glo-ciphering",
      systemTitle: o.systemTitle,
      securityControl: o.securityControl,
      invocationCounter: o.invocationCounter,
      content,
    };
  } else {
    env = { type: "ciphered", tag, dedicated: o.dedicated, securityControl: o.securityControl, invocationCounter: o.invocationCounter, content };
  }
  writeCiphered(w, env);
  return w.toBytes();
}

export type OpenResult = { ok: true; plain: Uint8Array } | { ok: false; reason: "unsupported" | "deciphering" };

/** Opens an envelope with the sender's system title; never throws. */
export function openApdu(crypto: CryptoPort, env: CipheredApdu | GeneralCipheredApdu, senderSystemTitle: Uint8Array, keys: Suite0Keys): OpenResult {
  if (unsupportedReason(env.securityControl) !== undefined) return { ok: false, reason: "unsupported" };
  if (senderSystemTitle.length !== 8) return { ok: false, reason: "deciphering" };
  const plain = unprotect(crypto, env.securityControl, keys, senderSystemTitle, env.invocationCounter, env.content);
  return plain === undefined ? { ok: false, reason: "deciphering" } : { ok: true, plain };
}

/** Reads an envelope from bytes, or undefined when the bytes are not one. */
export function readEnvelope(bytes: Uint8Array): CipheredApdu | GeneralCipheredApdu | undefined {
  const r = new ByteReader(bytes);
  const env = readCiphered(r);
  return env && r.remaining === 0 ? env : undefined;
}
