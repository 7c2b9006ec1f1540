import { describe, expect, it } from "vitest";
import { encodeData, readData, Tag, type Data } from "../../src/cosem/axdr.js";
import { DataAccessResult, ActionResult, canRead, canWrite, type AccessContext, type ObjectEntry } from "../../src/cosem/interface-class.js";
import { Obis } from "../../src/cosem/obis.js";
import { RegisterMonitorObject, type ScriptRef } from "../../src/cosem/classes/register-monitor.js";
import { Qty } from "../../src/metrology/accumulators.js";
import { maxDemandCatalog, metrologyCatalog, registerMonitorOf } from "../../src/meter/metrology.js";
import { CALIBRATION_KEY, MetrologyService, decodeCalibration } from "../../src/metrology/service.js";
import { defaultAtm90e32Calibration } from "../../hal/drivers/atm90e32.js";
import { MemoryKeyValueStore } from "../../src/persistence.js";
import { ByteReader, toHex } from "../../src/util/bytes.js";
import { dlmsVector } from "../support/vectors.js";
import { H, NOMINAL, RecordingSink, e32Rig } from "../../bench/rigs/metrology.js";

const ctx = (role: AccessContext["role"]): AccessContext => ({ role, clientSap: role === "management" ? 1 : 16, nowUtcMs: 0 });

function meter(vRms = 230.7) {
  const rig = e32Rig([], { ...NOMINAL, vRms });
  const store = new MemoryKeyValueStore();
  const sink = new RecordingSink();
  const ic = rig.driver();
  const svc = new MetrologyService({ ic, store, events: sink, rtc: rig.time, defaultCalibration: defaultAtm90e32Calibration() });
  const scripts: ScriptRef[] = [];
  const rows = metrologyCatalog(svc, { nowUtc: () => rig.time.nowUtcMs(), runScript: (r) => scripts.push(r) });
  return { rig, store, sink, svc, rows, scripts, ic };
}

function row(rows: ObjectEntry[], obis: string): ObjectEntry {
  const r = rows.find((x) => x.object.logicalName.toDotted() === obis);
  if (!r) throw new Error(`no ${obis}`);
  return r;
}

function get(r: ObjectEntry, attribute: number): Data {
  const g = r.object.get(attribute, ctx("reader"));
  if (!g.ok || "kind" in g.value) throw new Error(`get ${attribute} failed`);
  return g.value;
}

/**
 * The {value, scaler_unit} pair that follows an OBIS code in the data
 * notification of dlms-cosem tests/test_hdlc/test_hdlc.py:216 (a real
 * meter's push of registers with their scalers and units).
 */
function vectorEntry(obis: number[]): { value: Data; scalerUnit: Uint8Array } {
  const bytes = dlmsVector("test_hdlc/test_hdlc.py", 216);
  const needle = [0x09, 0x06, ...obis];
  for (let i = 0; i + needle.length < bytes.length; i++) {
    if (needle.every((b, k) => bytes[i + k] === b)) {
      const r = new ByteReader(bytes, i + needle.length);
      const value = readData(r);
      const start = bytes.length - r.remaining;
      readData(r);
      return { value, scalerUnit: bytes.slice(start, bytes.length - r.remaining) };
    }
  }
  throw new Error("obis not in vector");
}

