import { Tag, type Data } from "../cosem/axdr.js";
import { DemandRegisterObject } from "../cosem/classes/demand-register.js";
import { ExtendedRegisterObject } from "../cosem/classes/extended-register.js";
import { RegisterMonitorObject, type ActionSet, type ScriptRef } from "../cosem/classes/register-monitor.js";
import { intData, RegisterObject, scaled, Unit, type ScalerUnit } from "../cosem/classes/register.js";
import { DataAccessResult, rights, type ObjectEntry, type ObjectRights, type Role } from "../cosem/interface-class.js";
import { Obis } from "../cosem/obis.js";
import { CALIBRATION_FIELDS, type CalibrationField, type EnergySample } from "../../hal/energy-ic.js";
import { MetrologyService } from "../metrology/service.js";
import { internalContext } from "../tariff/script-table.js";
import type { Catalog } from "./catalog.js";
import type { MeterConfig } from "./config.js";
import { FaultKind, guardedSystem } from "./faults.js";
import type { Meter } from "./meter.js";
import type { MeterPorts } from "./ports.js";
import { frozen } from "../util/frozen.js";

/**
 * The metrology rows of the object catalog: which OBIS code shows which
 * metrology value, with which scaler and unit, and who may do what. It is
 * the binding of metrology to COSEM, kept in the composition root so that
 * the metrology domain knows no interface class (ARCHITECTURE.md, the
 * direction inside src/).
 *
 * Energy (class 3, Wh/varh/VAh, scaler 0, double-long-unsigned, rolling over
 * with the accumulators): 1.0.c.8.0.255 for c = 1 +A, 2 -A, 3 +R (QI+QII),
 * 4 -R (QIII+QIV), 5..8 QI..QIV, 9 apparent; per phase c + 20 / 40 / 60.
 * Instantaneous (class 3): 32/52/72.7 voltage (0.1 V), 31/51/71.7 current
 * (mA), 91.7 neutral current, 1/2.7 +P/-P and 21/22, 41/42, 61/62.7 per phase
 * (W), 3/4.7 +Q/-Q (var), 9.7 apparent (VA), 13.7 and 33/53/73.7 power factor
 * (0.001), 14.7 frequency (0.01 Hz).
 * Demand: 1.0.1.4.0.255 (class 5, +A average power); maximum demand rows
 * (class 4) come from maxDemandCatalog over the tariff's maxima. Register monitor 0.0.16.1.0.255
 * (class 21) on +P. Calibration: 1.0.128.p.f.255 (manufacturer-specific C =
 * 128; p = phase 1..n, f = 1 + index in CALIBRATION_FIELDS), class 3,
 * double-long, visible and writable only to the management association.
 */
export interface MetrologyCatalogOptions {
  nowUtc: () => number;
  /** Register monitor actions: the script registry of the tariff area. */
  runScript?: (ref: ScriptRef) => void;
  monitorThresholdsW?: readonly number[];
  monitorActions?: readonly ActionSet[];
  /** capture_time etc. as the meter's clock shows it; default UTC. */
  toDateTime?: (utcMs: number) => Data;
}

const READ_ONLY: Partial<Record<Role, ObjectRights>> = frozen({
  reader: rights("r r r", "-"),
  management: rights("r r r", "-"),
});

const CALIBRATION_RIGHTS: Partial<Record<Role, ObjectRights>> = frozen({ management: rights("r rw r", "-") });
const NOTHING: readonly number[] = frozen([]);

/** Scaler/unit pairs shared by every row that shows them (frozen: preloaded into flash on a device). */
const SU = frozen({
  Wh: { scaler: 0, unit: Unit.Wh },
  varh: { scaler: 0, unit: Unit.varh },
  VAh: { scaler: 0, unit: Unit.VAh },
  V: { scaler: -1, unit: Unit.V },
  A: { scaler: -3, unit: Unit.A },
  W: { scaler: 0, unit: Unit.W },
  var: { scaler: 0, unit: Unit.var },
  VA: { scaler: 0, unit: Unit.VA },
  PF: { scaler: -3, unit: Unit.none },
  Hz: { scaler: -2, unit: Unit.Hz },
  none: { scaler: 0, unit: Unit.none },
} satisfies Record<string, ScalerUnit>);

/** The energy registers' scalers and units by OBIS C - 1 (C = 1..9); what each sums is metrology's (ENERGY_REGISTER_QUANTITIES). */
const ENERGY_SU: readonly ScalerUnit[] = frozen([SU.Wh, SU.Wh, SU.varh, SU.varh, SU.varh, SU.varh, SU.varh, SU.varh, SU.VAh]);

