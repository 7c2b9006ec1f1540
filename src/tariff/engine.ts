import type { AccessContext } from "../cosem/interface-class.js";
import { sameAction, type ActivityCalendar, type DayAction } from "./calendar.js";
import type { MeterClock } from "./clock.js";
import { activeTariff, type DemandTracker } from "./billing.js";
import type { EnergyDeltas } from "../metrology/energy.js";
import type { RegisterActivation, TouRegisterBank } from "./registers.js";
import type { SingleActionSchedule } from "./schedule.js";
import { internalContext, type ScriptRegistry } from "./script-table.js";

/**
 * The tariff engine: each metrology tick hands it the energy deltas of
 * (previous tick, now]. It
 *  - runs what is scheduled inside the interval at its own instant (single
 *    action schedules, passive calendar activation, demand period ends), the
 *    energy before the instant first;
 *  - splits the energy at every tariff boundary of the activity calendar
 *    (energy is spread evenly over the interval, i.e. constant power within
 *    a tick), running the day action's script at the boundary so that the
 *    Register Activation mask in force receives each part.
 * Boundaries are found by comparing the day action in force at both ends of
 * pieces of at most MAX_PIECE_MS and bisecting to the millisecond when they
 * differ: a tariff period shorter than MAX_PIECE_MS that starts and ends
 * inside one piece would be missed (calendars switch at most every 15 min).
 */
const MAX_PIECE_MS = 15 * 60000;

export interface TariffEngineDeps {
  clock: MeterClock;
  calendar: ActivityCalendar;
  scripts: ScriptRegistry;
  activation: RegisterActivation;
  bank: TouRegisterBank;
  demand?: DemandTracker;
  schedules?: SingleActionSchedule[];
  /** Called at every capture instant of the given period (load profile), after the energy up to it. */
  capturePeriodS?: number;
  onCapture?: (utcMs: number) => void;
}

/** At one instant: demand end (3), capture (2), then activation (1), then schedules (billing sees the closed demand period). */
function rank(kind: number): number {
  return kind === 3 ? 0 : kind === 2 ? 1 : kind === 1 ? 2 : 3;
}

/** The indices of `inst` in the order they run: by instant, then rank, then kind (schedules in their order). */
function runOrder(inst: readonly number[], kinds: readonly number[]): number[] {
  const order: number[] = [];
  for (let i = 0; i < inst.length; i++) order.push(i);
  return order.sort((x, y) => inst[x] - inst[y] || rank(kinds[x]) - rank(kinds[y]) || kinds[x] - kinds[y]);
}

export class TariffEngine {
  private lastUtc: number;
  /** Schedules and calendar activation have run for every instant up to here (never moves back). */
  private doneUtc: number;
  private executed: DayAction | undefined;
  private readonly instants: number[] = [];
  private readonly kinds: number[] = [];

  constructor(private readonly d: TariffEngineDeps) {
    this.lastUtc = d.clock.now();
    this.doneUtc = this.lastUtc;
    d.clock.onTimeChange((_old, now) => this.timeChanged(now));
    this.syncTariff(this.lastUtc);
  }

  /** The day action whose script was run last (the tariff in force). */
  get currentAction(): DayAction | undefined {
    return this.executed;
  }

  private ctx(utcMs: number): AccessContext {
    return internalContext(utcMs);
  }

  /** Runs the day action in force at utcMs if it is not the one already run. */
  private syncTariff(utcMs: number): void {
    const a = this.d.calendar.actionAt(this.d.clock.localMsAt(utcMs));
    if (a && !sameAction(a, this.executed)) {
      this.d.scripts.run(a.script, a.selector, this.ctx(utcMs));
    }
    this.executed = a;
  }

  private actionAt(utcMs: number): DayAction | undefined {
    return this.d.calendar.actionAt(this.d.clock.localMsAt(utcMs));
  }

  /**
   * A time setting starts a new interval at the new time. Set forward, the
   * schedule executions and the calendar activation it skipped run now, once
   * each, in order (a billing period end is never lost); set back, nothing
   * that already ran runs again until time passes the point it had reached.
   * Captures and demand periods follow the clock as it is (the profile marks
   * the interval with its clock-adjusted status bit).
   */
  private timeChanged(now: number): void {
    if (now > this.doneUtc) {
      const skipped: number[] = [];
      const which: number[] = [];
      this.scheduled(this.doneUtc, now, skipped, which);
      const order = runOrder(skipped, which);
      for (let j = 0; j < order.length; j++) this.runScheduled(which[order[j]], now);
      this.doneUtc = now;
    }
    this.lastUtc = now;
    this.executed = undefined;
    this.syncTariff(now);
  }

