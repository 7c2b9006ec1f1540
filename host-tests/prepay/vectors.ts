/**
 * The STS vectors of ../shared/vectors/sts/sts-vectors.json (made by
 * independent implementations: NectarAPI, an independent Python STA, paa's
 * transposition; see STS-NOTES.md), typed for the tests. Reading throws if
 * the file or a section is missing, so no test can pass on vectors that
 * went away.
 */
import { text } from "../generated/vectors-sts.js";

export interface TokenVector {
  id: string;
  tableSet: "real" | "sample";
  decoderKeyId: string;
  decoderKeyHex: string;
  tokenType: string;
  purpose: string;
  token: string;
  tokenGrouped: string;
  token66Hex: string;
  encryptedBlockHex: string;
  decryptedBlockHex: string;
  fields: Record<string, unknown> & { class: number; subclass: number; crc?: string; rnd?: number; tid?: number; valueRaw?: number; amountDecoded?: number };
  crossCheck: { status: string };
}

export interface DecoderKeyVector {
  id: string;
  inputs: { vendingKeyHex: string; keyType: number; supplyGroupCode: string; tariffIndex: string; keyRevisionNumber: number; meterPAN: string };
  panBlockHex: string;
  controlBlockHex: string;
  decoderKeyHex: string;
}

export interface NegativeVector {
  id: string;
  kind: string;
  token?: string;
  expect: string;
  tableSet?: "real" | "sample";
  decoderKeyHex: string;
  plainBlockHex?: string;
  observed: Record<string, Record<string, unknown>> & { kf?: { classBits?: number; decryptedBlockHex?: string; crcOk?: boolean } };
}

export interface ComplianceVector {
  source: string;
  decoderKeyHex: string;
  class: number;
  subclass: number;
  tid: number;
  rnd: number;
  valueRawHex: string;
  decryptedBlockHex: string;
  expectedToken: string;
  status: string;
}

export interface StsVectors {
  provenance: { staTableFingerprints: { real: Record<string, string>; sample: Record<string, string> } };
  decoderKeys: DecoderKeyVector[];
  tokens: TokenVector[];
  tokensSampleTables: TokenVector[];
  negative: NegativeVector[];
  published: { workedExamples: Array<Record<string, unknown> & { id: string; tableSet: string; decoderKeyHex: string; decryptedBlockHex: string }>; sts531ComplianceVectorsQuotedByNectarAPI: ComplianceVector[] };
}

const raw = text["sts-vectors.json"];
if (raw === undefined) throw new Error("shared/vectors/sts/sts-vectors.json missing from host-tests/generated");
export const sts = JSON.parse(raw) as StsVectors;
for (const k of ["decoderKeys", "tokens", "tokensSampleTables", "negative"] as const) if (!Array.isArray(sts[k]) || sts[k].length === 0) throw new Error(`sts vectors: ${k} empty`);
