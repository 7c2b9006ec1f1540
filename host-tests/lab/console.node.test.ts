/// <reference lib="dom" />
/**
 * The lab console in a real browser (Debian's Chromium driven by
 * playwright-core) against the simulator process as `npm start` runs it:
 * the page associates with HLS-GMAC, shows live energy that increases, draws
 * a day of load profile whose points are the CSV that the lab's `profile`
 * command writes for the same range, sets the clock, lists the events that
 * caused, uploads a signed image to 100 %, and shows the conformance table.
 * With METER_CONSOLE_SCREENSHOTS=DIR it also saves a screenshot of each view
 * (the README's pictures come from there).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseLabArgs } from "../../scripts/lab/args.js";
import { startConsoleServer, type ConsoleServer } from "../../scripts/lab/console/http.js";
import { MeterConsole } from "../../scripts/lab/console/service.js";
import { runProgram, startSimulator as start } from "../support/simulator-process.node.js";

const chromiumPath = process.env.CHROMIUM_PATH ?? ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].find((p) => existsSync(p));
const shots = process.env.METER_CONSOLE_SCREENSHOTS;
// CI installs Chromium (.ci/run): there a missing browser is a failure, not a skip.
const needBrowser = process.env.CI === "true";

interface Sim {
  port: number;
  akey: string;
  ekey: string;
  keyFile: string;
}

const cleanup: (() => void)[] = [];

/** `npm start` at 900x, with the keys and the signing key file it prints for its users. */
async function startSimulator(dir: string): Promise<Sim> {
  const p = await start(dir, ["--no-optical", "--speed", "900"], cleanup);
  const keys = /--akey ([0-9a-f]{32}) --ekey ([0-9a-f]{32})/.exec(p.out());
  const key = /--key (\S+fota-signing-key\.pem)/.exec(p.out());
  if (!keys || !key) throw new Error(`simulator printed no keys:\n${p.out()}`);
  return { port: p.port, akey: keys[1], ekey: keys[2], keyFile: key[1] };
}

/** A lab program (lab, imgtool) run to its end; fails with its output unless it exits 0. */
async function run(program: string, args: string[]): Promise<void> {
  const r = await runProgram(program, args);
  if (r.code !== 0) throw new Error(`scripts/${program}.ts exited with ${r.code}:\n${r.out}`);
}

/** Date-time text as the lab prints it ("2026-12-05 00:53:09 dev -60", local = UTC − deviation) to UTC ms. */
function csvTimeUtc(text: string): number {
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?: dev (-?\d+))?$/.exec(text);
  if (!m) throw new Error(`not a lab date-time: ${text}`);
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) + Number(m[7] ?? 0) * 60000;
}

const haveBrowser = chromiumPath !== undefined;

