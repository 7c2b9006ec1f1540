import { Tag, type Data } from "../cosem/axdr.js";
import { DemandRegisterObject } from "../cosem/classes/demand-register.js";
import { ExtendedRegisterObject } from "../cosem/classes/extended-register.js";
import { RegisterMonitorObject, type ActionSet, type ScriptRef } from "../cosem/classes/register-monitor.js";
import { intData, RegisterObject, scaled, Unit, type ScalerUnit } from "../cosem/classes/register.js";
import { DataAccessResult, rights, type ObjectEntry, type ObjectRights, type Role } from "../cosem/interface-class.js";
import { Obis } from "../cosem/obis.js";
import { CALIBRATION_FIELDS, type EnergySample } from "../../hal/energy-ic.js";
import type { MetrologyService } from "../metrology/service.js";
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

/** The energy registers by OBIS C and their units; what each sums is metrology's (ENERGY_REGISTER_QUANTITIES). */
const ENERGY_C: { c: number; unit: number }[] = frozen([
  { c: 1, unit: Unit.Wh },
  { c: 2, unit: Unit.Wh },
  { c: 3, unit: Unit.varh },
  { c: 4, unit: Unit.varh },
  { c: 5, unit: Unit.varh },
  { c: 6, unit: Unit.varh },
  { c: 7, unit: Unit.varh },
  { c: 8, unit: Unit.varh },
  { c: 9, unit: Unit.VAh },
]);

export function metrologyCatalog(svc: MetrologyService, o: MetrologyCatalogOptions): ObjectEntry[] {
  const rows: ObjectEntry[] = [];
  const add = (obis: Obis, su: ScalerUnit, read: () => Data, r = READ_ONLY) => rows.push({ object: new RegisterObject(obis, su, { read }), rights: r });
  const scopes = Math.min(3, svc.phaseCount) + 1;

  for (let scope = 0; scope < scopes; scope++) {
    for (const e of ENERGY_C) {
      add(Obis.of(1, 0, e.c + 20 * scope, 8, 0, 255), { scaler: 0, unit: e.unit }, () => intData(Tag.DoubleLongUnsigned, Math.floor(svc.registerEnergy(scope, e.c))));
    }
  }

  const inst = (f: (s: EnergySample) => number) => (): number => {
    const s = svc.instantaneous;
    return s ? f(s) : 0;
  };
  const instRow = (c: number, tag: number, su: ScalerUnit, f: (s: EnergySample) => number) =>
    add(Obis.of(1, 0, c, 7, 0, 255), su, () => intData(tag, scaled(inst(f)(), su.scaler)));
  const V = { scaler: -1, unit: Unit.V };
  const A = { scaler: -3, unit: Unit.A };
  const W = { scaler: 0, unit: Unit.W };
  const PF = { scaler: -3, unit: Unit.none };
  const sum = (s: EnergySample, k: "activeW" | "reactiveVar" | "apparentVA") => s.phases.reduce((a, p) => a + p[k], 0);
  for (let p = 0; p < Math.min(3, svc.phaseCount); p++) {
    const base = 20 * (p + 1);
    instRow(base + 12, Tag.LongUnsigned, V, (s) => s.phases[p].vRms);
    instRow(base + 11, Tag.DoubleLongUnsigned, A, (s) => s.phases[p].iRms);
    instRow(base + 1, Tag.DoubleLongUnsigned, W, (s) => Math.max(0, s.phases[p].activeW));
    instRow(base + 2, Tag.DoubleLongUnsigned, W, (s) => Math.max(0, -s.phases[p].activeW));
    instRow(base + 13, Tag.Long, PF, (s) => s.phases[p].powerFactor);
  }
  instRow(91, Tag.DoubleLongUnsigned, A, (s) => (Number.isNaN(s.neutralA) ? 0 : s.neutralA));
  instRow(1, Tag.DoubleLongUnsigned, W, (s) => Math.max(0, sum(s, "activeW")));
  instRow(2, Tag.DoubleLongUnsigned, W, (s) => Math.max(0, -sum(s, "activeW")));
  instRow(3, Tag.DoubleLongUnsigned, { scaler: 0, unit: Unit.var }, (s) => Math.max(0, sum(s, "reactiveVar")));
  instRow(4, Tag.DoubleLongUnsigned, { scaler: 0, unit: Unit.var }, (s) => Math.max(0, -sum(s, "reactiveVar")));
  instRow(9, Tag.DoubleLongUnsigned, { scaler: 0, unit: Unit.VA }, (s) => sum(s, "apparentVA"));
  instRow(13, Tag.Long, PF, (s) => {
    const va = sum(s, "apparentVA");
    return va > 0 ? sum(s, "activeW") / va : 0;
  });
  instRow(14, Tag.LongUnsigned, { scaler: -2, unit: Unit.Hz }, (s) => s.frequencyHz);

  rows.push({
    object: new DemandRegisterObject(Obis.of(1, 0, 1, 4, 0, 255), W, svc.demand, o.nowUtc, o.toDateTime),
    rights: { reader: rights("r r r r r r r r r", "- -"), management: rights("r r r r r r r rw rw", "x x") },
  });
  const monitor = new RegisterMonitorObject(
    Obis.of(0, 0, 16, 1, 0, 255),
    { classId: 3, logicalName: Obis.of(1, 0, 1, 7, 0, 255), attribute: 2 },
    () => (svc.instantaneous ? Math.round(Math.max(0, svc.instantaneous.phases.reduce((a, p) => a + p.activeW, 0))) : undefined),
    o.runScript ?? (() => {}),
    o.monitorThresholdsW ?? [],
    o.monitorActions ?? [],
  );
  rows.push({ object: monitor, rights: { reader: rights("r r r r"), management: rights("r rw r rw") } });

  for (let p = 0; p < svc.phaseCount; p++) {
    CALIBRATION_FIELDS.forEach((field, i) => {
      rows.push({
        object: new RegisterObject(Obis.of(1, 0, 128, p + 1, i + 1, 255), { scaler: 0, unit: Unit.none }, {
          read: () => intData(Tag.DoubleLong, svc.calibration(p, field) ?? 0),
          write: (v) => {
            if (v.tag !== Tag.DoubleLong) return DataAccessResult.typeUnmatched;
            return svc.setCalibration(p, field, v.value) ? DataAccessResult.success : DataAccessResult.otherReason;
          },
        }),
        // Only the management association sees calibration at all; the metrology service stores it itself.
        rights: { management: rights("r rw r", "-") },
        persist: [],
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
  return maxima.map((m) => ({
    object: new ExtendedRegisterObject(
      m.obis,
      { scaler: 0, unit: Unit.W },
      { read: () => intData(Tag.DoubleLongUnsigned, m.value), status: () => ({ tag: Tag.Unsigned, value: 0 }), captureUtc: () => m.utcMs },
      toDateTime,
    ),
    rights: { reader: rights("r r r r r", "-"), management: rights("r r r r r", "-") },
  }));
}

/** The register monitor row, so that the composition root can call evaluate() each tick. */
export function registerMonitorOf(rows: readonly ObjectEntry[]): RegisterMonitorObject | undefined {
  for (const r of rows) if (r.object instanceof RegisterMonitorObject) return r.object;
  return undefined;
}
