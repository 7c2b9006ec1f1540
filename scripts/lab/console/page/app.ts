/**
 * The lab console page. Everything it shows comes from the console server's
 * JSON API, which is the lab client's own session; nothing here speaks DLMS.
 * The chart and the last profile are kept on `window.meterConsole` so that a
 * browser test (and a curious user) can read exactly what was drawn.
 */
import uPlot from "uplot";

type Result<T> = { ok: true; value: T } | { ok: false; error: string };

interface ProfileView {
  obis: string;
  header: string[];
  csv: string;
  times: number[];
  series: { name: string; values: (number | null)[] }[];
}

interface JobState {
  kind: string;
  running: boolean;
  done: number;
  total: number;
  message: string;
  error?: string;
  rows?: { area: string; item: string; verdict: string; detail: string }[];
  transferStatus?: number;
}

const state: { chart?: uPlot; profile?: ProfileView; meterUtcMs?: number; transferStatusNames: Record<number, string> } = { transferStatusNames: {} };
(window as unknown as { meterConsole: typeof state }).meterConsole = state;

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

function showError(message: string | undefined): void {
  const f = $("error");
  f.hidden = !message;
  f.textContent = message ?? "";
}

async function api<T>(path: string, init?: RequestInit): Promise<Result<T>> {
  try {
    const r = await fetch(path, init);
    const j = (await r.json()) as Result<T>;
    showError(j.ok ? undefined : j.error);
    return j;
  } catch (e) {
    showError(`console server: ${(e as Error).message}`);
    return { ok: false, error: (e as Error).message };
  }
}

async function refreshStatus(): Promise<void> {
  const r = await fetch("/api/status").then((x) => x.json() as Promise<{ connected: boolean; link: string; auth: string; clientSap: number; objects?: number; error?: string; transferStatusNames: Record<number, string> }>);
  state.transferStatusNames = r.transferStatusNames;
  const badge = $("conn-state");
  badge.textContent = r.connected ? "associated" : "not associated";
  badge.className = `badge ${r.connected ? "on" : "off"}`;
  $("conn-link").textContent = `${r.link}${r.connected ? "" : ` · ${r.auth}`} · client SAP ${r.clientSap}${r.objects !== undefined ? ` · ${r.objects} objects` : ""}${r.error ? ` · last error: ${r.error}` : ""}`;
}

// ---- views

const loaders: Record<string, () => void> = {};

function select(view: string): void {
  for (const b of document.querySelectorAll<HTMLButtonElement>("nav button")) b.classList.toggle("active", b.dataset.view === view);
  for (const s of document.querySelectorAll<HTMLElement>("section.view")) s.hidden = s.id !== `view-${view}`;
  loaders[view]?.();
}

// Live readings

let liveTimer: number | undefined;

async function loadLive(): Promise<void> {
  const r = await api<{ meterUtcMs?: number; deviationS?: number; readings: { obis: string; name: string; value?: number; unit: string; error?: string }[] }>("/api/live");
  await refreshStatus();
  if (!r.ok) return;
  const v = r.value;
  state.meterUtcMs = v.meterUtcMs;
  $("live-clock").textContent = v.meterUtcMs !== undefined ? new Date(v.meterUtcMs).toISOString().replace(".000", "") : "unknown";
  $("live-deviation").textContent = v.deviationS !== undefined ? `${v.deviationS > 0 ? "+" : ""}${v.deviationS} s` : "–";
  $("live-table").querySelector("tbody")!.innerHTML = v.readings
    .map((x) => `<tr data-obis="${esc(x.obis)}"><td>${esc(x.obis)}</td><td>${esc(x.name)}</td><td class="num">${x.value !== undefined ? x.value.toFixed(3) : `<span class="result bad">${esc(x.error ?? "")}</span>`}</td><td>${esc(x.unit)}</td></tr>`)
    .join("");
}

function scheduleLive(): void {
  if (liveTimer !== undefined) clearInterval(liveTimer);
  const period = Number($<HTMLSelectElement>("live-period").value);
  liveTimer = period > 0 ? window.setInterval(() => void loadLive(), period) : undefined;
}

