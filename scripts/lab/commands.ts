/**
 * The lab's commands over a LabSession. Output goes through `out` (lines)
 * so that tests read what a user would see; failures are Errors with the
 * meter's answer in the message.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { Tag, type Data } from "../../src/cosem/axdr.js";
import { dateTimeFromUtcMs, dateTimeToBytes } from "../../src/cosem/datetime.js";
import { ActionResult, DataAccessResult } from "../../src/cosem/interface-class.js";
import { Obis } from "../../src/cosem/obis.js";
import type { LabOptions } from "./args.js";
import { bufferRows, captureHeader, headerLine } from "./csv.js";
import { parseObjectList, type ListedObject } from "./object-list.js";
import { ProgressBar } from "./progress.js";
import { CURRENT_ASSOCIATION, type LabSession } from "./session.js";
import { formatData, parseValue } from "./values.js";

export type Out = (line: string) => void;

export const darName = (code: number | undefined) =>
  code === undefined ? "no answer" : ((Object.keys(DataAccessResult) as (keyof typeof DataAccessResult)[]).find((k) => DataAccessResult[k] === code) ?? `result ${code}`);
const actName = (code: number) => (Object.keys(ActionResult) as (keyof typeof ActionResult)[]).find((k) => ActionResult[k] === code) ?? `result ${code}`;

const ACCESS = ["-", "r", "w", "rw", "R", "W", "RW"];

export async function objectList(session: LabSession): Promise<ListedObject[]> {
  const r = await session.get(15, Obis.parse(CURRENT_ASSOCIATION), 2);
  if (!r.ok) throw new Error(`object_list: ${r.code !== undefined ? darName(r.code) : r.error}`);
  return parseObjectList(r.value).objects;
}

export async function listCommand(session: LabSession, out: Out): Promise<void> {
  const objects = await objectList(session);
  out(`${"class".padEnd(5)} ${"ver".padEnd(3)} ${"logical name".padEnd(20)} attributes / methods`);
  for (const o of objects) {
    const attrs = o.attributes.map((a) => `${a.id}:${ACCESS[a.access] ?? a.access}`).join(" ");
    const methods = o.methods.map((m) => `${m.id}:${m.access ? "x" : "-"}`).join(" ");
    out(`${String(o.classId).padEnd(5)} ${String(o.version).padEnd(3)} ${o.logicalName.toString().padEnd(20)} ${attrs}${methods ? "  |  " + methods : ""}`);
  }
  out(`${objects.length} objects`);
}

/** Class id: given, or looked up in the object list (a GET names the class). */
async function classOf(session: LabSession, ln: Obis, given: number | undefined): Promise<number> {
  if (given !== undefined) return given;
  const o = (await objectList(session)).find((x) => x.logicalName.equals(ln));
  if (!o) throw new Error(`${ln.toString()} is not in this association's object list (give --class N to try anyway)`);
  return o.classId;
}

function attrNumber(s: string | undefined, fallback: number): number {
  if (s === undefined) return fallback;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1 || n > 127) throw new Error(`attribute/method index must be 1..127, not ${s}`);
  return n;
}

export async function getCommand(session: LabSession, o: LabOptions, out: Out): Promise<Data> {
  const ln = Obis.parse(o.args[0] ?? "");
  const attr = attrNumber(o.args[1], 2);
  const cls = await classOf(session, ln, o.classId);
  const r = await session.get(cls, ln, attr);
  if (!r.ok) throw new Error(`get ${ln.toString()} attr ${attr}: ${r.code !== undefined ? darName(r.code) : r.error}`);
  out(formatData(r.value));
  return r.value;
}

export async function setCommand(session: LabSession, o: LabOptions, out: Out): Promise<void> {
  const ln = Obis.parse(o.args[0] ?? "");
  const attr = attrNumber(o.args[1], 2);
  if (o.args[2] === undefined) throw new Error("set needs a value");
  const value = parseValue(o.args[2]);
  const cls = await classOf(session, ln, o.classId);
  const r = await session.set(cls, ln, attr, value);
  if (r !== DataAccessResult.success) throw new Error(`set ${ln.toString()} attr ${attr}: ${darName(r)}`);
  out("success");
}

export async function actionCommand(session: LabSession, o: LabOptions, out: Out): Promise<void> {
  const ln = Obis.parse(o.args[0] ?? "");
  const method = attrNumber(o.args[1], 1);
  const param: Data = o.args[2] !== undefined ? parseValue(o.args[2]) : { tag: Tag.Integer, value: 0 };
  const cls = await classOf(session, ln, o.classId);
  const r = await session.action(cls, ln, method, param);
  if (r.result !== ActionResult.success) throw new Error(`action ${ln.toString()} method ${method}: ${actName(r.result)}`);
  out(r.data ? formatData(r.data) : "success");
}

const dt = (ms: number): Data => ({ tag: Tag.OctetString, value: dateTimeToBytes(dateTimeFromUtcMs(ms, 0, 0)) });

