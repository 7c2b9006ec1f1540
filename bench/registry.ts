/**
 * Every measured operation and figure. A capability adds its operations here
 * when it lands; scripts/bench.ts lists the ones still to come as "not
 * measured" so that no number is ever made up.
 */
import type { BenchFigure, BenchOp } from "./op.js";
import { axdrDecode, axdrEncode } from "./ops/axdr.js";

export const ops: BenchOp<any>[] = [axdrDecode, axdrEncode];

export const figures: BenchFigure[] = [];
