/**
 * The lab console's web server: the page (bundled from page/ by esbuild when
 * the server starts, uPlot included, nothing fetched at run time) and a small
 * JSON API over one MeterConsole. It listens on loopback unless told
 * otherwise, and answers only requests addressed to the name it listens on,
 * so that a web page elsewhere cannot drive the meter through a rebound DNS
 * name.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { transferStatusNames } from "./event-names.js";
import type { MeterConsole, Result } from "./service.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");

export interface ConsoleServer {
  url: string;
  close(): Promise<void>;
}

async function assets(): Promise<{ html: string; js: string; css: string }> {
  const bundle = await build({
    entryPoints: [join(here, "page", "app.ts")],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    logLevel: "silent",
  });
  const css = readFileSync(join(root, "node_modules", "uplot", "dist", "uPlot.min.css"), "utf8") + readFileSync(join(here, "page", "style.css"), "utf8");
  return { html: readFileSync(join(here, "page", "index.html"), "utf8"), js: bundle.outputFiles[0].text, css };
}

function send(res: ServerResponse, status: number, type: string, body: string | Uint8Array): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store", "x-content-type-options": "nosniff" });
  res.end(body);
}

const json = (res: ServerResponse, value: unknown, status = 200) => send(res, status, "application/json; charset=utf-8", JSON.stringify(value));

function reply<T>(res: ServerResponse, r: Result<T>): void {
  json(res, r, r.ok ? 200 : 502);
}

async function body(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new Error(`request body over ${limit} bytes`);
    chunks.push(c as Buffer);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/** Images up to 4 MiB, the largest MCUboot slot of the boards. */
const MAX_IMAGE = 4 << 20;

export async function startConsoleServer(meter: MeterConsole, host = "127.0.0.1", port = 8059): Promise<ConsoleServer> {
  const page = await assets();
  const allowedHosts = new Set<string>();
  const server = createServer((req, res) => {
    handle(req, res).catch((e: Error) => {
      if (!res.headersSent) json(res, { ok: false, error: e.message }, 400);
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (allowedHosts.size > 0 && !allowedHosts.has(req.headers.host ?? "")) return send(res, 421, "text/plain", "misdirected request\n");
    const url = new URL(req.url ?? "/", "http://console");
    const q = url.searchParams;
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case "GET /":
        return send(res, 200, "text/html; charset=utf-8", page.html);
      case "GET /app.js":
        return send(res, 200, "text/javascript; charset=utf-8", page.js);
      case "GET /app.css":
        return send(res, 200, "text/css; charset=utf-8", page.css);
      case "GET /api/status":
        return json(res, { ...meter.status(), transferStatusNames: transferStatusNames() });
      case "POST /api/connect":
        return reply(res, await meter.objects());
      case "POST /api/disconnect":
        await meter.disconnect();
        return json(res, { ok: true, value: null });
      case "GET /api/objects": {
        const r = await meter.objects();
        if (!r.ok) return reply(res, r);
        return json(res, {
          ok: true,
          value: r.value.map((o) => ({ classId: o.classId, version: o.version, obis: o.logicalName.toString(), attributes: o.attributes, methods: o.methods })),
        });
      }
      case "GET /api/live":
        return reply(res, await meter.live());
      case "GET /api/profile": {
        const from = Date.parse(q.get("from") ?? "");
        const to = Date.parse(q.get("to") ?? "");
        if (Number.isNaN(from) || Number.isNaN(to)) return json(res, { ok: false, error: "from and to take ISO date-times" }, 400);
        return reply(res, await meter.profile(q.get("obis") ?? "1-0:99.1.0*255", from, to));
      }
      case "GET /api/table":
        return reply(res, await meter.table(q.get("obis") ?? ""));
      case "GET /api/events":
        return reply(res, await meter.events());
      case "GET /api/get":
        return reply(res, await meter.get(q.get("obis") ?? "", Number(q.get("attr") ?? 2)));
      case "POST /api/set": {
        const b = JSON.parse(new TextDecoder().decode(await body(req, 65536))) as { obis?: string; attr?: number; value?: string };
        return reply(res, await meter.set(b.obis ?? "", Number(b.attr ?? 2), b.value ?? ""));
      }
      case "POST /api/clock-sync":
        return reply(res, await meter.syncClock());
      case "POST /api/upload": {
        if (meter.job?.running) return json(res, { ok: false, error: `a ${meter.job.kind} is running` }, 409);
        const image = await body(req, MAX_IMAGE);
        return json(res, { ok: true, value: meter.startUpload(image, q.get("name") ?? "image", q.get("activate") === "1") });
      }
      case "POST /api/conformance":
        if (meter.job?.running) return json(res, { ok: false, error: `a ${meter.job.kind} is running` }, 409);
        return json(res, { ok: true, value: meter.startConformance() });
      case "GET /api/job":
        return json(res, { ok: true, value: meter.job ?? null });
      default:
        return send(res, 404, "text/plain", "not found\n");
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  // A wildcard address serves whatever name the network gives it: the Host check is off there (the user asked for it with --listen).
  const wildcard = host === "0.0.0.0" || host === "::";
  const names = host === "127.0.0.1" || host === "::1" || host === "localhost" ? ["127.0.0.1", "localhost", "[::1]"] : wildcard ? [] : [host.includes(":") ? `[${host}]` : host];
  for (const n of names) allowedHosts.add(`${n}:${actual}`);
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${wildcard ? "127.0.0.1" : shown}:${actual}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
