/**
 * What the lab console's page asks of one meter, on top of the lab client's
 * own session and commands (no second DLMS implementation): the session is
 * opened with the console's connection options and every request goes
 * through one queue, because a DLMS association serves one request at a
 * time. Long jobs (image upload, conformance) run in the queue too and
 * report their progress for the page to poll.
 */
import { Tag, type Data } from "../../../src/cosem/axdr.js";
import { dateTimeFromUtcMs, dateTimeToBytes } from "../../../src/cosem/datetime.js";
import { Obis } from "../../../src/cosem/obis.js";
import { EVENT_LOGS } from "../../../src/storage/event-logs.js";
import type { LabOptions } from "../args.js";
import { darName, IMAGE_TRANSFER, objectList, profileCsv, readProfileRange, uploadImage } from "../commands.js";
import { runConformance, type CheckRow } from "../conformance.js";
import { captureHeader } from "../csv.js";
import { openSession, type OpenSession } from "../open.js";
import type { ListedObject } from "../object-list.js";
import type { LabSession } from "../session.js";
import { dateTimeUtc, formatData, parseValue } from "../values.js";
import { eventName } from "./event-names.js";

const CLOCK = Obis.of(0, 0, 1, 0, 0, 255);

/** The readings the live view shows, where the meter lists them. */
const LIVE_READINGS: readonly { obis: string; name: string }[] = [
  { obis: "1-0:1.8.0*255", name: "Active energy import (+A)" },
  { obis: "1-0:2.8.0*255", name: "Active energy export (−A)" },
  { obis: "1-0:1.7.0*255", name: "Active power import" },
  { obis: "1-0:2.7.0*255", name: "Active power export" },
  { obis: "1-0:32.7.0*255", name: "Voltage L1" },
  { obis: "1-0:52.7.0*255", name: "Voltage L2" },
  { obis: "1-0:72.7.0*255", name: "Voltage L3" },
  { obis: "1-0:31.7.0*255", name: "Current L1" },
  { obis: "1-0:51.7.0*255", name: "Current L2" },
  { obis: "1-0:71.7.0*255", name: "Current L3" },
  { obis: "1-0:14.7.0*255", name: "Frequency" },
];

/** Blue Book unit codes the readings use (Table "Enumerated values for physical units"). */
const UNITS: Record<number, string> = { 27: "W", 28: "VA", 29: "var", 30: "Wh", 31: "VAh", 32: "varh", 33: "A", 35: "V", 44: "Hz", 255: "" };

export interface Reading {
  obis: string;
  name: string;
  /** Scaled value, or undefined when the read failed. */
  value?: number;
  unit: string;
  error?: string;
}

export interface LiveView {
  meterUtcMs?: number;
  hostUtcMs: number;
  /** Meter clock minus host clock, seconds. */
  deviationS?: number;
  readings: Reading[];
}

export interface ProfileView {
  obis: string;
  header: string[];
  csv: string;
  /** Column 0: UTC ms of each entry; then one series per numeric column, as the CSV has it. */
  times: number[];
  series: { name: string; values: (number | null)[] }[];
}

export interface EventView {
  log: string;
  obis: string;
  utcMs?: number;
  time: string;
  code: number;
  name: string;
  value?: number;
}

export interface JobState {
  kind: "upload" | "conformance";
  running: boolean;
  done: number;
  total: number;
  message: string;
  error?: string;
  rows?: CheckRow[];
  /** Image Transfer image_transfer_status (attribute 6) after the job. */
  transferStatus?: number;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

export class MeterConsole {
  readonly #options: LabOptions;
  #open: OpenSession | undefined;
  #objects: ListedObject[] | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #lastError: string | undefined;
  job: JobState | undefined;

  constructor(options: LabOptions) {
    this.#options = options;
  }

  get connected(): boolean {
    return this.#open !== undefined;
  }

  status() {
    const o = this.#options;
    return {
      connected: this.connected,
      link: this.#open?.session.description ?? (o.serial ? `optical ${o.serial}` : `tcp ${o.tcp.host}:${o.tcp.port}`),
      auth: o.auth,
      clientSap: o.clientSap,
      objects: this.#objects?.length,
      error: this.#lastError,
    };
  }

