/**
 * The alarm objects as COSEM Data objects (class 1, double-long-unsigned),
 * thin adapters onto src/alarm: registers and descriptors are read by the
 * reader and management and cleared by management (a SET clears the bits
 * written as 1); the filters are management's, and are settings (the
 * catalog stores a written filter and restores it at boot). Registers and
 * descriptors are the alarm domain's own record, not settings.
 */
import { Tag, type Data } from "../cosem/axdr.js";
import { DataObject, type DataBinding } from "../cosem/classes/data.js";
import { frozen } from "../util/frozen.js";
import { DataAccessResult } from "../cosem/interface-class.js";
import { Alarms, type AlarmRegisterNo } from "../alarm/alarms.js";
import type { MeterConfig } from "./config.js";
import type { Meter } from "./meter.js";
import { managed, type Catalog } from "./catalog.js";
import * as ln from "./obis-codes.js";

/** The written mask, or undefined when the value is not a double-long-unsigned. */
function maskOf(v: Data): number | undefined {
  return v.tag === Tag.DoubleLongUnsigned && typeof v.value === "number" ? v.value >>> 0 : undefined;
}

const Part = Object.freeze({ register: 0, filter: 1, descriptor: 2 } as const);
type Part = (typeof Part)[keyof typeof Part];

/** One alarm Data object's value: a binding object (alarms, register number, which part), not a pair of closures per object (RAM on XS, issue 13). */
class AlarmValue implements DataBinding {
  constructor(
    readonly alarms: Alarms,
    readonly n: AlarmRegisterNo,
    readonly part: Part,
  ) {}

  read(): Data {
    const a = this.alarms;
    const v = this.part === Part.register ? a.register(this.n) : this.part === Part.filter ? a.filter(this.n) : a.descriptor(this.n);
    return { tag: Tag.DoubleLongUnsigned, value: v >>> 0 };
  }

  /** A SET of a register or descriptor clears the bits written as 1; of a filter, replaces it. */
  write(v: Data): DataAccessResult {
    const mask = maskOf(v);
    if (mask === undefined) return DataAccessResult.typeUnmatched;
    const a = this.alarms;
    try {
      if (this.part === Part.register) a.clear(this.n, mask);
      else if (this.part === Part.filter) a.setFilter(this.n, mask);
      else a.clearDescriptor(this.n, mask);
    } catch {
      // The store refused (flash full or failing): the bits are cleared in RAM but not durably, and the client must know.
      return DataAccessResult.hardwareFault;
    }
    return DataAccessResult.success;
  }
}

const NAMES = frozen([
  { register: ln.ALARM_REGISTER_1, filter: ln.ALARM_FILTER_1, descriptor: ln.ALARM_DESCRIPTOR_1 },
  { register: ln.ALARM_REGISTER_2, filter: ln.ALARM_FILTER_2, descriptor: ln.ALARM_DESCRIPTOR_2 },
]);
const READ_CLEAR = managed("r rw");
const FILTER_RIGHTS = frozen({ management: ["r rw", ""] } as const);
const NOT_SETTINGS: readonly number[] = Object.freeze([]);

export function addAlarmObjects(c: Catalog, alarms: Alarms): void {
  for (let i = 0; i < 2; i++) {
    const n = (i + 1) as AlarmRegisterNo;
    const o = NAMES[i];
    c.add(new DataObject(o.register, new AlarmValue(alarms, n, Part.register)), READ_CLEAR, NOT_SETTINGS);
    c.add(new DataObject(o.filter, new AlarmValue(alarms, n, Part.filter)), FILTER_RIGHTS);
    c.add(new DataObject(o.descriptor, new AlarmValue(alarms, n, Part.descriptor)), READ_CLEAR, NOT_SETTINGS);
  }
}

/**
 * The alarms take every event from the one log, like the flash logs;
 * attached before start-up ends, so the events of this boot so far (clock
 * invalid, storage damage) are replayed into them too.
 */
export function wireAlarms(m: Meter, config: MeterConfig): Alarms {
  const alarms = new Alarms(m.store, config.alarmFilters);
  m.events.attach(alarms);
  return alarms;
}