loaders.live = () => void loadLive();
$("live-period").addEventListener("change", scheduleLive);
$("live-now").addEventListener("click", () => void loadLive());
$("clock-sync").addEventListener("click", async () => {
  const r = await api<{ code: number; codeName: string }>("/api/clock-sync", { method: "POST" });
  const out = $("clock-result");
  out.textContent = r.ok ? r.value.codeName : r.error;
  out.className = `result ${r.ok && r.value.code === 0 ? "" : "bad"}`;
  void loadLive();
});

// Load profile

const isoLocalInput = (ms: number) => new Date(ms).toISOString().slice(0, 16);

async function loadProfileChoices(): Promise<void> {
  const sel = $<HTMLSelectElement>("profile-obis");
  if (sel.options.length > 0) return;
  const r = await api<{ classId: number; obis: string }[]>("/api/objects");
  if (!r.ok) return;
  for (const o of r.value.filter((x) => x.classId === 7 && !x.obis.startsWith("0-0:99.9"))) sel.add(new Option(o.obis, o.obis, o.obis === "1-0:99.1.0*255", o.obis === "1-0:99.1.0*255"));
  // The last day by the meter's own clock, which a lab meter may run far from ours.
  const now = state.meterUtcMs ?? Date.now();
  if (!$<HTMLInputElement>("profile-from").value) {
    $<HTMLInputElement>("profile-from").value = isoLocalInput(now - 86400000);
    $<HTMLInputElement>("profile-to").value = isoLocalInput(now);
  }
}

