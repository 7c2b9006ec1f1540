/**
 * Every measured operation and figure. A capability adds its operations here
 * when it lands; scripts/bench.ts lists the ones still to come as "not
 * measured" so that no number is ever made up. Operations live beside the
 * tests that prove they do what their name says (host-tests/<area>/bench-ops.ts).
 */
import type { BenchFigure, BenchOp, HeapFigure } from "./op.js";
import { getObjectListMeter, heapFigures as deviceHeapFigures, meterTickCapture, profileGenericGetDayOfYear, profileGenericReadDayOfYear } from "./ops/device.js";
import { axdrDecode, axdrEncode } from "./ops/axdr.js";
import { hdlcGetExchange, hdlcGetRegisterPlain, wrapperGetExchange } from "../host-tests/transport/bench-ops.js";
import { associationHlsGmac, hdlcGetSuite0, objectListBlocks, xdlmsGetPlain, xdlmsGetSuite0 } from "../host-tests/cosem/bench-ops.js";
import { fotaVerifyImage1k, fotaVerifyPerKib } from "../host-tests/fota/support/bench-ops.js";
import { meterBoot, meterStatusLine, meterTick } from "../host-tests/meter/bench-ops.js";
import { meterBootFullYear, profileAppend, profileAppendWorst, profileReadDay, storageFigures } from "./ops/storage.js";
import { settingsFigures } from "./ops/settings.js";
import { stsTokenDecode } from "./ops/sts.js";
import { moddableFigures } from "./ops/moddable.js";
import { pushAlarmCiphered } from "./ops/push.js";
import { metrologyPowerFailAde7953, metrologyPowerFailAtm90e32, metrologyTickAde7953, metrologyTickAtm90e32 } from "../host-tests/metrology/bench-ops.js";

export const ops: BenchOp<any>[] = [
  axdrDecode,
  axdrEncode,
  hdlcGetExchange,
  wrapperGetExchange,
  hdlcGetRegisterPlain,
  hdlcGetSuite0,
  xdlmsGetPlain,
  xdlmsGetSuite0,
  associationHlsGmac,
  objectListBlocks,
  metrologyTickAtm90e32,
  metrologyTickAde7953,
  metrologyPowerFailAtm90e32,
  metrologyPowerFailAde7953,
  meterTick,
  meterBoot,
  meterStatusLine,
  profileAppend,
  profileReadDay,
  profileAppendWorst,
  meterBootFullYear,
  fotaVerifyPerKib,
  fotaVerifyImage1k,
  stsTokenDecode,
  getObjectListMeter,
  profileGenericReadDayOfYear,
  profileGenericGetDayOfYear,
  meterTickCapture,
  pushAlarmCiphered,
];

export const figures: BenchFigure[] = [...storageFigures, ...settingsFigures, ...moddableFigures];

/** Memory figures measured on XS (bench/op.ts HeapFigure). */
export const heapFigures: HeapFigure<any>[] = [...deviceHeapFigures];