  /** Feeds the deltas of (last tick, nowUtc]. */
  tick(nowUtc: number, deltas: EnergyDeltas): void {
    const from = this.lastUtc;
    if (nowUtc <= from) {
      // Time went back (or stood still): no interval; the energy goes to the tariff in force now.
      this.syncTariff(nowUtc);
      this.accumulate(deltas, 1);
      this.lastUtc = nowUtc;
      return;
    }
    const total = nowUtc - from;
    // Scheduled instants in (from, now]: kind 0 = schedule i (encoded as 100 + i), 1 = activation, 2 = capture, 3 = demand end.
    const inst = this.instants;
    const kinds = this.kinds;
    inst.length = 0;
    kinds.length = 0;
    this.scheduled(Math.max(from, this.doneUtc), nowUtc, inst, kinds);
    if (this.d.capturePeriodS) this.periodEnds(from, nowUtc, this.d.capturePeriodS, 2);
    if (this.d.demand) this.periodEnds(from, nowUtc, this.d.demand.periodS, 3);
    let segStart = from;
    if (inst.length > 0) {
      const order = runOrder(inst, kinds);
      for (let j = 0; j < order.length; j++) {
        const i = order[j];
        const t = inst[i];
        this.spread(segStart, t, deltas, total);
        segStart = t;
        this.runScheduled(kinds[i], t);
      }
    }
    this.spread(segStart, nowUtc, deltas, total);
    this.lastUtc = nowUtc;
    if (nowUtc > this.doneUtc) this.doneUtc = nowUtc;
  }

  /** The schedules' instants (kind 100 + schedule index) and the calendar activation (kind 1) in (afterUtc, toUtc]. */
  private scheduled(afterUtc: number, toUtc: number, inst: number[], kinds: number[]): void {
    const schedules = this.d.schedules ?? [];
    for (let i = 0; i < schedules.length; i++) {
      const n0 = inst.length;
      schedules[i].instantsBetween(this.d.clock, afterUtc, toUtc, inst);
      for (let k = n0; k < inst.length; k++) kinds.push(100 + i);
    }
    const act = this.d.calendar.activationUtc();
    if (act !== undefined && act > afterUtc && act <= toUtc) {
      inst.push(act);
      kinds.push(1);
    }
  }

  /** Every end of a period of `periodS` in (fromUtc, toUtc], as `kind` (2 capture, 3 demand end). */
  private periodEnds(fromUtc: number, toUtc: number, periodS: number, kind: number): void {
    for (let t = this.d.clock.nextCaptureAfter(fromUtc, periodS); t <= toUtc; t = this.d.clock.nextCaptureAfter(t, periodS)) {
      this.instants.push(t);
      this.kinds.push(kind);
    }
  }

  private runScheduled(kind: number, t: number): void {
    if (kind === 1) {
      this.d.calendar.activatePassive(t);
      this.syncTariff(t);
    } else if (kind === 2) {
      this.d.onCapture?.(t);
    } else if (kind === 3) {
      this.d.demand?.closePeriod(t, activeTariff(this.d.activation));
    } else {
      const s = (this.d.schedules ?? [])[kind - 100];
      if (s) this.d.scripts.run(s.scriptLn, s.selector, this.ctx(t));
      // A script may have changed the calendar or the mask: re-evaluate from here on.
      this.executed = undefined;
      this.syncTariff(t);
    }
  }

  /** Energy of [a, b) out of an interval of `total` ms, split at tariff boundaries. */
  private spread(a: number, b: number, d: EnergyDeltas, total: number): void {
    let x = a;
    while (x < b) {
      const y = Math.min(b, x + MAX_PIECE_MS);
      this.piece(x, y, d, total);
      x = y;
    }
  }

  private piece(x: number, y: number, d: EnergyDeltas, total: number): void {
    let start = x;
    this.syncTariff(start);
    while (start < y) {
      const first = this.executed;
      if (sameAction(this.actionAt(y - 1), first)) {
        this.accumulate(d, (y - start) / total);
        return;
      }
      // Bisect for the first instant in (start, y) whose action differs from `first`.
      let lo = start;
      let hi = y - 1;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (sameAction(this.actionAt(mid), first)) lo = mid;
        else hi = mid;
      }
      this.accumulate(d, (hi - start) / total);
      start = hi;
      this.syncTariff(start);
    }
  }

  private accumulate(d: EnergyDeltas, fraction: number): void {
    if (fraction <= 0) return;
    this.d.activation.accumulate(this.d.bank, d, fraction);
    this.d.demand?.addImport(d.importActive * fraction);
  }
}
