import { describe, expect, it } from "vitest";
import { decodeData, Tag, type Data } from "../../../src/cosem/axdr.js";
import * as account from "../../../src/cosem/classes/account.js";
import * as activityCalendar from "../../../src/cosem/classes/activity-calendar.js";
import * as associationLn from "../../../src/cosem/classes/association-ln.js";
import * as charge from "../../../src/cosem/classes/charge.js";
import * as clock from "../../../src/cosem/classes/clock.js";
import * as credit from "../../../src/cosem/classes/credit.js";
import * as data from "../../../src/cosem/classes/data.js";
import * as demandRegister from "../../../src/cosem/classes/demand-register.js";
import * as disconnectControl from "../../../src/cosem/classes/disconnect-control.js";
import * as extendedRegister from "../../../src/cosem/classes/extended-register.js";
import * as iecHdlcSetup from "../../../src/cosem/classes/iec-hdlc-setup.js";
import * as iecLocalPortSetup from "../../../src/cosem/classes/iec-local-port-setup.js";
import * as imageTransfer from "../../../src/cosem/classes/image-transfer.js";
import * as limiter from "../../../src/cosem/classes/limiter.js";
import * as profileGeneric from "../../../src/cosem/classes/profile-generic.js";
import * as pushSetup from "../../../src/cosem/classes/push-setup.js";
import * as registerActivation from "../../../src/cosem/classes/register-activation.js";
import * as registerMonitor from "../../../src/cosem/classes/register-monitor.js";
import * as register from "../../../src/cosem/classes/register.js";
import * as sapAssignment from "../../../src/cosem/classes/sap-assignment.js";
import * as scriptTable from "../../../src/cosem/classes/script-table.js";
import * as securitySetup from "../../../src/cosem/classes/security-setup.js";
import * as singleActionSchedule from "../../../src/cosem/classes/single-action-schedule.js";
import * as specialDaysTable from "../../../src/cosem/classes/special-days-table.js";
import * as tcpUdpSetup from "../../../src/cosem/classes/tcp-udp-setup.js";
import * as tokenGateway from "../../../src/cosem/classes/token-gateway.js";
import { writeObjectListElement } from "../../../src/cosem/classes/association-ln.js";
import { acceptsWrite, ActionResult, attributeName, canRead, canWrite, classTable, defineClass, ROLES, type AccessContext, type ClassTable, type CosemObject } from "../../../src/cosem/interface-class.js";
import { SimBoard } from "../../../scripts/simulator/board.js";

/**
 * Issue 18: every interface class is one table (defineClass), and what the
 * server says about a class follows from it. Checked here on every class
 * module (each exported class has its own frozen table) and on every row
 * of the booted sim-board meter's catalog: the constants, each role's
 * rights, the object_list element the server encodes, and the type of
 * every value a GET answers.
 */

const MODULES: Record<string, Record<string, unknown>> = {
  account,
  activityCalendar,
  associationLn,
  charge,
  clock,
  credit,
  data,
  demandRegister,
  disconnectControl,
  extendedRegister,
  iecHdlcSetup,
  iecLocalPortSetup,
  imageTransfer,
  limiter,
  profileGeneric,
  pushSetup,
  registerActivation,
  registerMonitor,
  register,
  sapAssignment,
  scriptTable,
  securitySetup,
  singleActionSchedule,
  specialDaysTable,
  tcpUdpSetup,
  tokenGateway,
};

/** The exported interface classes of a module: constructors whose prototype has get, set and action. */
function classesOf(mod: Record<string, unknown>): [string, { prototype: Record<string, unknown> }][] {
  const out: [string, { prototype: Record<string, unknown> }][] = [];
  for (const [name, v] of Object.entries(mod)) {
    if (typeof v !== "function" || !v.prototype) continue;
    const p = v.prototype as Record<string, unknown>;
    if (typeof p.get === "function" && typeof p.set === "function" && typeof p.action === "function") out.push([name, v as { prototype: Record<string, unknown> }]);
  }
  return out;
}

const T0 = Date.UTC(2026, 0, 14, 9, 0);
const CTX: AccessContext = { role: "management", clientSap: 1, nowUtcMs: T0 };