  /** Runs `task` alone on the session, opening the association first if it is not open. */
  run<T>(task: (s: LabSession) => Promise<T>): Promise<Result<T>> {
    const next = this.#queue.then(async (): Promise<Result<T>> => {
      try {
        const session = await this.#session();
        return { ok: true, value: await task(session) };
      } catch (e) {
        const error = (e as Error).message;
        this.#lastError = error;
        // A broken link or a refused association: open it afresh next time.
        if (!(e instanceof MeterRefusal)) await this.disconnect(false);
        return { ok: false, error };
      }
    });
    this.#queue = next;
    return next;
  }

  async #session(): Promise<LabSession> {
    if (!this.#open) {
      this.#open = await openSession(this.#options);
      this.#lastError = undefined;
      this.#objects = await objectList(this.#open.session);
    }
    return this.#open.session;
  }

  async disconnect(viaQueue = true): Promise<void> {
    const close = async () => {
      const o = this.#open;
      this.#open = undefined;
      this.#objects = undefined;
      if (o) await o.close().catch(() => {});
    };
    if (viaQueue) {
      const next = this.#queue.then(close);
      this.#queue = next;
      await next;
    } else await close();
  }

  objects(): Promise<Result<ListedObject[]>> {
    return this.run(async () => this.#objects ?? []);
  }

  #classOf(ln: Obis): number {
    const o = this.#objects?.find((x) => x.logicalName.equals(ln));
    if (!o) throw new MeterRefusal(`${ln.toString()} is not in this association's object list`);
    return o.classId;
  }

  #listed(ln: Obis): boolean {
    return this.#objects?.some((x) => x.logicalName.equals(ln)) ?? false;
  }

  live(): Promise<Result<LiveView>> {
    return this.run(async (s) => {
      const view: LiveView = { hostUtcMs: Date.now(), readings: [] };
      const clock = await s.get(8, CLOCK, 2);
      if (clock.ok) {
        view.meterUtcMs = dateTimeUtc(clock.value);
        if (view.meterUtcMs !== undefined) view.deviationS = Math.round((view.meterUtcMs - view.hostUtcMs) / 100) / 10;
      }
      for (const r of LIVE_READINGS) {
        const ln = Obis.parse(r.obis);
        if (!this.#listed(ln)) continue;
        const cls = this.#classOf(ln);
        const [v, su] = [await s.get(cls, ln, 2), await s.get(cls, ln, 3)];
        const scaler = su.ok && su.value.tag === Tag.Structure ? Number((su.value.value as Data[])[0]?.value ?? 0) : 0;
        const unit = su.ok && su.value.tag === Tag.Structure ? (UNITS[Number((su.value.value as Data[])[1]?.value)] ?? "") : "";
        if (!v.ok) view.readings.push({ ...r, unit, error: v.code !== undefined ? darName(v.code) : v.error });
        else view.readings.push({ ...r, unit, value: Number(v.value.value) * 10 ** scaler });
      }
      return view;
    });
  }

  profile(obis: string, fromMs: number, toMs: number): Promise<Result<ProfileView>> {
    return this.run(async (s) => {
      const ln = Obis.parse(obis);
      const range = await readProfileRange(s, ln, fromMs, toMs);
      const csv = profileCsv(range);
      const times: number[] = [];
      const columns = range.header.length;
      const numeric: (number | null)[][] = Array.from({ length: columns }, () => []);
      for (const e of range.entries) {
        const cells = e.tag === Tag.Structure ? (e.value as Data[]) : [e];
        times.push(dateTimeUtc(cells[0]) ?? NaN);
        for (let c = 1; c < columns; c++) {
          const v = cells[c]?.value;
          numeric[c].push(typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : null);
        }
      }
      const series = [];
      for (let c = 1; c < columns; c++) if (numeric[c].some((v) => v !== null)) series.push({ name: range.header[c], values: numeric[c] });
      return { obis: ln.toString(), header: range.header, csv, times, series };
    });
  }

  /** Whole buffer of a (small) profile, such as the daily or billing profile, as table rows. */
  table(obis: string): Promise<Result<{ header: string[]; rows: string[][] }>> {
    return this.run(async (s) => {
      const ln = Obis.parse(obis);
      const cols = await s.get(7, ln, 3);
      if (!cols.ok) throw new MeterRefusal(`capture_objects of ${ln.toString()}: ${cols.code !== undefined ? darName(cols.code) : cols.error}`);
      const buf = await s.get(7, ln, 2);
      if (!buf.ok) throw new MeterRefusal(`buffer of ${ln.toString()}: ${buf.code !== undefined ? darName(buf.code) : buf.error}`);
      const rows = buf.value.tag === Tag.Array ? (buf.value.value as Data[]).map((r) => (r.tag === Tag.Structure ? (r.value as Data[]).map(formatData) : [formatData(r)])) : [];
      return { header: captureHeader(cols.value), rows };
    });
  }

  events(): Promise<Result<EventView[]>> {
    return this.run(async (s) => {
      const out: EventView[] = [];
      for (const spec of EVENT_LOGS) {
        if (!this.#listed(spec.logicalName)) continue;
        const buf = await s.get(7, spec.logicalName, 2);
        if (!buf.ok || buf.value.tag !== Tag.Array) continue;
        for (const row of buf.value.value as Data[]) {
          const cells = row.tag === Tag.Structure ? (row.value as Data[]) : [];
          const code = Number(cells[1]?.value);
          const value = cells[2] !== undefined && typeof cells[2].value === "number" ? cells[2].value : undefined;
          out.push({ log: spec.id, obis: spec.logicalName.toString(), utcMs: dateTimeUtc(cells[0]), time: cells[0] ? formatData(cells[0]) : "", code, name: eventName(spec.id, code), value });
        }
      }
      out.sort((a, b) => (a.utcMs ?? 0) - (b.utcMs ?? 0));
      return out;
    });
  }

  get(obis: string, attribute: number): Promise<Result<{ text: string; code?: number; codeName?: string }>> {
    return this.run(async (s) => {
      const ln = Obis.parse(obis);
      const r = await s.get(this.#classOf(ln), ln, attribute);
      if (r.ok) return { text: formatData(r.value) };
      if (r.code === undefined) throw new Error(r.error);
      return { text: "", code: r.code, codeName: darName(r.code) };
    });
  }

  set(obis: string, attribute: number, valueText: string): Promise<Result<{ code: number; codeName: string }>> {
    return this.run(async (s) => {
      const ln = Obis.parse(obis);
      let value: Data;
      try {
        value = parseValue(valueText);
      } catch (e) {
        throw new MeterRefusal((e as Error).message);
      }
      const code = await s.set(this.#classOf(ln), ln, attribute, value);
      return { code, codeName: darName(code) };
    });
  }

  /** Sets the meter's clock to the host's time (class 8 attribute 2). */
  syncClock(): Promise<Result<{ code: number; codeName: string }>> {
    return this.run(async (s) => {
      const value: Data = { tag: Tag.OctetString, value: dateTimeToBytes(dateTimeFromUtcMs(Date.now(), 0, 0)) };
      const code = await s.set(8, CLOCK, 2, value);
      return { code, codeName: darName(code) };
    });
  }

  /** Starts a conformance run in the queue; its rows appear in `job` as they come. */
  startConformance(): JobState {
    const job: JobState = { kind: "conformance", running: true, done: 0, total: 0, message: "running", rows: [] };
    this.job = job;
    void this.run(async (s) => {
      const rows = await runConformance(s, (row) => {
        job.rows!.push(row);
        job.done = job.rows!.length;
      });
      const failed = rows.filter((r) => r.verdict === "fail").length;
      job.message = `${rows.filter((r) => r.verdict === "pass").length} passed, ${failed} failed, ${rows.filter((r) => r.verdict === "skip").length} skipped`;
    }).then((r) => {
      job.running = false;
      if (!r.ok) job.error = r.error;
    });
    return job;
  }

  /** Starts an image upload in the queue (the lab's own Image Transfer sequence); progress in `job`. */
  startUpload(image: Uint8Array, name: string, activate: boolean): JobState {
    const job: JobState = { kind: "upload", running: true, done: 0, total: 0, message: "starting" };
    this.job = job;
    void this.run(async (s) => {
      const ln = Obis.parse(IMAGE_TRANSFER);
      try {
        job.message = await uploadImage(s, image, { imageId: name, activate, obis: ln }, (done, total, note) => {
          job.done = done;
          job.total = total;
          job.message = note;
        });
      } finally {
        const st = await s.get(18, ln, 6).catch(() => undefined);
        if (st?.ok && typeof st.value.value === "number") job.transferStatus = st.value.value;
      }
    }).then((r) => {
      job.running = false;
      if (!r.ok) job.error = r.error;
    });
    return job;
  }
}

/** A refusal by the meter or a bad request: the association stays open. */
class MeterRefusal extends Error {}
