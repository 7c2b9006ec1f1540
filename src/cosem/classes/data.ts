import type { Data } from "../axdr.js";
import { DataAccessResult, type AccessContext, type CosemObject, type GetResult, classTable, defineClass, type TableDefined, type WithoutMethods } from "../interface-class.js";
import type { Obis } from "../obis.js";

/**
 * Data, class 1 version 0: attribute 2 value. The value comes from a
 * provider (a domain service, a counter) and a write goes to an optional
 * validator, so the class stays a thin adapter.
 */
export interface DataBinding {
  read(): Data;
  /** Absent: read-only whatever the rights say. Returns the data-access-result. */
  write?(value: Data): DataAccessResult;
}

class ConstantValue implements DataBinding {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare readonly value: Data;
  constructor(value: Data) {
    this.value = value;
  }

  read(): Data {
    return this.value;
  }
}

// The class as data (defineClass below): its table and constants live on the prototype, not in a slot per object.
export interface DataObject extends TableDefined, WithoutMethods {}
export class DataObject implements CosemObject {
  declare readonly logicalName: Obis;
  declare readonly binding: DataBinding;
  constructor(
    logicalName: Obis,
    binding: DataBinding,
  ) {
    this.logicalName = logicalName;
    this.binding = binding;
  }

  /** A Data object whose value never changes (identity): the value itself, no closure. */
  static constant(logicalName: Obis, value: Data): DataObject {
    return new DataObject(logicalName, new ConstantValue(value));
  }

  /** A Data object holding a value in RAM (configuration, test catalogs). */
  static holding(logicalName: Obis, initial: Data, writable = true, accept: (v: Data) => boolean = () => true): DataObject {
    let value = initial;
    return new DataObject(logicalName, {
      read: () => value,
      write: writable
        ? (v) => {
            if (v.tag !== value.tag || !accept(v)) return DataAccessResult.typeUnmatched;
            value = v;
            return DataAccessResult.success;
          }
        : undefined,
    });
  }

  get(attribute: number, _ctx: AccessContext): GetResult {
    if (attribute !== 2) return { ok: false, error: DataAccessResult.objectUndefined };
    return { ok: true, value: this.binding.read() };
  }

  set(attribute: number, value: Data, _ctx: AccessContext): DataAccessResult {
    if (attribute !== 2) return DataAccessResult.objectUndefined;
    return this.binding.write ? this.binding.write(value) : DataAccessResult.readWriteDenied;
  }

}
defineClass(
  DataObject,
  classTable({
    classId: 1,
    version: 0,
    attributes: [
      "value:*:w",
    ],
  }),
);