/*
 * The registers' values are read through small binding objects that hold
 * only what differs per row (scope, quantity, phase), not through a closure
 * per row: on XS a closure made at run time is a function instance, a
 * closure scope and a RAM copy of its bytecode (hundreds of bytes), where
 * these objects are a few slots (issue 13).
 */

/** An energy row: its name, what it sums (scope, OBIS C of the total) and its unit. Module-level frozen data (ENERGY_ROWS). */
interface EnergyRow {
  readonly obis: Obis;
  readonly scope: number;
  readonly c: number;
  readonly su: ScalerUnit;
}

/*
 * Each register row is one object of a RegisterObject subclass holding only
 * the service and its row of the frozen tables below (name, scaler/unit,
 * what it shows: in flash on a device): no binding object beside it, no
 * logical name of its own (issue 13).
 */

/** An energy total of one scope: rolling over at the accumulators' capacity. */
class EnergyRegister extends RegisterObject {
  constructor(
    readonly svc: MetrologyService,
    readonly row: EnergyRow,
  ) {
    super();
  }

  get logicalName(): Obis {
    return this.row.obis;
  }

  get scalerUnit(): ScalerUnit {
    return this.row.su;
  }

  read(): Data {
    return intData(Tag.DoubleLongUnsigned, Math.floor(this.svc.registerEnergy(this.row.scope, this.row.c)));
  }
}

/** What an instantaneous register shows (InstantValue.kind). */
const Inst = frozen({
  vRms: 0,
  iRms: 1,
  importW: 2,
  exportW: 3,
  powerFactor: 4,
  neutralA: 5,
  totalImportW: 6,
  totalExportW: 7,
  totalImportVar: 8,
  totalExportVar: 9,
  totalVA: 10,
  totalPowerFactor: 11,
  frequency: 12,
} as const);

function sum(s: EnergySample, k: "activeW" | "reactiveVar" | "apparentVA"): number {
  let a = 0;
  for (let i = 0; i < s.phases.length; i++) a += s.phases[i][k];
  return a;
}

function instant(s: EnergySample, kind: number, phase: number): number {
  switch (kind) {
    case Inst.vRms:
      return s.phases[phase].vRms;
    case Inst.iRms:
      return s.phases[phase].iRms;
    case Inst.importW:
      return Math.max(0, s.phases[phase].activeW);
    case Inst.exportW:
      return Math.max(0, -s.phases[phase].activeW);
    case Inst.powerFactor:
      return s.phases[phase].powerFactor;
    case Inst.neutralA:
      return Number.isNaN(s.neutralA) ? 0 : s.neutralA;
    case Inst.totalImportW:
      return Math.max(0, sum(s, "activeW"));
    case Inst.totalExportW:
      return Math.max(0, -sum(s, "activeW"));
    case Inst.totalImportVar:
      return Math.max(0, sum(s, "reactiveVar"));
    case Inst.totalExportVar:
      return Math.max(0, -sum(s, "reactiveVar"));
    case Inst.totalVA:
      return sum(s, "apparentVA");
    case Inst.totalPowerFactor: {
      const va = sum(s, "apparentVA");
      return va > 0 ? sum(s, "activeW") / va : 0;
    }
    default:
      return s.frequencyHz;
  }
}

/** An instantaneous row: its name, A-XDR type, scaler/unit and what it shows. Module-level frozen data (INSTANT_ROWS). */
interface InstantRow {
  readonly obis: Obis;
  readonly tag: number;
  readonly su: ScalerUnit;
  readonly kind: number;
  readonly phase: number;
}

/** An instantaneous value of the last sample (0 before the first), as the integer its scaler gives. */
class InstantRegister extends RegisterObject {
  constructor(
    readonly svc: MetrologyService,
    readonly row: InstantRow,
  ) {
    super();
  }

  get logicalName(): Obis {
    return this.row.obis;
  }

  get scalerUnit(): ScalerUnit {
    return this.row.su;
  }

  read(): Data {
    const s = this.svc.instantaneous;
    const r = this.row;
    return intData(r.tag, scaled(s ? instant(s, r.kind, r.phase) : 0, r.su.scaler));
  }
}

/** A calibration constant of one phase (management only; the metrology service stores it itself). */
class CalibrationRegister extends RegisterObject {
  constructor(
    readonly logicalName: Obis,
    readonly svc: MetrologyService,
    readonly phase: number,
    readonly field: CalibrationField,
  ) {
    super();
  }