describe("metrology COSEM objects", () => {
  it("scaler_unit of energy, power, voltage and current registers encode as a real meter's (dlms-cosem tests/test_hdlc/test_hdlc.py:216)", () => {
    const m = meter();
    m.rig.time.t += 1000;
    m.svc.tick();
    for (const [obis, name] of [
      [[1, 0, 1, 8, 0, 255], "1.0.1.8.0.255"],
      [[1, 0, 3, 8, 0, 255], "1.0.3.8.0.255"],
      [[1, 0, 1, 7, 0, 255], "1.0.1.7.0.255"],
      [[1, 0, 3, 7, 0, 255], "1.0.3.7.0.255"],
      [[1, 0, 32, 7, 0, 255], "1.0.32.7.0.255"],
      [[1, 0, 31, 7, 0, 255], "1.0.31.7.0.255"],
    ] as const) {
      const v = vectorEntry([...obis]);
      const ours = encodeData(get(row(m.rows, name), 3));
      if (name === "1.0.31.7.0.255") {
        // The vector's meter uses 0.1 A (scaler -1); ours reports mA (scaler -3): same unit code, A.
        expect(ours[5]).toBe(v.scalerUnit[5]);
        expect(toHex(ours)).toBe("02020ffd1621");
      } else expect(toHex(ours)).toBe(toHex(v.scalerUnit));
    }
    // The voltage value has the vector's type and scaling: long-unsigned 2307 = 230.7 V.
    const volts = vectorEntry([1, 0, 32, 7, 0, 255]).value;
    expect(get(row(m.rows, "1.0.32.7.0.255"), 2)).toEqual(volts);
  });

  it("energy registers show the accumulators; nobody may write or reset them", () => {
    const m = meter(230);
    // One tick a minute: a 16-bit read-clear register holds only 204.8 Wh (37 s of 5520 W on the total).
    for (let k = 0; k < 60; k++) {
      m.rig.time.t += H / 60;
      m.svc.tick();
    }
    const imp = row(m.rows, "1.0.1.8.0.255");
    expect(5520 - m.svc.energy(0, Qty.importActive)).toBeLessThanOrEqual(0.003125 + 1e-9); // float slack of the model only
    expect(get(imp, 2)).toEqual({ tag: Tag.DoubleLongUnsigned, value: Math.floor(m.svc.energy(0, Qty.importActive)) });
    expect(get(row(m.rows, "1.0.21.8.0.255"), 2)).toEqual({ tag: Tag.DoubleLongUnsigned, value: Math.floor(m.svc.energy(1, Qty.importActive)) });
    expect(get(row(m.rows, "1.0.5.8.0.255"), 2)).toEqual({ tag: Tag.DoubleLongUnsigned, value: Math.floor(m.svc.energy(0, Qty.reactiveQ1)) });
    expect(4140 - m.svc.energy(0, Qty.reactiveQ1)).toBeLessThanOrEqual(0.003125 + 1e-9); // float slack of the model only
    expect(get(row(m.rows, "1.0.3.8.0.255"), 2)).toEqual(get(row(m.rows, "1.0.5.8.0.255"), 2));
    expect(imp.object.set(2, { tag: Tag.DoubleLongUnsigned, value: 0 }, ctx("management"))).toBe(DataAccessResult.readWriteDenied);
    expect(imp.object.action(1, { tag: Tag.Integer, value: 0 }, ctx("management")).result).toBe(ActionResult.readWriteDenied);
    for (const role of ["reader", "management"] as const) expect(canWrite(imp.rights[role]?.attributes[1])).toBe(false);
    expect(imp.rights.public).toBeUndefined();
  });

  it("calibration is visible and writable only to the management association, validated, stored and applied", () => {
    const m = meter(230);
    const ugain = row(m.rows, "1.0.128.1.1.255");
    expect(Object.keys(ugain.rights)).toEqual(["management"]);
    expect(canWrite(ugain.rights.management!.attributes[1])).toBe(true);
    expect(get(ugain, 2)).toEqual({ tag: Tag.DoubleLong, value: 7305 });
    expect(ugain.object.set(2, { tag: Tag.LongUnsigned, value: 7000 }, ctx("management"))).toBe(DataAccessResult.typeUnmatched);
    expect(ugain.object.set(2, { tag: Tag.DoubleLong, value: 70000 }, ctx("management"))).toBe(DataAccessResult.otherReason);
    expect(ugain.object.set(2, { tag: Tag.DoubleLong, value: 8036 }, ctx("management"))).toBe(DataAccessResult.success);
    expect(decodeCalibration(m.store.get(CALIBRATION_KEY)!)![0].voltageGain).toBe(8036);
    m.rig.time.t += 1000;
    expect(m.svc.tick().phases[0].vRms).toBeCloseTo(253, 1); // 230 V × 8036 / 7305
    expect(m.sink.codes("standard")).toContain(239);
    // A restart applies the stored calibration.
    m.ic.close();
    const again = new MetrologyService({ ic: m.rig.driver(), store: m.store, events: m.sink, rtc: m.rig.time, defaultCalibration: defaultAtm90e32Calibration() });
    m.rig.time.t += 1000;
    expect(again.tick().phases[1].vRms).toBeCloseTo(230, 1);
    expect(again.tick().phases[0].vRms).toBeCloseTo(253, 1);
    expect(again.calibration(0, "voltageGain")).toBe(8036);
  });

  it("demand register: block average over the period and last average; maximum demand rows over the tariff's maxima", () => {
    const m = meter(230);
    const dem = row(m.rows, "1.0.1.4.0.255");
    const maxima = [{ obis: Obis.of(1, 0, 1, 6, 0, 255), value: 0, utcMs: 0 }];
    const max = maxDemandCatalog(maxima)[0];
    expect(toHex(encodeData(get(max, 5)))).toBe("090cffffffffffffffffff8000ff"); // never captured: not specified
    expect(get(dem, 8)).toEqual({ tag: Tag.DoubleLongUnsigned, value: 900 });
    for (let k = 0; k < 20; k++) {
      m.rig.time.t += 60000;
      m.svc.tick();
    }
    // 20 min of 5520 W: the first 15-min block is complete.
    expect((get(dem, 3).value as number)).toBeGreaterThan(5519);
    expect((get(dem, 3).value as number)).toBeLessThanOrEqual(5520);
    expect((get(dem, 2).value as number)).toBe(Math.floor((5520 * 5) / 15)); // running block: 5 of 15 min
    maxima[0].value = (get(dem, 3).value as number) + 0.4;
    maxima[0].utcMs = m.svc.demand.captureTime;
    expect(get(max, 2)).toEqual(get(dem, 3));
    expect(encodeData(get(max, 5))).toEqual(encodeData(get(dem, 6)));
    expect(max.object.action(1, { tag: Tag.Integer, value: 0 }, ctx("management")).result).toBe(ActionResult.readWriteDenied);
    expect(dem.object.set(8, { tag: Tag.DoubleLongUnsigned, value: 0 }, ctx("management"))).toBe(DataAccessResult.otherReason);
    expect(dem.object.set(8, { tag: Tag.DoubleLongUnsigned, value: 300 }, ctx("management"))).toBe(DataAccessResult.success);
    expect(dem.object.action(1, { tag: Tag.Integer, value: 0 }, ctx("management")).result).toBe(ActionResult.success);
    expect(get(dem, 3)).toEqual({ tag: Tag.DoubleLongUnsigned, value: 0 });
    expect(canRead(dem.rights.reader?.attributes[1])).toBe(true);
    expect(dem.rights.reader?.methods[0]).toBe(0);
  });

  it("register monitor runs the up action when +P rises through a threshold and the down action when it falls back", () => {
    const rig = e32Rig([{ fromMs: 120000, toMs: 240000, phases: 7, set: { iRms: 20 } }], { ...NOMINAL, vRms: 230 });
    const svc = new MetrologyService({ ic: rig.driver(), store: new MemoryKeyValueStore(), events: new RecordingSink(), rtc: rig.time, defaultCalibration: defaultAtm90e32Calibration() });
    const scripts: ScriptRef[] = [];
    const up = { script: Obis.of(0, 0, 10, 0, 106, 255), selector: 1 };
    const down = { script: Obis.of(0, 0, 10, 0, 106, 255), selector: 2 };
    const rows = metrologyCatalog(svc, { nowUtc: () => rig.time.nowUtcMs(), runScript: (r) => scripts.push(r) });
    const mon = registerMonitorOf(rows)!;
    const entry = rows.find((r) => r.object === mon)!;
    expect(mon.set(2, { tag: Tag.Array, value: [{ tag: Tag.DoubleLongUnsigned, value: 8000 }] }, ctx("management"))).toBe(DataAccessResult.success);
    const actions = { tag: Tag.Array, value: [{ tag: Tag.Structure, value: [scriptData(up), scriptData(down)] }] } as Data;
    expect(mon.set(4, actions, ctx("management"))).toBe(DataAccessResult.success);
    expect(mon.set(2, { tag: Tag.Array, value: [{ tag: Tag.OctetString, value: new Uint8Array(1) }] }, ctx("management"))).toBe(DataAccessResult.typeUnmatched);
    const ran: string[] = [];
    for (let k = 0; k < 6; k++) {
      rig.time.t += 60000;
      svc.tick();
      for (const r of mon.evaluate()) ran.push(`${k}:${r.selector}`);
    }
    // 5520 W, then 11040 W from 2 to 4 min, then 5520 W again.
    expect(ran).toEqual(["1:1", "3:2"]);
    expect(scripts.map((s) => s.selector)).toEqual([1, 2]);
    expect(encodeData(get(entry, 4))).toEqual(encodeData(actions));
    expect(mon).toBeInstanceOf(RegisterMonitorObject);
    expect(canWrite(entry.rights.reader?.attributes[1])).toBe(false);
  });
});

function scriptData(r: ScriptRef): Data {
  return { tag: Tag.Structure, value: [{ tag: Tag.OctetString, value: r.script.toBytes() }, { tag: Tag.LongUnsigned, value: r.selector }] };
}
