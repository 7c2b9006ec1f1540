/**
 * Alarm registers 1 and 2, their filters and descriptors (Blue Book
 * 0-0:97.98.0/1.255, 0-0:97.98.10/11.255, 0-0:97.98.20/21.255).
 *
 * The meter's event log (src/meter/events.ts, RamEventLog) forwards every
 * event here, as it forwards them to the flash logs: the one place where
 * events are appended, so no domain calls the alarms itself. ALARM_MAP
 * (alarm-map.ts) names the bit each event raises.
 *
 * - Alarm register: every mapped event sets its bit, whatever the filter
 *   (the register says what happened; the filter only decides what is
 *   reported, as GXF/OSGP's "read the alarm register without depending on
 *   the alarm filter" reads it). A bit stays set until a client clears it.
 * - A bit *rises* when it goes from 0 to 1 in the register; a bit already
 *   set is not reported again until it was cleared, so an event flood
 *   becomes one report and no flash writes.
 * - Alarm filter: a 1 lets a rising bit be reported to the subscribers
 *   (onAlarm); the filters are settings (the catalog stores them).
 * - Alarm descriptor: the bits that were reported (rose and passed the
 *   filter) since a client last cleared them: what the pushes announced,
 *   which the register alone cannot say once a filter changed.
 * - SET on a register or descriptor clears the bits written as 1 and leaves
 *   the others (IDIS acknowledgement by mask: a head-end writes back what it
 *   read, so an alarm that rose between its GET and its SET is not lost).
 *   Writing 0 clears nothing.
 *
 * Registers, descriptors and the bits not yet handed to a subscriber are one
 * KeyValueStore record, written whenever they change: an alarm raised while
 * no subscriber exists (at boot, before the push engine is built, or during
 * the last start's outage) waits in it and is handed over at the next tick.
 */
import type { EventSink, MeterEvent } from "../events.js";
import type { KeyValueStore } from "../persistence.js";
import { ALARM_MASKS, alarmBitOf } from "./alarm-map.js";

export type AlarmRegisterNo = 1 | 2;
export type AlarmListener = (register: AlarmRegisterNo, risen: number) => void;

export const KEY_ALARMS = "al.state";
const FORMAT = 1;
/** format, then register 1/2, descriptor 1/2, pending 1/2 (u32 big-endian). */
const RECORD_BYTES = 1 + 6 * 4;

export class Alarms implements EventSink {
  private readonly store: KeyValueStore;
  private readonly registers = [0, 0];
  private readonly descriptors = [0, 0];
  private readonly filters: [number, number];
  /** Reported bits not yet handed to a subscriber (none subscribed yet). */
  private readonly unsent = [0, 0];
  private readonly listeners: AlarmListener[] = [];
  /** Subscribers that threw (counted; the others still get the bits). */
  listenerFaults = 0;
  /** Writes of the alarm record since start. */
  writes = 0;

  constructor(store: KeyValueStore, filters: readonly [number, number] = ALARM_MASKS) {
    this.store = store;
    this.filters = [filters[0] >>> 0, filters[1] >>> 0];
    this.load();
  }

  /** EventSink: raises the event's alarm bit, if it has one. */
  record(event: MeterEvent): void {
    const bit = alarmBitOf(event.log, event.code);
    if (bit === undefined || bit < 0) return;
    this.raise(bit < 32 ? 1 : 2, (1 << (bit & 31)) >>> 0);
  }

  /** Sets `bits` in a register; those that rose and pass its filter are reported. */
  raise(register: AlarmRegisterNo, bits: number): void {
    const i = register - 1;
    const risen = (bits & ~this.registers[i]) >>> 0;
    if (risen === 0) return;
    this.registers[i] = (this.registers[i] | risen) >>> 0;
    const reported = (risen & this.filters[i]) >>> 0;
    this.descriptors[i] = (this.descriptors[i] | reported) >>> 0;
    this.unsent[i] = (this.unsent[i] | reported) >>> 0;
    try {
      this.deliver();
    } finally {
      this.save();
    }
  }

  /**
   * Subscribes to reported bits: `listener(register, risen)` with the bits
   * that just rose and pass that register's filter. Bits raised before the
   * first subscriber come at the next tick().
   */
  onAlarm(listener: AlarmListener): void {
    this.listeners.push(listener);
  }

  /** The meter's tick: hands over bits that waited for a subscriber (raised at boot or before the last restart). */
  tick(): void {
    if (this.listeners.length === 0 || (this.unsent[0] | this.unsent[1]) === 0) return;
    try {
      this.deliver();
    } finally {
      this.save();
    }
  }

  register(n: AlarmRegisterNo): number {
    return this.registers[n - 1];
  }

  descriptor(n: AlarmRegisterNo): number {
    return this.descriptors[n - 1];
  }

  filter(n: AlarmRegisterNo): number {
    return this.filters[n - 1];
  }

  /** Bits reported but not handed to any subscriber yet. */
  pending(n: AlarmRegisterNo): number {
    return this.unsent[n - 1];
  }

  /** A new filter applies to bits rising from now on (a bit already set is not reported by a filter change). */
  setFilter(n: AlarmRegisterNo, mask: number): void {
    this.filters[n - 1] = mask >>> 0;
  }

  /** SET on an alarm register: clears the bits written as 1. */
  clear(n: AlarmRegisterNo, mask: number): void {
    const i = n - 1;
    const next = (this.registers[i] & ~mask) >>> 0;
    if (next === this.registers[i]) return;
    this.registers[i] = next;
    this.save();
  }

  /** SET on an alarm descriptor: clears the bits written as 1. */
  clearDescriptor(n: AlarmRegisterNo, mask: number): void {
    const i = n - 1;
    const next = (this.descriptors[i] & ~mask) >>> 0;
    if (next === this.descriptors[i]) return;
    this.descriptors[i] = next;
    this.save();
  }

  private deliver(): void {
    if (this.listeners.length === 0) return;
    for (let i = 0; i < 2; i++) {
      const bits = this.unsent[i];
      if (bits === 0) continue;
      this.unsent[i] = 0;
      const register = (i + 1) as AlarmRegisterNo;
      for (let j = 0; j < this.listeners.length; j++) {
        const l = this.listeners[j];
        // One subscriber's fault must not keep the alarm from the others.
        try {
          l(register, bits);
        } catch {
          this.listenerFaults++;
        }
      }
    }
  }

  private save(): void {
    const b = new Uint8Array(RECORD_BYTES);
    const v = new DataView(b.buffer);
    b[0] = FORMAT;
    const words = [this.registers[0], this.registers[1], this.descriptors[0], this.descriptors[1], this.unsent[0], this.unsent[1]];
    for (let k = 0; k < 6; k++) v.setUint32(1 + k * 4, words[k]);
    this.writes++;
    this.store.put(KEY_ALARMS, b);
  }

  /** Bad or foreign bytes read as no alarms: nothing is reported that cannot be proven. */
  private load(): void {
    const b = this.store.get(KEY_ALARMS);
    if (!b || b.length !== RECORD_BYTES || b[0] !== FORMAT) return;
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const w = (k: number) => v.getUint32(1 + k * 4);
    this.registers[0] = w(0);
    this.registers[1] = w(1);
    this.descriptors[0] = w(2);
    this.descriptors[1] = w(3);
    this.unsent[0] = w(4);
    this.unsent[1] = w(5);
  }
}