  get scalerUnit(): ScalerUnit {
    return SU.none;
  }

  read(): Data {
    return intData(Tag.DoubleLong, this.svc.calibration(this.phase, this.field) ?? 0);
  }

  override write(v: Data): DataAccessResult {
    if (v.tag !== Tag.DoubleLong) return DataAccessResult.typeUnmatched;
    return this.svc.setCalibration(this.phase, this.field, v.value) ? DataAccessResult.success : DataAccessResult.otherReason;
  }
}

/**
 * The rows' names and what each shows, for up to three phases, as
 * module-level frozen data (in flash on a device): at boot a row costs one
 * two-field RegisterObject, not its own logical name and descriptor nor a
 * binding beside it (issue 13).
 */
const MAX_PHASES = 3;
const ENERGY_ROWS: readonly EnergyRow[] = frozen(
  Array.from({ length: (MAX_PHASES + 1) * ENERGY_SU.length }, (_, n) => {
    const scope = Math.floor(n / ENERGY_SU.length);
    const c = (n % ENERGY_SU.length) + 1;
    return { obis: Obis.of(1, 0, c + 20 * scope, 8, 0, 255), scope, c, su: ENERGY_SU[c - 1] };
  }),
);
const inst = (c: number, tag: number, su: ScalerUnit, kind: number, phase = 0): InstantRow => ({ obis: Obis.of(1, 0, c, 7, 0, 255), tag, su, kind, phase });
/** Per phase p (row blocks of five): voltage, current, +P, -P, power factor. */
const PHASE_ROWS: readonly (readonly InstantRow[])[] = frozen(
  Array.from({ length: MAX_PHASES }, (_, p) => {
    const base = 20 * (p + 1);
    return [
      inst(base + 12, Tag.LongUnsigned, SU.V, Inst.vRms, p),
      inst(base + 11, Tag.DoubleLongUnsigned, SU.A, Inst.iRms, p),
      inst(base + 1, Tag.DoubleLongUnsigned, SU.W, Inst.importW, p),
      inst(base + 2, Tag.DoubleLongUnsigned, SU.W, Inst.exportW, p),
      inst(base + 13, Tag.Long, SU.PF, Inst.powerFactor, p),
    ];
  }),
);
const TOTAL_ROWS: readonly InstantRow[] = frozen([
  inst(91, Tag.DoubleLongUnsigned, SU.A, Inst.neutralA),
  inst(1, Tag.DoubleLongUnsigned, SU.W, Inst.totalImportW),
  inst(2, Tag.DoubleLongUnsigned, SU.W, Inst.totalExportW),
  inst(3, Tag.DoubleLongUnsigned, SU.var, Inst.totalImportVar),
  inst(4, Tag.DoubleLongUnsigned, SU.var, Inst.totalExportVar),
  inst(9, Tag.DoubleLongUnsigned, SU.VA, Inst.totalVA),
  inst(13, Tag.Long, SU.PF, Inst.totalPowerFactor),
  inst(14, Tag.LongUnsigned, SU.Hz, Inst.frequency),
]);
/** Calibration names 1.0.128.p.f.255 for the first three phases (a fourth is named at boot). */
const CALIBRATION_OBIS: readonly (readonly Obis[])[] = frozen(Array.from({ length: MAX_PHASES }, (_, p) => CALIBRATION_FIELDS.map((_f, i) => calibrationObis(p, i))));

function calibrationObis(phase: number, index: number): Obis {
  return Obis.of(1, 0, 128, phase + 1, index + 1, 255);
}