/**
 * Range selective access (selector 1) on the clock column: restricting
 * object {8, 0-0:1.0.0*255, attr 2, data index 0}, from, to, all columns.
 */
function rangeSelection(fromMs: number, toMs: number): { selector: number; parameters: Data } {
  return {
    selector: 1,
    parameters: {
      tag: Tag.Structure,
      value: [
        {
          tag: Tag.Structure,
          value: [
            { tag: Tag.LongUnsigned, value: 8 },
            { tag: Tag.OctetString, value: Obis.of(0, 0, 1, 0, 0, 255).toBytes() },
            { tag: Tag.Integer, value: 2 },
            { tag: Tag.LongUnsigned, value: 0 },
          ],
        },
        dt(fromMs),
        dt(toMs),
        { tag: Tag.Array, value: [] },
      ],
    },
  };
}

function isoMs(name: string, s: string | undefined): number {
  const ms = s === undefined ? NaN : Date.parse(s);
  if (Number.isNaN(ms)) throw new Error(`${name} takes an ISO date-time such as 2026-01-14T00:00:00Z`);
  return ms;
}

/** A profile range as the lab writes it: the CSV header from capture_objects and one CSV line per entry, with the entries themselves. */
export interface ProfileRange {
  header: string[];
  rows: string[];
  entries: Data[];
}

/**
 * Downloads a profile range in slices of about a day of entries, one range
 * GET each, so progress moves with the data (the DLMS client reports nothing
 * inside one long GET) and a broken link loses one slice, not all. Ranges
 * are inclusive at both ends: slices end 1 s before the next begins.
 */
export async function readProfileRange(session: LabSession, ln: Obis, from: number, to: number, onSlice: (done: number, total: number, entries: number) => void = () => {}): Promise<ProfileRange> {
  if (to < from) throw new Error("--to is before --from");
  const cols = await session.get(7, ln, 3);
  if (!cols.ok) throw new Error(`capture_objects of ${ln.toString()}: ${cols.code !== undefined ? darName(cols.code) : cols.error}`);
  const period = await session.get(7, ln, 4);
  const periodS = period.ok && typeof period.value.value === "number" && period.value.value > 0 ? period.value.value : 0;
  const sliceMs = periodS > 0 ? periodS * 1000 * 96 : 86400000;
  const slices = Math.max(1, Math.ceil((to - from + 1) / sliceMs));
  const rows: string[] = [];
  const entries: Data[] = [];
  for (let i = 0; i < slices; i++) {
    const a = from + i * sliceMs;
    const b = Math.min(to, a + sliceMs - 1000);
    const r = await session.get(7, ln, 2, rangeSelection(a, b));
    if (!r.ok) throw new Error(`buffer of ${ln.toString()}: ${r.code !== undefined ? darName(r.code) : r.error}`);
    for (const row of bufferRows(r.value)) rows.push(row);
    if (r.value.tag === Tag.Array) for (const e of r.value.value as Data[]) entries.push(e);
    onSlice(i + 1, slices, rows.length);
  }
  return { header: captureHeader(cols.value), rows, entries };
}

/** The CSV text of a profile range, exactly as `profile --out` writes it. */
export function profileCsv(range: ProfileRange): string {
  return [headerLine(range.header), ...range.rows].join("\n") + "\n";
}

export async function profileCommand(session: LabSession, o: LabOptions, out: Out): Promise<number> {
  const ln = Obis.parse(o.args[0] ?? "1-0:99.1.0*255");
  const from = isoMs("--from", o.from);
  const to = isoMs("--to", o.to);
  let bar: ProgressBar | undefined;
  const range = await readProfileRange(session, ln, from, to, (done, total, entries) => {
    bar ??= new ProgressBar("profile", total);
    bar.update(done, `${entries} entries`);
  });
  bar?.done(`${range.rows.length} entries`);
  const csv = profileCsv(range);
  if (o.out) writeFileSync(o.out, csv);
  else for (const l of csv.slice(0, -1).split("\n")) out(l);
  return range.rows.length;
}

export const IMAGE_TRANSFER = "0-0:44.0.0*255";

export interface UploadOptions {
  obis: Obis;
  imageId: string;
  blockSize?: number;
  activate: boolean;
}

/**
 * Image transfer (class 18), as Blue Book 4.4.6.4 has a client do it:
 * initiate with identifier and size (the same identifier and size resume a
 * transfer the meter already has), read image_transferred_blocks_status
 * (attribute 3) and image_first_not_transferred_block_number (attribute 4),
 * send the blocks the meter does not have, and read them again after the
 * last block: a meter may drop blocks it already had (it erases a sector
 * that held an older image), so the client resends until every block is in
 * and only then asks for verification; then activation on request. A block
 * the meter refuses stops the upload with its result. Progress is reported per
 * block; the result is the lines the lab prints.
 */
