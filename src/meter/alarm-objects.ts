/**
 * The alarm objects as COSEM Data objects (class 1, double-long-unsigned),
 * thin adapters onto src/alarm: registers and descriptors are read by the
 * reader and management and cleared by management (a SET clears the bits
 * written as 1); the filters are management's, and are settings (the
 * catalog stores a written filter and restores it at boot). Registers and
 * descriptors are the alarm domain's own record, not settings.
 */
import { Tag, type Data } from "../cosem/axdr.js";
import { DataObject } from "../cosem/classes/data.js";
import { DataAccessResult } from "../cosem/interface-class.js";
import { Alarms, type AlarmRegisterNo } from "../alarm/alarms.js";
import type { MeterConfig } from "./config.js";
import type { Meter } from "./meter.js";
import type { Catalog } from "./catalog.js";
import * as ln from "./obis-codes.js";

const u32 = (v: number): Data => ({ tag: Tag.DoubleLongUnsigned, value: v >>> 0 });

/** The written mask, or undefined when the value is not a double-long-unsigned. */
function maskOf(v: Data): number | undefined {
  return v.tag === Tag.DoubleLongUnsigned && typeof v.value === "number" ? v.value >>> 0 : undefined;
}

function writer(apply: (mask: number) => void): (v: Data) => DataAccessResult {
  return (v) => {
    const mask = maskOf(v);
    if (mask === undefined) return DataAccessResult.typeUnmatched;
    try {
      apply(mask);
    } catch {
      // The store refused (flash full or failing): the bits are cleared in RAM but not durably, and the client must know.
      return DataAccessResult.hardwareFault;
    }
    return DataAccessResult.success;
  };
}

export function addAlarmObjects(c: Catalog, alarms: Alarms): void {
  const names = [
    { register: ln.ALARM_REGISTER_1, filter: ln.ALARM_FILTER_1, descriptor: ln.ALARM_DESCRIPTOR_1 },
    { register: ln.ALARM_REGISTER_2, filter: ln.ALARM_FILTER_2, descriptor: ln.ALARM_DESCRIPTOR_2 },
  ];
  const readClear = { reader: ["r r", ""], management: ["r rw", ""] } as const;
  for (let i = 0; i < 2; i++) {
    const n = (i + 1) as AlarmRegisterNo;
    const o = names[i];
    c.add(new DataObject(o.register, { read: () => u32(alarms.register(n)), write: writer((m) => alarms.clear(n, m)) }), readClear, []);
    c.add(new DataObject(o.filter, { read: () => u32(alarms.filter(n)), write: writer((m) => alarms.setFilter(n, m)) }), { management: ["r rw", ""] });
    c.add(new DataObject(o.descriptor, { read: () => u32(alarms.descriptor(n)), write: writer((m) => alarms.clearDescriptor(n, m)) }), readClear, []);
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
