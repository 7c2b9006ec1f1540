/**
 * The simulator's prepayment provisioning: the test vending inputs (the
 * STS 531 CTSA01 inputs the vectors use for DK-A: vending key
 * abababababababab, SGC 123456, tariff index 01, KRN 1, key type 2, PAN
 * 600727000000000009) and the public sample EA07 tables. The decoder key is
 * derived with DKGA02 exactly as a vending server would, so tokens from
 * `npm run sts -- vend` with these inputs work on the simulated meter.
 * No Node APIs: the dual-runtime tests use it too.
 */
import { dkga02 } from "../../src/prepay/vending/dkga02.js";
import { SAMPLE_STA_TABLES } from "../../src/prepay/vending/sample-tables.js";
import { defaultPrepayConfig } from "../../src/prepay/service.js";
import type { PrepaySetup } from "../../src/meter/prepay.js";
import { fromHex, toHex } from "../../src/util/bytes.js";
import { Sta } from "../../src/prepay/sta.js";
import { creditToken, tidAt } from "../../src/prepay/vending/vend.js";

const SIM_VENDING = Object.freeze({
  vendingKeyHex: "abababababababab",
  supplyGroupCode: "123456",
  tariffIndex: 1,
  keyRevisionNumber: 1,
  keyType: 2,
  pan: "600727000000000009",
  tables: "sample",
});

export function simDecoderKey(): Uint8Array {
  const v = SIM_VENDING;
  return dkga02({ vendingKey: fromHex(v.vendingKeyHex), keyType: v.keyType, supplyGroupCode: v.supplyGroupCode, tariffIndex: v.tariffIndex, keyRevisionNumber: v.keyRevisionNumber, pan: v.pan });
}

export function simPrepaySetup(): PrepaySetup {
  const v = SIM_VENDING;
  return {
    config: defaultPrepayConfig({ key: simDecoderKey(), krn: v.keyRevisionNumber, ti: v.tariffIndex, kt: v.keyType, ken: 255 }, v.pan),
    tables: SAMPLE_STA_TABLES,
  };
}

/** The lines the simulator prints at start so that a tester can vend tokens for it. */
export function simVendingLines(): string[] {
  const v = SIM_VENDING;
  return [
    `prepayment (STS, sample EA07 tables): meter PAN ${v.pan}, decoder key ${toHex(simDecoderKey())} (DKGA02)`,
    `  vend: npm run sts -- vend --vk ${v.vendingKeyHex} --sgc ${v.supplyGroupCode} --ti ${v.tariffIndex} --krn ${v.keyRevisionNumber} --pan ${v.pan} --amount 12.5`,
    `  enter: npm run lab -- token <20 digits> --auth hls-gmac --akey .. --ekey ..   (Token Gateway 0-0:19.40.0*255, management association)`,
  ];
}

/** Commissioning credit a fresh simulated meter receives as a real token (so the supply stays on out of the box). */
const SIM_COMMISSIONING_KWH = 1000;

/**
 * The commissioning token for a fresh meter: SIM_COMMISSIONING_KWH under the
 * simulator's key, TID one minute before `utcMs` (so tokens vended later sort after it).
 */
export function simCommissioningToken(utcMs: number): string {
  const tid = Math.max(0, tidAt(utcMs) - 1);
  return creditToken(SIM_COMMISSIONING_KWH * 10, tid, tid & 15, simDecoderKey(), new Sta(SAMPLE_STA_TABLES));
}