export async function uploadImage(session: LabSession, image: Uint8Array, o: UploadOptions, progress: (done: number, total: number, note: string) => void = () => {}): Promise<string> {
  const ln = o.obis;
  const enabled = await session.get(18, ln, 5);
  if (enabled.ok && enabled.value.tag === Tag.Boolean && enabled.value.value === false) throw new Error("image transfer is disabled on the meter (attribute 5)");
  const sizeAttr = await session.get(18, ln, 2);
  const meterBlock = sizeAttr.ok && typeof sizeAttr.value.value === "number" ? sizeAttr.value.value : 0;
  const block = o.blockSize ?? meterBlock;
  if (!(block > 0)) throw new Error("the meter did not give image_block_size; pass --block-size");
  const id = Uint8Array.from(o.imageId.slice(0, 32), (c) => c.charCodeAt(0) & 0xff);
  const st = (v: Data[]): Data => ({ tag: Tag.Structure, value: v });
  const init = await session.action(18, ln, 1, st([{ tag: Tag.OctetString, value: id }, { tag: Tag.DoubleLongUnsigned, value: image.length }]));
  if (init.result !== ActionResult.success) throw new Error(`image_transfer_initiate: ${actName(init.result)}`);
  const blocks = Math.ceil(image.length / block);
  let missing = await missingBlocks(session, ln, blocks);
  const resumed = missing.length < blocks ? `resuming: the meter has ${blocks - missing.length} of ${blocks} blocks\n` : "";
  let sent = 0;
  let resent = 0;
  // Each round sends what the meter lacks; a round that leaves as many
  // blocks missing as before means the meter keeps dropping them: give up.
  for (let round = 0; missing.length > 0; round++) {
    if (round > 0) resent += missing.length;
    for (const n of missing) {
      const chunk = image.subarray(n * block, Math.min(image.length, (n + 1) * block));
      const r = await session.action(18, ln, 2, st([{ tag: Tag.DoubleLongUnsigned, value: n }, { tag: Tag.OctetString, value: chunk }]));
      if (r.result !== ActionResult.success) throw new Error(`image_block_transfer ${n}: ${actName(r.result)}`);
      sent++;
      progress(Math.min(blocks, blocks - missing.length + sent), blocks, `block ${n + 1}/${blocks}`);
    }
    const before = missing.length;
    missing = await missingBlocks(session, ln, blocks);
    sent = 0;
    if (missing.length >= before && round > 0) throw new Error(`the meter still lacks ${missing.length} blocks after ${round + 1} rounds (first ${missing[0]})`);
  }
  let verify = await session.action(18, ln, 3, { tag: Tag.Integer, value: 0 });
  // Verification may take the meter a while: temporary-failure means "ask again".
  for (let tries = 0; verify.result === ActionResult.temporaryFailure && tries < 20; tries++) {
    await new Promise((r) => setTimeout(r, 500));
    verify = await session.action(18, ln, 3, { tag: Tag.Integer, value: 0 });
  }
  if (verify.result !== ActionResult.success) throw new Error(`image_verify: ${actName(verify.result)}`);
  let result = `${resumed}image verified (${image.length} bytes, ${blocks} blocks of ${block}${resent > 0 ? `, ${resent} sent again` : ""})`;
  if (o.activate) {
    const act = await session.action(18, ln, 4, { tag: Tag.Integer, value: 0 });
    if (act.result !== ActionResult.success) throw new Error(`image_activate: ${actName(act.result)}`);
    result += "\nimage activated";
  }
  return result;
}

export async function uploadCommand(session: LabSession, o: LabOptions, out: Out): Promise<void> {
  const file = o.args[0];
  if (!file) throw new Error("upload needs an image file");
  const image = new Uint8Array(readFileSync(file));
  let bar: ProgressBar | undefined;
  const result = await uploadImage(session, image, { obis: Obis.parse(o.args[1] ?? IMAGE_TRANSFER), imageId: o.imageId ?? file.replace(/^.*\//, ""), blockSize: o.blockSize, activate: o.activate }, (done, total, note) => {
    bar ??= new ProgressBar("upload", total);
    bar.update(done, note);
  });
  bar?.done();
  for (const line of result.split("\n")) out(line);
}

/**
 * The blocks the meter lacks, from image_transferred_blocks_status
 * (attribute 3), cross-checked with image_first_not_transferred_block_number
 * (attribute 4): a meter whose bit-string is absent or shorter than the
 * image gets every block from attribute 4 on.
 */
async function missingBlocks(session: LabSession, ln: Obis, blocks: number): Promise<number[]> {
  const first = await session.get(18, ln, 4);
  const from = first.ok && typeof first.value.value === "number" ? Math.min(first.value.value, blocks) : 0;
  const bits = await session.get(18, ln, 3);
  const out: number[] = [];
  if (bits.ok && bits.value.tag === Tag.BitString && bits.value.value.length >= blocks) {
    const b = bits.value.value.bytes;
    for (let n = from; n < blocks; n++) if (!(b[n >> 3] & (0x80 >> (n & 7)))) out.push(n);
  } else {
    for (let n = from; n < blocks; n++) out.push(n);
  }
  return out;
}