async function drawProfile(): Promise<void> {
  const obis = $<HTMLSelectElement>("profile-obis").value || "1-0:99.1.0*255";
  const from = `${$<HTMLInputElement>("profile-from").value}:00Z`;
  const to = `${$<HTMLInputElement>("profile-to").value}:00Z`;
  $("profile-info").textContent = "reading…";
  const r = await api<ProfileView>(`/api/profile?obis=${encodeURIComponent(obis)}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
  if (!r.ok) {
    $("profile-info").textContent = "";
    return;
  }
  const p = r.value;
  state.profile = p;
  $("profile-info").textContent = `${p.times.length} entries`;
  const link = $<HTMLAnchorElement>("profile-csv");
  if (link.href) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([p.csv], { type: "text/csv" }));
  link.hidden = false;
  const el = $("profile-chart");
  state.chart?.destroy();
  const energy = p.series.findIndex((s) => s.name.startsWith("1-0:1.8.0"));
  const shownFirst = energy >= 0 ? energy : 0;
  const palette = ["#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#0a7ea4"];
  const opts: uPlot.Options = {
    width: Math.max(600, el.clientWidth || 900),
    height: 360,
    // Energy import shows first; the status word and the other registers are a click on the legend away.
    series: [{ label: "time" }, ...p.series.map((s, i) => ({ label: s.name, stroke: palette[i % palette.length], width: 1.5, show: i === shownFirst }))],
    axes: [{}, { label: "stored value (scaler: capture_objects)", size: 70 }],
    scales: { x: { time: true } },
  };
  const data = [p.times.map((t) => t / 1000), ...p.series.map((s) => s.values)] as uPlot.AlignedData;
  state.chart = new uPlot(opts, data, el);
}

loaders.profile = () => void loadProfileChoices();
$("profile-draw").addEventListener("click", () => void drawProfile());

// Daily and billing profiles

async function loadTable(obis: string, into: string): Promise<void> {
  const r = await api<{ header: string[]; rows: string[][] }>(`/api/table?obis=${encodeURIComponent(obis)}`);
  const el = $(into);
  if (!r.ok) {
    el.innerHTML = `<p class="result bad">${esc(r.error)}</p>`;
    return;
  }
  el.innerHTML =
    `<table class="grid"><thead><tr>${r.value.header.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>` +
    (r.value.rows.length === 0 ? `<tr><td colspan="${r.value.header.length}">no entries yet</td></tr>` : r.value.rows.map((row) => `<tr>${row.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`).join("")) +
    "</tbody></table>";
}

loaders.billing = () => {
  void loadTable("1-0:99.2.0*255", "daily-table").then(() => loadTable("1-0:98.1.0*255", "billing-table"));
};

// Events

interface EventView {
  log: string;
  utcMs?: number;
  time: string;
  code: number;
  name: string;
  value?: number;
}

function drawTimeline(events: EventView[]): void {
  const svg = $("events-timeline") as unknown as SVGSVGElement;
  const width = svg.clientWidth || 900;
  const logs = [...new Set(events.map((e) => e.log))];
  const timed = events.filter((e) => e.utcMs !== undefined);
  const t0 = Math.min(...timed.map((e) => e.utcMs!));
  const t1 = Math.max(...timed.map((e) => e.utcMs!));
  const lane = 24;
  svg.setAttribute("height", String(Math.max(60, 20 + logs.length * lane + 20)));
  const x = (t: number) => 120 + ((t - t0) / Math.max(1, t1 - t0)) * (width - 140);
  let s = "";
  logs.forEach((log, i) => {
    const y = 20 + i * lane;
    s += `<text x="4" y="${y + 4}" font-size="12">${esc(log)}</text><line x1="120" x2="${width - 20}" y1="${y}" y2="${y}" stroke="#d5d9e0"/>`;
  });
  for (const e of timed) {
    const y = 20 + logs.indexOf(e.log) * lane;
    s += `<circle cx="${x(e.utcMs!).toFixed(1)}" cy="${y}" r="5" fill="#1f6feb"><title>${esc(`${e.time} ${e.log}: ${e.name} (${e.code})${e.value !== undefined ? ` value ${e.value}` : ""}`)}</title></circle>`;
  }
  if (timed.length > 0) {
    const y = 20 + logs.length * lane;
    s += `<text x="120" y="${y}" font-size="11">${new Date(t0).toISOString()}</text><text x="${width - 20}" y="${y}" font-size="11" text-anchor="end">${new Date(t1).toISOString()}</text>`;
  }
  svg.innerHTML = s;
}

async function loadEvents(): Promise<void> {
  const r = await api<EventView[]>("/api/events");
  if (!r.ok) return;
  $("events-info").textContent = `${r.value.length} events`;
  drawTimeline(r.value);
  $("events-table").querySelector("tbody")!.innerHTML = r.value
    .slice()
    .reverse()
    .map((e) => `<tr><td>${esc(e.time)}</td><td>${esc(e.log)}</td><td class="num">${e.code}</td><td>${esc(e.name)}</td><td class="num">${e.value ?? ""}</td></tr>`)
    .join("");
}

loaders.events = () => void loadEvents();
$("events-load").addEventListener("click", () => void loadEvents());

// Objects and one attribute

const ACCESS = ["-", "r", "w", "rw", "R", "W", "RW"];

async function loadObjects(): Promise<void> {
  const r = await api<{ classId: number; obis: string; attributes: { id: number; access: number }[]; methods: { id: number; access: number }[] }[]>("/api/objects");
  if (!r.ok) return;
  $("objects-table").querySelector("tbody")!.innerHTML = r.value
    .map(
      (o) =>
        `<tr data-obis="${esc(o.obis)}"><td class="num">${o.classId}</td><td><a href="#" class="pick">${esc(o.obis)}</a></td><td>${o.attributes.map((a) => `${a.id}:${ACCESS[a.access] ?? a.access}`).join(" ")}</td><td>${o.methods.map((m) => `${m.id}:${m.access ? "x" : "-"}`).join(" ")}</td></tr>`,
    )
    .join("");
}

async function attrRequest(kind: "get" | "set"): Promise<void> {
  const obis = $<HTMLInputElement>("attr-obis").value.trim();
  const attr = Number($<HTMLInputElement>("attr-id").value);
  const out = $("attr-result");
  out.textContent = "…";
  if (kind === "get") {
    const r = await api<{ text: string; code?: number; codeName?: string }>(`/api/get?obis=${encodeURIComponent(obis)}&attr=${attr}`);
    out.textContent = !r.ok ? r.error : r.value.code !== undefined ? `${r.value.codeName} (${r.value.code})` : r.value.text;
    out.className = `result ${r.ok && r.value.code === undefined ? "" : "bad"}`;
  } else {
    const r = await api<{ code: number; codeName: string }>("/api/set", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ obis, attr, value: $<HTMLInputElement>("attr-value").value }) });
    out.textContent = r.ok ? `${r.value.codeName} (${r.value.code})` : r.error;
    out.className = `result ${r.ok && r.value.code === 0 ? "" : "bad"}`;
  }
}

loaders.objects = () => void loadObjects();
$("attr-get").addEventListener("click", () => void attrRequest("get"));
$("attr-set").addEventListener("click", () => void attrRequest("set"));
$("objects-table").addEventListener("click", (e) => {
  const a = (e.target as HTMLElement).closest("a.pick");
  if (!a) return;
  e.preventDefault();
  $<HTMLInputElement>("attr-obis").value = a.textContent ?? "";
});

// Jobs: firmware upload and conformance

async function pollJob(onUpdate: (job: JobState) => void): Promise<JobState | undefined> {
  for (;;) {
    const r = await api<JobState | null>("/api/job");
    if (!r.ok || !r.value) return undefined;
    onUpdate(r.value);
    if (!r.value.running) return r.value;
    await new Promise((res) => setTimeout(res, 250));
  }
}

$("fw-upload").addEventListener("click", async () => {
  const file = $<HTMLInputElement>("fw-file").files?.[0];
  if (!file) return showError("choose a signed image first");
  const bytes = new Uint8Array(await file.arrayBuffer());
  const activate = $<HTMLInputElement>("fw-activate").checked ? "1" : "0";
  const started = await api<JobState>(`/api/upload?name=${encodeURIComponent(file.name)}&activate=${activate}`, { method: "POST", body: bytes });
  if (!started.ok) return;
  const progress = $<HTMLProgressElement>("fw-progress");
  const job = await pollJob((j) => {
    const pct = j.total > 0 ? Math.floor((100 * j.done) / j.total) : 0;
    progress.value = pct;
    $("fw-percent").textContent = `${pct} %`;
    $("fw-status").textContent = j.message;
  });
  if (job) {
    const st = job.transferStatus !== undefined ? `image_transfer_status ${job.transferStatus} (${state.transferStatusNames[job.transferStatus] ?? "?"})` : "";
    $("fw-status").textContent = `${job.error ? `failed: ${job.error}` : job.message.replace(/\n/g, "; ")}${st ? ` · ${st}` : ""}`;
  }
});

$("conf-run").addEventListener("click", async () => {
  const started = await api<JobState>("/api/conformance", { method: "POST" });
  if (!started.ok) return;
  $("conf-summary").textContent = "running…";
  const body = $("conf-table").querySelector("tbody")!;
  let shown = 0;
  const job = await pollJob((j) => {
    const rows = j.rows ?? [];
    for (; shown < rows.length; shown++) {
      const r = rows[shown];
      body.insertAdjacentHTML("beforeend", `<tr class="${esc(r.verdict)}"><td>${esc(r.area)}</td><td>${esc(r.item)}</td><td>${esc(r.verdict)}</td><td>${esc(r.detail)}</td></tr>`);
    }
    $("conf-summary").textContent = `${rows.length} checks…`;
  });
  if (job) $("conf-summary").textContent = job.error ? `stopped: ${job.error}` : job.message;
});

// Connection

$("connect").addEventListener("click", async () => {
  await api("/api/connect", { method: "POST" });
  await refreshStatus();
});
$("disconnect").addEventListener("click", async () => {
  await api("/api/disconnect", { method: "POST" });
  await refreshStatus();
});

for (const b of document.querySelectorAll<HTMLButtonElement>("nav button")) b.addEventListener("click", () => select(b.dataset.view!));

void (async () => {
  await api("/api/connect", { method: "POST" });
  await refreshStatus();
  select("live");
  scheduleLive();
})();
