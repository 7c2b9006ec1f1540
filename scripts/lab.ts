/**
 * `npm run lab -- <command> [options]`: a lab client for any DLMS/COSEM
 * meter over an optical probe or TCP. See scripts/lab/args.ts for the
 * command line; the protocol is the project's own client and transports.
 */
import { appendFileSync } from "node:fs";
import { LAB_USAGE, parseLabArgs, type LabOptions } from "./lab/args.js";
import { actionCommand, getCommand, listCommand, profileCommand, setCommand, uploadCommand } from "./lab/commands.js";
import { formatTable, runConformance } from "./lab/conformance.js";
import { startConsoleServer } from "./lab/console/http.js";
import { MeterConsole } from "./lab/console/service.js";
import { formatNotification, startPushListener } from "./lab/listen.js";
import { openSession } from "./lab/open.js";
import { tokenCommand } from "./lab/token.js";

async function run(o: LabOptions): Promise<number> {
  const out = (line: string) => console.log(line);
  const known = ["list", "get", "set", "action", "profile", "upload", "conformance", "console", "listen", "token"];
  if (!known.includes(o.command)) {
    console.error(`unknown command "${o.command}"\n\n${LAB_USAGE}`);
    return 2;
  }
  if (o.command === "console") return runConsole(o);
  if (o.command === "listen") return runListener(o);
  const { session, close } = await openSession(o);
  try {
    switch (o.command) {
      case "list":
        await listCommand(session, out);
        break;
      case "get":
        await getCommand(session, o, out);
        break;
      case "set":
        await setCommand(session, o, out);
        break;
      case "action":
        await actionCommand(session, o, out);
        break;
      case "profile":
        await profileCommand(session, o, out);
        break;
      case "upload":
        await uploadCommand(session, o, out);
        break;
      case "token": {
        const r = await tokenCommand(session, o, out);
        return r.result === 0 || r.result === 1 ? 0 : 1;
      }
      case "conformance": {
        const rows = await runConformance(session);
        out(formatTable(rows));
        return rows.some((r) => r.verdict === "fail") ? 1 : 0;
      }
    }
    return 0;
  } finally {
    await close();
  }
}

/** Serves the web console until SIGINT/SIGTERM, then releases the association. */
async function runConsole(o: LabOptions): Promise<number> {
  const meter = new MeterConsole(o);
  const server = await startConsoleServer(meter, o.localHost, o.localPort ?? 8059);
  console.log(`lab console on ${server.url} (meter: ${meter.status().link}, ${o.auth})`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await meter.disconnect();
  await server.close();
  return 0;
}

/** Prints every pushed data-notification until SIGINT/SIGTERM; profile rows go to --out as CSV. */
async function runListener(o: LabOptions): Promise<number> {
  const listener = await startPushListener(
    { host: o.localHost, port: o.localPort ?? 4059, akey: o.akey, ekey: o.ekey, systemTitle: o.systemTitle },
    (n) => {
      console.log(formatNotification(n, Date.now()));
      if (o.out && n.csvRows.length > 0) appendFileSync(o.out, n.csvRows.join("\n") + "\n");
    },
    (from, message) => console.error(`${new Date().toISOString()} ${from}: ${message}`),
  );
  console.log(`listening for pushes on tcp://${o.localHost}:${listener.port}${o.akey ? " (ciphered pushes deciphered with the given keys)" : ""}`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await listener.close();
  return 0;
}

let options: LabOptions;
try {
  options = parseLabArgs(process.argv.slice(2));
} catch (e) {
  console.error((e as Error).message);
  process.exit(2);
}
run(options).then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(`lab: ${e.message}`);
    process.exit(1);
  },
);