describe("interface class tables", () => {
  it("every class module defines each of its classes through a frozen table, with the constants that follow from it", () => {
    const ids = new Set<number>();
    for (const [file, mod] of Object.entries(MODULES)) {
      const classes = classesOf(mod);
      expect(classes.length, file).toBeGreaterThan(0);
      for (const [name, ctor] of classes) {
        const p = ctor.prototype;
        const t = Object.getOwnPropertyDescriptor(p, "classTable")?.value as ClassTable | undefined;
        expect(t, `${file}.${name} has no class table`).toBeDefined();
        if (!t) continue;
        expect(Object.isFrozen(t) && Object.isFrozen(t.attributes) && Object.isFrozen(t.selectors) && Object.isFrozen(t.methods)).toBe(true);
        for (const s of t.selectors) expect(Object.isFrozen(s)).toBe(true);
        expect([p.classId, p.version, p.attributeCount, p.methodCount]).toEqual([t.classId, t.version, t.attributes.length, t.methods.length]);
        // One entry per attribute in every column.
        expect([t.types.length, t.selectors.length]).toEqual([t.attributes.length, t.attributes.length]);
        expect(t.writable >>> t.attributes.length, `${name}: writable bits past the last attribute`).toBe(0);
        expect([attributeName(t, 1), t.types.charCodeAt(0), acceptsWrite(t, 1), t.selectors[0]]).toEqual(["logical_name", Tag.OctetString, false, []]);
        const names = t.attributes.map((_, i) => attributeName(t, i + 1));
        expect(new Set(names).size, `${name}: attribute names repeat`).toBe(t.attributes.length);
        if (t.methods.length === 0) {
          // A class without methods answers every ACTION object-undefined (defineClass's action()).
          const action = p.action as CosemObject["action"];
          for (const m of [0, 1, 2, 255]) expect(action.call(p, m, undefined, CTX), `${name} method ${m}`).toEqual({ result: ActionResult.objectUndefined });
        }
        ids.add(t.classId);
      }
    }
    // The 26 files hold 26 Blue Book classes (Profile Generic's capture target shares class 7's table).
    expect(ids.size).toBe(26);
  });

  it("defineClass refuses a class that declares methods without an action()", () => {
    abstract class NoAction {}
    const table = classTable({ classId: 9999, version: 0, attributes: [], methods: ["m1"] });
    expect(() => defineClass(NoAction as unknown as abstract new () => CosemObject, table)).toThrow(/has methods but no action/);
    abstract class Plain {}
    defineClass(Plain as unknown as abstract new () => CosemObject, classTable({ classId: 9998, version: 0, attributes: [] }));
    expect((Plain.prototype as CosemObject).action(1, undefined, CTX)).toEqual({ result: ActionResult.objectUndefined });
  });

  it("the booted meter's catalog agrees with the tables: constants, rights, object_list and value types", () => {
    const board = new SimBoard({ startUtcMs: T0 });
    const meter = board.boot();
    board.clock.advance(60_000);
    const rows = meter.dlms!.server.directory.entries;
    expect(rows.length).toBeGreaterThan(100);
    const ctx: AccessContext = { role: "management", clientSap: 1, nowUtcMs: T0 + 60_000 };
    const scratch = new Uint8Array(1024);
    const classes = new Set<number>();
    let values = 0;
    for (const row of rows) {
      const o = row.object;
      const t = o.classTable;
      const where = `${o.logicalName.toString()} (class ${t.classId})`;
      classes.add(t.classId);
      expect([o.classId, o.version, o.attributeCount, o.methodCount], where).toEqual([t.classId, t.version, t.attributes.length, t.methods.length]);
      for (const role of ROLES) {
        const r = row.rights[role];
        if (!r) continue;
        expect([r.attributes.length, r.methods.length], `${where} ${role}`).toEqual([t.attributes.length, t.methods.length]);
        r.attributes.forEach((access, i) => {
          if (canWrite(access)) expect(acceptsWrite(t, i + 1), `${where} ${role} may write ${attributeName(t, i + 1)}`).toBe(true);
        });
        // The object_list element the server sends this role, decoded: class, version and one entry per table row.
        const end = writeObjectListElement(scratch, 0, o, r);
        const [cls, version, name, rights] = (decodeData(scratch.subarray(0, end)).value as Data[]).map((d) => d.value) as [number, number, Uint8Array, Data[]];
        expect([cls, version, Array.from(name)], where).toEqual([t.classId, t.version, Array.from(o.logicalName.toBytes())]);
        const [attributeAccess, methodAccess] = rights.map((d) => d.value as Data[]);
        expect(attributeAccess.length, where).toBe(t.attributes.length);
        expect(methodAccess.length, where).toBe(t.methods.length);
        attributeAccess.forEach((d, i) => {
          const [id, mode, selectors] = d.value as Data[];
          expect([id.value, mode.value], `${where} attribute ${i + 1}`).toEqual([i + 1, r.attributes[i]]);
          const sel = selectors.tag === Tag.NullData ? [] : (selectors.value as Data[]).map((s) => s.value);
          expect(sel, `${where} ${attributeName(t, i + 1)} selectors`).toEqual([...t.selectors[i]]);
        });
      }
      // Each value the class answers has the type its table states (a CHOICE, 255, may be any).
      const reader = row.rights.management ?? row.rights.reader ?? row.rights.public ?? row.rights.firmware;
      for (let a = 2; a <= t.attributes.length; a++) {
        const type = t.types.charCodeAt(a - 1);
        if (type === 255 || !reader || !canRead(reader.attributes[a - 1])) continue;
        const got = o.get(a, ctx);
        if (!got.ok) continue;
        const tag = "kind" in got.value ? decodeData(drain(got.value)).tag : got.value.tag;
        expect(tag, `${where} ${attributeName(t, a)}`).toBe(type);
        values++;
      }
    }
    // The sim board's catalog has most classes; the few it lacks (prepayment) are checked by the first test.
    expect(classes.size).toBeGreaterThanOrEqual(20);
    expect(values).toBeGreaterThan(100);
  });
});

function drain(s: { next(max: number): Uint8Array | undefined }): Uint8Array {
  const parts: number[] = [];
  for (let p = s.next(4096); p; p = s.next(4096)) for (const b of p) parts.push(b);
  return Uint8Array.from(parts);
}
