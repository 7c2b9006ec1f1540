/**
 * Every measured operation and figure. A capability adds its operations here
 * when it lands; scripts/bench.ts lists the ones still to come as "not
 * measured" so that no number is ever made up. Operations live in
 * bench/ops/<area>.ts, the rigs they run on in bench/rigs/; the test that
 * proves an operation does what its name says imports it from there
 * (host-tests/<area>/bench-ops.test.ts). Nothing here imports host-tests/.
 */
import type { BenchFigure, BenchOp, HeapFigure } from "./op.js";
import { getObjectListMeter, heapFigures as deviceHeapFigures, meterTickCapture, profileGenericGetDayOfYear, profileGenericReadDayOfYear } from "./ops/device.js";
import { axdrDecode, axdrEncode } from "./ops/axdr.js";
import { hdlcGetExchange, hdlcGetRegisterPlain, wrapperGetExchange } from "./ops/transport.js";
import { associationHlsGmac, hdlcGetSuite0, objectListBlocks, xdlmsGetPlain, xdlmsGetSuite0 } from "./ops/xdlms.js";
import { fotaVerifyImage1k, fotaVerifyPerKib } from "./ops/fota.js";
import { meterBoot, meterStatusLine, meterTick } from "./ops/meter.js";
import { meterBootFullYear, profileAppend, profileAppendWorst, profileReadDay, storageFigures } from "./ops/storage.js";
import { settingsFigures } from "./ops/settings.js";
import { stsTokenDecode } from "./ops/sts.js";
import { moddableFigures } from "./ops/moddable.js";
import { pushAlarmCiphered } from "./ops/push.js";
import { metrologyPowerFailAde7953, metrologyPowerFailAtm90e32, metrologyTickAde7953, metrologyTickAtm90e32 } from "./ops/metrology.js";

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