export function metrologyCatalog(svc: MetrologyService, o: MetrologyCatalogOptions): ObjectEntry[] {
  const rows: ObjectEntry[] = [];
  const add = (object: RegisterObject) => rows.push({ object, rights: READ_ONLY });
  const phases = Math.min(MAX_PHASES, svc.phaseCount);

  for (let n = 0; n < (phases + 1) * ENERGY_SU.length; n++) {
    add(new EnergyRegister(svc, ENERGY_ROWS[n]));
  }
  for (let p = 0; p < phases; p++) for (let i = 0; i < PHASE_ROWS[p].length; i++) add(new InstantRegister(svc, PHASE_ROWS[p][i]));
  for (let i = 0; i < TOTAL_ROWS.length; i++) add(new InstantRegister(svc, TOTAL_ROWS[i]));
  const W = SU.W;

  rows.push({
    object: new DemandRegisterObject(Obis.of(1, 0, 1, 4, 0, 255), W, svc.demand, o.nowUtc, o.toDateTime),
    rights: { reader: rights("r r r r r r r r r", "- -"), management: rights("r r r r r r r rw rw", "x x") },
  });
  const monitor = new RegisterMonitorObject(
    Obis.of(0, 0, 16, 1, 0, 255),
    { classId: 3, logicalName: Obis.of(1, 0, 1, 7, 0, 255), attribute: 2 },
    () => (svc.instantaneous ? Math.round(instant(svc.instantaneous, Inst.totalImportW, 0)) : undefined),
    o.runScript ?? (() => {}),
    o.monitorThresholdsW ?? [],
    o.monitorActions ?? [],
  );
  rows.push({ object: monitor, rights: { reader: rights("r r r r"), management: rights("r rw r rw") } });

  for (let p = 0; p < svc.phaseCount; p++) {
    CALIBRATION_FIELDS.forEach((field, i) => {
      rows.push({
        object: new CalibrationRegister(p < MAX_PHASES ? CALIBRATION_OBIS[p][i] : calibrationObis(p, i), svc, p, field),
        // Only the management association sees calibration at all; the metrology service stores it itself.
        rights: CALIBRATION_RIGHTS,
        persist: NOTHING,
      });
    });
  }
  return rows;
}

/**
 * Maximum demand registers (class 4, with capture time) over the tariff
 * area's maxima (src/tariff/billing.ts DemandTracker.maxima: 1.0.1.6.0.255
 * total and 1.0.1.6.t.255 per tariff), which billing resets.
 */
export function maxDemandCatalog(maxima: readonly { obis: Obis; value: number; utcMs: number }[], toDateTime?: (utcMs: number) => Data): ObjectEntry[] {
  return maxima.map((m) => ({ object: new ExtendedRegisterObject(m.obis, SU.W, new MaxDemandValue(m), toDateTime), rights: MAX_DEMAND_RIGHTS }));
}

const MAX_DEMAND_RIGHTS: Partial<Record<Role, ObjectRights>> = frozen({ reader: rights("r r r r r", "-"), management: rights("r r r r r", "-") });
const STATUS_OK: Data = frozen({ tag: Tag.Unsigned, value: 0 });

/** A maximum of the tariff's demand tracker: value and capture time (the tracker updates the record in place). */
class MaxDemandValue {
  constructor(readonly m: { value: number; utcMs: number }) {}

  read(): Data {
    return intData(Tag.DoubleLongUnsigned, this.m.value);
  }

  status(): Data {
    return STATUS_OK;
  }

  captureUtc(): number {
    return this.m.utcMs;
  }
}

/** The register monitor row, so that the composition root can call evaluate() each tick. */
export function registerMonitorOf(rows: readonly ObjectEntry[]): RegisterMonitorObject | undefined {
  const row = rows.find((r) => r.object instanceof RegisterMonitorObject);
  return row?.object as RegisterMonitorObject | undefined;
}

/** Metrology on the board's energy IC: its power-fail handler (drain the IC, persist) is contained under its own fault kind. */
export function wireMetrology(m: Meter, ports: MeterPorts, config: MeterConfig): MetrologyService {
  return new MetrologyService({
    ic: ports.energyIc,
    store: m.store,
    events: m.events,
    rtc: ports.rtc,
    system: guardedSystem(ports.system, m.faults, FaultKind.powerFailMetrology),
    tamper: ports.tamper,
    defaultCalibration: ports.defaultCalibration,
    config: { demandPeriodS: config.demandPeriodS },
  });
}

/** Metrology's rows in the catalog (energy totals per phase and quadrant, instantaneous values, demand, monitor, calibration); returns the register monitor the tick evaluates. */
export function addMetrologyObjects(c: Catalog, m: Meter, toDateTime: (utcMs: number) => Data): RegisterMonitorObject | undefined {
  const rows = metrologyCatalog(m.metrology, {
    nowUtc: () => m.clock.now(),
    runScript: (ref) => m.scripts.run(ref.script.toBytes(), ref.selector, internalContext(m.clock.now())),
    toDateTime,
  });
  rows.forEach((row) => c.addEntry(row));
  return registerMonitorOf(rows);
}

/** The maximum demand registers over the tariff's demand maxima. */
export function addMaxDemandObjects(c: Catalog, m: Meter, toDateTime: (utcMs: number) => Data): void {
  maxDemandCatalog(m.demand.maxima, toDateTime).forEach((row) => c.addEntry(row));
}
