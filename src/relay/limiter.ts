import type { MonotonicClock } from "../../hal/clock.js";
import { DEVIATION_NOT_SPECIFIED, dateTimeToUtcMs, type DateTime } from "../cosem/datetime.js";
import type { Obis } from "../cosem/obis.js";
import type { EventSink } from "../events.js";
import { DisconnectorEvent } from "./disconnect.js";

/**
 * Limiter (the domain behind COSEM class 71). Watches one value (e.g. the
 * instantaneous active power import 1.0.1.7.0.255) against the active
 * threshold: the emergency threshold while an emergency profile whose id is
 * in the group list is in force, the normal one otherwise. Over the
 * threshold for min_over_threshold_duration runs action_over_threshold;
 * back under it for min_under_threshold_duration runs
 * action_under_threshold. Actions are script references run by the meter
 * (a local trigger: with the disconnect script table they make the
 * disconnect control's local_disconnect / local_reconnect transitions).
 * Durations use the monotonic clock so a clock setting cannot shorten them.
 * Events in the disconnector log: 65 threshold exceeded, 66 threshold ok,
 * 67 threshold changed (IDIS codes).
 */

export interface ValueDefinition {
  classId: number;
  logicalName: Obis;
  attribute: number;
}

export interface ScriptRef {
  scriptLn: Uint8Array;
  selector: number;
}

export interface EmergencyProfile {
  id: number;
  activation: DateTime;
  durationS: number;
}

/**
 * What the limiter needs from the meter, as one object with methods (the
 * meter passes one small object, not a closure per need: RAM on XS).
 */
export interface LimiterHost {
  /** The monitored value now (W). */
  monitoredValue(): number;
  nowUtc(): number;
  /** Runs an action script; false when it did not run. */
  runScript(ref: ScriptRef, utcMs: number): boolean;
  /**
   * Local wall time (ms, as if UTC) to UTC, for an emergency activation
   * time without deviation (MeterClock.utcOfLocal); absent: such a time is
   * read as UTC.
   */
  localToUtc?(localMs: number): number;
}

export class Limiter {
  monitored: ValueDefinition;
  thresholdNormal = 0;
  thresholdEmergency = 0;
  minOverS = 0;
  minUnderS = 0;
  emergency: EmergencyProfile | undefined;
  groupIds: number[] = [];
  actionOver: ScriptRef | undefined;
  actionUnder: ScriptRef | undefined;
  /** True once action_over_threshold ran and until action_under_threshold runs. */
  private over = false;
  private since = -1;
  private lastActive = NaN;

  constructor(
    monitored: ValueDefinition,
    private readonly host: LimiterHost,
    private readonly mono: MonotonicClock,
    private readonly events: EventSink,
  ) {
    this.monitored = monitored;
  }

  private utc(): number {
    return this.host.nowUtc();
  }

  /** Is an emergency profile of one of our groups in force at utcMs? */
  emergencyActive(utcMs = this.utc()): boolean {
    const e = this.emergency;
    if (!e || this.groupIds.indexOf(e.id) < 0) return false;
    let start = dateTimeToUtcMs(e.activation, 0);
    if (start === undefined) return false;
    const host = this.host;
    if (e.activation.deviation === DEVIATION_NOT_SPECIFIED && host.localToUtc) start = host.localToUtc(start);
    return utcMs >= start && utcMs < start + e.durationS * 1000;
  }

  thresholdActive(utcMs = this.utc()): number {
    return this.emergencyActive(utcMs) ? this.thresholdEmergency : this.thresholdNormal;
  }

  /** Sets a threshold; a change is an event (67). */
  setThresholds(normal: number, emergency: number): void {
    if (normal !== this.thresholdNormal || emergency !== this.thresholdEmergency) {
      this.thresholdNormal = normal;
      this.thresholdEmergency = emergency;
      this.events.record({ log: "disconnector", code: DisconnectorEvent.limiterThresholdChanged, utcMs: this.utc(), value: normal });
    }
  }

  get isOver(): boolean {
    return this.over;
  }

  /** Periodic duty: samples the monitored value and acts when a duration has elapsed. */
  poll(): void {
    const utc = this.utc();
    const t = this.mono.nowMs();
    const threshold = this.thresholdActive(utc);
    if (threshold !== this.lastActive && this.lastActive === this.lastActive) {
      this.events.record({ log: "disconnector", code: DisconnectorEvent.limiterThresholdChanged, utcMs: utc, value: threshold });
    }
    this.lastActive = threshold;
    const value = this.host.monitoredValue();
    // Looking for the opposite condition of the current one.
    const crossing = this.over ? value <= threshold : value > threshold;
    if (!crossing) {
      this.since = -1;
      return;
    }
    if (this.since < 0) this.since = t;
    const need = (this.over ? this.minUnderS : this.minOverS) * 1000;
    if (t - this.since < need) return;
    this.since = -1;
    this.over = !this.over;
    this.events.record({
      log: "disconnector",
      code: this.over ? DisconnectorEvent.limiterThresholdExceeded : DisconnectorEvent.limiterThresholdOk,
      utcMs: utc,
      value,
    });
    const action = this.over ? this.actionOver : this.actionUnder;
    if (action) this.host.runScript(action, utc);
  }
}