describe.skipIf(!haveBrowser && !needBrowser)("lab console in a real browser against npm start", () => {
  let dir: string;
  let sim: Sim;
  let server: ConsoleServer;
  let meter: MeterConsole;
  let browser: Browser;
  let page: Page;
  let labArgs: string[];
  const shot = async (name: string) => {
    if (shots) await page.screenshot({ path: join(shots, `${name}.png`), fullPage: false });
  };

  beforeAll(async () => {
    if (!chromiumPath) throw new Error("no Chromium: install Debian's chromium (CI does, in .ci/run)");
    if (shots) mkdirSync(shots, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), "meter-console-"));
    sim = await startSimulator(dir);
    labArgs = ["--tcp", `127.0.0.1:${sim.port}`, "--auth", "hls-gmac", "--client-sap", "1", "--akey", sim.akey, "--ekey", sim.ekey];
    meter = new MeterConsole(parseLabArgs(["console", ...labArgs]));
    server = await startConsoleServer(meter, "127.0.0.1", 0);
    browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] });
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(server.url);
  }, 90000);

  afterAll(async () => {
    await browser?.close();
    await meter?.disconnect();
    await server?.close();
    for (const f of cleanup.splice(0).reverse()) f();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("associates with HLS-GMAC and shows live energy that increases", async () => {
    await page.waitForSelector("#conn-state.on", { timeout: 30000 });
    // The test refreshes by hand: a periodic refresh would queue ahead of the steps on a loaded machine.
    await page.selectOption("#live-period", "0");
    expect(await page.textContent("#conn-link")).toContain("hls-gmac");
    const energy = async () => Number(await page.textContent('#live-table tr[data-obis="1-0:1.8.0*255"] td.num'));
    await page.waitForSelector('#live-table tr[data-obis="1-0:1.8.0*255"]');
    const first = await energy();
    let later = first;
    for (let i = 0; i < 40 && later <= first; i++) {
      await page.waitForTimeout(500);
      await page.click("#live-now");
      await page.waitForTimeout(300);
      later = await energy();
    }
    expect(later).toBeGreaterThan(first);
    await shot("live");
  }, 60000);

  it("draws a day of load profile whose points equal the CSV of the lab's profile command for the same range", async () => {
    // Let the accelerated meter capture some quarter-hours, then ask for the last day by its clock.
    await page.waitForTimeout(8000);
    await page.click("#live-now");
    await page.waitForTimeout(1000);
    const meterNow = await page.evaluate(() => (window as unknown as { meterConsole: { meterUtcMs?: number } }).meterConsole.meterUtcMs);
    expect(typeof meterNow).toBe("number");
    const to = Math.floor(meterNow! / 60000) * 60000;
    const from = to - 86400000;
    const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16);
    await page.click('nav button[data-view="profile"]');
    await page.waitForSelector('#profile-obis option[value="1-0:99.1.0*255"]', { state: "attached" });
    await page.fill("#profile-from", iso(from));
    await page.fill("#profile-to", iso(to));
    await page.click("#profile-draw");
    await page.waitForFunction(() => /entries/.test(document.getElementById("profile-info")?.textContent ?? ""), undefined, { timeout: 30000 });
    const drawn = await page.evaluate(() => {
      const c = (window as unknown as { meterConsole: { chart: { data: (number | null)[][] }; profile: { csv: string } } }).meterConsole;
      return { data: c.chart.data.map((s) => Array.from(s)), csv: c.profile.csv };
    });
    const csvLink = await page.evaluate(async () => (await fetch((document.getElementById("profile-csv") as HTMLAnchorElement).href)).text());
    await shot("profile");

    // The same range through the lab's own command line, on a separate association.
    await page.click("#disconnect");
    await page.waitForSelector("#conn-state.off");
    const file = join(dir, "lp.csv");
    await run("lab", ["profile", "1-0:99.1.0*255", "--from", new Date(from).toISOString(), "--to", new Date(to).toISOString(), "--out", file, ...labArgs]);
    const csv = readFileSync(file, "utf8");
    expect(csvLink).toBe(csv);
    expect(drawn.csv).toBe(csv);
    const [header, ...rows] = csv.trim().split("\n");
    expect(rows.length).toBeGreaterThan(3);
    const columns = header.split(",");
    const cells = rows.map((r) => r.split(","));
    // Column 0 is the capture time, on the chart's x axis (seconds).
    expect(drawn.data[0]).toEqual(cells.map((c) => csvTimeUtc(c[0]) / 1000));
    // Every other drawn series is one CSV column, point for point.
    const seriesColumns = columns.slice(1).map((_, i) => i + 1).filter((c) => cells.some((row) => row[c] !== "" && !Number.isNaN(Number(row[c]))));
    expect(drawn.data.length - 1).toBe(seriesColumns.length);
    seriesColumns.forEach((c, i) => expect(drawn.data[i + 1]).toEqual(cells.map((row) => Number(row[c]))));
    await page.click("#connect");
    await page.waitForSelector("#conn-state.on");
  }, 120000);

  it("sets the meter's clock and lists the events that caused, with their names", async () => {
    await page.click('nav button[data-view="live"]');
    await page.click("#clock-sync");
    await page.waitForFunction(() => document.getElementById("clock-result")?.textContent === "success", undefined, { timeout: 60000 });
    await page.click('nav button[data-view="events"]');
    await page.waitForSelector("#events-table tbody tr", { timeout: 20000 });
    const names = await page.$$eval("#events-table tbody tr td:nth-child(4)", (tds) => tds.map((td) => td.textContent));
    expect(names).toContain("clock adjusted new");
    expect(await page.$$eval("#events-timeline circle", (c) => c.length)).toBeGreaterThan(0);
    await shot("events");
  }, 60000);

  it("shows the daily and billing profiles as tables", async () => {
    await page.click('nav button[data-view="billing"]');
    await page.waitForSelector("#billing-table table", { timeout: 20000 });
    const header = await page.$$eval("#daily-table th", (th) => th.map((t) => t.textContent));
    expect(header[0]).toBe("0-0:1.0.0*255 attr 2");
    expect(header).toContain("1-0:1.8.0*255 attr 2");
    await shot("billing");
  }, 60000);

  it("lists the objects with their rights and reads one attribute", async () => {
    await page.click('nav button[data-view="objects"]');
    await page.waitForSelector("#objects-table tbody tr");
    expect(await page.$$eval("#objects-table tbody tr", (r) => r.length)).toBeGreaterThan(50);
    await page.fill("#attr-obis", "0-0:42.0.0*255");
    await page.fill("#attr-id", "2");
    await page.click("#attr-get");
    await page.waitForFunction(() => /MKT/.test(document.getElementById("attr-result")?.textContent ?? ""), undefined, { timeout: 20000 });
    expect(await page.textContent("#attr-result")).toBe('"MKT0000000000001"');
    // A refusal shows the meter's own result name.
    await page.fill("#attr-obis", "0-0:42.0.0*255");
    await page.fill("#attr-value", "vs:x");
    await page.click("#attr-set");
    await page.waitForFunction(() => /\(\d+\)$/.test(document.getElementById("attr-result")?.textContent ?? "") && !/^success/.test(document.getElementById("attr-result")?.textContent ?? ""), undefined, { timeout: 20000 });
    expect(await page.textContent("#attr-result")).toMatch(/read-write-denied|readWriteDenied/i);
    await shot("objects");
  }, 60000);

  it("uploads an imgtool-signed image with the progress bar reaching 100 %", async () => {
    const plain = join(dir, "app.bin");
    const signed = join(dir, "app.signed.bin");
    writeFileSync(plain, Uint8Array.from({ length: 24000 }, (_, i) => (i * 7919) & 0xff));
    await run("imgtool", ["sign", "--key", sim.keyFile, "--header-size", "0x200", "--pad-header", "--align", "8", "--version", "1.0.1", "--security-counter", "1", "--slot-size", "262144", plain, signed]);
    await page.click('nav button[data-view="firmware"]');
    await page.setInputFiles("#fw-file", signed);
    await page.click("#fw-upload");
    await page.waitForFunction(() => /verified/.test(document.getElementById("fw-status")?.textContent ?? "") || /failed/.test(document.getElementById("fw-status")?.textContent ?? ""), undefined, { timeout: 90000 });
    expect(await page.textContent("#fw-status")).toMatch(/image verified/);
    expect(await page.$eval("#fw-progress", (p) => (p as HTMLProgressElement).value)).toBe(100);
    expect(await page.textContent("#fw-percent")).toBe("100 %");
    await shot("firmware");
  }, 120000);

  it("runs the conformance walk and shows its pass/fail table", async () => {
    await page.click('nav button[data-view="conformance"]');
    await page.click("#conf-run");
    await page.waitForFunction(() => /passed, \d+ failed/.test(document.getElementById("conf-summary")?.textContent ?? "") || /stopped/.test(document.getElementById("conf-summary")?.textContent ?? ""), undefined, { timeout: 180000 });
    const summary = (await page.textContent("#conf-summary")) ?? "";
    expect(summary).toMatch(/ 0 failed/);
    expect(await page.$$eval("#conf-table tbody tr.pass", (r) => r.length)).toBeGreaterThan(100);
    await shot("conformance");
  }, 200000);
});
