/**
 * `lab conformance`: a self-test that walks what a lab checks on a meter
 * before anything else — the link, the association, the object list, then
 * every listed object: logical_name matches, every attribute the rights
 * say is readable reads, every one they deny is refused, every writable one
 * takes its own value back, every non-writable one refuses it, every method
 * the rights deny is refused. Methods the rights allow are not invoked (a
 * disconnect or a clock preset has effects); they are listed as skipped.
 */
import { Tag, type Data } from "../../src/cosem/axdr.js";
import { Obis } from "../../src/cosem/obis.js";
import { DataAccessResult, ActionResult } from "../../src/cosem/interface-class.js";
import { canReadMode, canWriteMode, parseObjectList, type ListedObject } from "./object-list.js";
import { CURRENT_ASSOCIATION, type LabSession } from "./session.js";

export type Verdict = "pass" | "fail" | "skip";

export interface CheckRow {
  area: string;
  item: string;
  verdict: Verdict;
  detail: string;
}

/** Attributes that cannot be written back unchanged: time moves on between the read and the write. */
const NOT_WRITTEN_BACK = new Set(["8/2"]);

const dataResult = (code: number | undefined) => (code === undefined ? "link error" : (Object.keys(DataAccessResult) as (keyof typeof DataAccessResult)[]).find((k) => DataAccessResult[k] === code) ?? `result ${code}`);
const actionResult = (code: number) => (Object.keys(ActionResult) as (keyof typeof ActionResult)[]).find((k) => ActionResult[k] === code) ?? `result ${code}`;

/** The refusals a meter may give for a right it does not grant. */
const DENIED = new Set<number>([DataAccessResult.readWriteDenied, DataAccessResult.scopeOfAccessViolated, DataAccessResult.objectUnavailable]);

export async function runConformance(session: LabSession, onRow: (row: CheckRow) => void = () => {}): Promise<CheckRow[]> {
  const rows: CheckRow[] = [];
  const add = (area: string, item: string, verdict: Verdict, detail: string) => {
    const r = { area, item, verdict, detail };
    rows.push(r);
    onRow(r);
  };
  add("transport", session.description, "pass", "link up");
  add("association", "established", "pass", "AARE accepted");

  const listed = await session.get(15, Obis.parse(CURRENT_ASSOCIATION), 2);
  if (!listed.ok) {
    add("association", "object_list", "fail", `get failed: ${listed.code !== undefined ? dataResult(listed.code) : listed.error}`);
    return rows;
  }
  const { objects, problems } = parseObjectList(listed.value);
  add("association", "object_list", problems.length === 0 && objects.length > 0 ? "pass" : "fail", problems.length ? problems.join("; ") : `${objects.length} objects`);

  for (const o of objects) await checkObject(session, o, add);

  const unknown = await session.get(1, Obis.of(0, 0, 96, 99, 99, 255), 2);
  const undefinedOk = !unknown.ok && unknown.code === DataAccessResult.objectUndefined;
  add("association", "unlisted object refused", undefinedOk ? "pass" : "fail", unknown.ok ? "answered a value" : dataResult(unknown.code));
  return rows;
}

async function checkObject(session: LabSession, o: ListedObject, add: (area: string, item: string, v: Verdict, d: string) => void): Promise<void> {
  const name = `${o.logicalName.toString()} (class ${o.classId})`;
  const ln = await session.get(o.classId, o.logicalName, 1);
  const lnOk = ln.ok && ln.value.tag === Tag.OctetString && Obis.fromBytes(ln.value.value as Uint8Array).equals(o.logicalName);
  add(name, "attr 1 logical_name", lnOk ? "pass" : "fail", ln.ok ? "" : dataResult(ln.code));

  for (const a of o.attributes) {
    if (a.id === 1) continue;
    const item = `attr ${a.id}`;
    const got = await session.get(o.classId, o.logicalName, a.id);
    let value: Data | undefined;
    if (canReadMode(a.access)) {
      if (got.ok) value = got.value;
      add(name, `${item} read`, got.ok ? "pass" : "fail", got.ok ? "" : `expected a value, got ${dataResult(got.code)}`);
    } else {
      const refused = !got.ok && got.code !== undefined && DENIED.has(got.code);
      add(name, `${item} read refused`, refused ? "pass" : "fail", got.ok ? "answered a value without the right" : dataResult(got.code));
    }
    if (value === undefined) continue;
    if (NOT_WRITTEN_BACK.has(`${o.classId}/${a.id}`)) {
      add(name, `${item} write`, "skip", "not written back (time-dependent)");
      continue;
    }
    const result = await session.set(o.classId, o.logicalName, a.id, value);
    if (canWriteMode(a.access)) {
      // The check is about the right: a refusal of the value itself (type, range) still shows the write was allowed.
      const denied = DENIED.has(result);
      add(name, `${item} write back`, denied ? "fail" : "pass", result === DataAccessResult.success ? "" : denied ? `right listed but ${dataResult(result)}` : `allowed; value refused (${dataResult(result)})`);
    } else {
      add(name, `${item} write refused`, DENIED.has(result) ? "pass" : "fail", result === DataAccessResult.success ? "accepted a write without the right" : dataResult(result));
    }
  }

  for (const m of o.methods) {
    const item = `method ${m.id}`;
    if (m.access !== 0) {
      add(name, item, "skip", "allowed; not invoked (side effects)");
      continue;
    }
    const r = await session.action(o.classId, o.logicalName, m.id, { tag: Tag.Integer, value: 0 });
    const refused = r.result === ActionResult.readWriteDenied || r.result === ActionResult.scopeOfAccessViolated || r.result === ActionResult.objectUnavailable;
    add(name, `${item} refused`, refused ? "pass" : "fail", r.result === ActionResult.success ? "invoked without the right" : actionResult(r.result));
  }
}

/** The pass/fail table as text, failures first in the summary line. */
export function formatTable(rows: CheckRow[]): string {
  const w0 = Math.max(4, ...rows.map((r) => r.area.length));
  const w1 = Math.max(4, ...rows.map((r) => r.item.length));
  const mark = (v: Verdict) => (v === "pass" ? "PASS" : v === "fail" ? "FAIL" : "skip");
  const lines = [`${"area".padEnd(w0)}  ${"item".padEnd(w1)}  ${"".padEnd(4)}  detail`, `${"-".repeat(w0)}  ${"-".repeat(w1)}  ----  ------`];
  for (const r of rows) lines.push(`${r.area.padEnd(w0)}  ${r.item.padEnd(w1)}  ${mark(r.verdict)}  ${r.detail}`);
  const count = (v: Verdict) => rows.filter((r) => r.verdict === v).length;
  lines.push("", `${count("pass")} passed, ${count("fail")} failed, ${count("skip")} skipped`);
  return lines.join("\n");
}
