/**
 * INTERIM adapters, used only until their owners land them in
 * src/cosem/classes/: Data (class 1, xDLMS area) and Register (class 3,
 * metrology area). They exist so that the meter can already expose its
 * identity and the time-of-use energy registers; the composition switches to
 * the real classes as soon as those are committed, and this file goes.
 */
import { Tag, type Data } from "../cosem/axdr.js";
import { ActionResult, DataAccessResult, type ActionOutcome, type CosemObject, type DataAccessResult as Dar, type GetResult } from "../cosem/interface-class.js";
import type { Obis } from "../cosem/obis.js";

/** Class 1 (Data), read-only value supplied by a function. */
export class ReadOnlyDataObject implements CosemObject {
  readonly classId = 1;
  readonly version = 0;
  readonly attributeCount = 2;
  readonly methodCount = 0;

  constructor(
    readonly logicalName: Obis,
    private readonly value: () => Data,
  ) {}

  get(attribute: number): GetResult {
    return attribute === 2 ? { ok: true, value: this.value() } : { ok: false, error: DataAccessResult.objectUndefined };
  }

  set(attribute: number): Dar {
    return attribute === 2 ? DataAccessResult.readWriteDenied : DataAccessResult.objectUndefined;
  }

  action(): ActionOutcome {
    return { result: ActionResult.objectUndefined };
  }
}

/** Blue Book unit enumeration values used here. */
export const Unit = { wattHour: 30, varHour: 32, watt: 27 } as const;

/**
 * Class 3 (Register) over a value in base units: value = round(base / 10^scaler)
 * as double-long-unsigned, so energy counts up to 4.29 GWh at scaler 0 (Wh).
 */
export class ReadOnlyRegisterObject implements CosemObject {
  readonly classId = 3;
  readonly version = 0;
  readonly attributeCount = 3;
  readonly methodCount = 1;

  constructor(
    readonly logicalName: Obis,
    private readonly base: () => number,
    private readonly scaler: number,
    private readonly unit: number,
    private readonly signed = false,
  ) {}

  get(attribute: number): GetResult {
    if (attribute === 2) {
      const v = Math.round(this.base() / Math.pow(10, this.scaler));
      if (this.signed) return { ok: true, value: { tag: Tag.DoubleLong, value: Math.max(-0x80000000, Math.min(0x7fffffff, v)) } };
      // A cumulative register wraps like the meter's display would rather than saturating.
      return { ok: true, value: { tag: Tag.DoubleLongUnsigned, value: ((v % 0x100000000) + 0x100000000) % 0x100000000 } };
    }
    if (attribute === 3) {
      return {
        ok: true,
        value: {
          tag: Tag.Structure,
          value: [
            { tag: Tag.Integer, value: this.scaler },
            { tag: Tag.Enum, value: this.unit },
          ],
        },
      };
    }
    return { ok: false, error: DataAccessResult.objectUndefined };
  }

  set(attribute: number): Dar {
    return attribute === 2 || attribute === 3 ? DataAccessResult.readWriteDenied : DataAccessResult.objectUndefined;
  }

  action(method: number): ActionOutcome {
    // reset (method 1) of a billing register is not allowed from the wire on this meter.
    return { result: method === 1 ? ActionResult.readWriteDenied : ActionResult.objectUndefined };
  }
}
