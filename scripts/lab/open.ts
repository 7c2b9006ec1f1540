/**
 * Opens a lab session from the command line options: the link (TCP wrapper,
 * HDLC on TCP, or the optical probe), then the association. The client's
 * invocation counter belongs to its system title (one counter whatever the
 * meter or link: a meter only asks that it grows) and is kept in
 * ~/.meter-lab.json, because a meter refuses any counter it has already
 * seen (replay protection) and remembers it across restarts.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { SimCrypto } from "../../hal/sim/crypto.js";
import { toHex } from "../../src/util/bytes.js";
import type { LabOptions } from "./args.js";
import { ClientSession } from "./client-session.js";
import { hdlcTcpLink, opticalLink, wrapperLink, type ApduLink, type LinkAddressing } from "./link.js";
import { NodeTimers, ProbeSerialPort, SocketTcpConnection } from "./node-ports.js";

const COUNTER_FILE = join(homedir(), ".meter-lab.json");

function counterKey(o: LabOptions): string {
  return toHex(o.systemTitle);
}

function readCounters(file: string): Record<string, number> {
  if (!existsSync(file)) return {};
  try {
    const j = JSON.parse(readFileSync(file, "utf8")) as Record<string, number>;
    return typeof j === "object" && j !== null ? j : {};
  } catch {
    return {};
  }
}

function saveCounter(o: LabOptions, next: number, file = COUNTER_FILE): void {
  const all = readCounters(file);
  all[counterKey(o)] = Math.max(next, all[counterKey(o)] ?? 0);
  writeFileSync(`${file}.tmp`, JSON.stringify(all, null, 2) + "\n");
  renameSync(`${file}.tmp`, file);
}

async function openLink(o: LabOptions, timers: NodeTimers): Promise<ApduLink> {
  const a: LinkAddressing = { clientSap: o.clientSap, serverLogical: o.serverLogical, serverPhysical: o.serverPhysical, responseTimeoutMs: o.timeoutMs };
  if (o.serial) {
    const port = await ProbeSerialPort.open(o.serial);
    port.trace = o.trace;
    return opticalLink(port, timers, a, o.serial, o.maxBaud);
  }
  const where = `tcp ${o.tcp.host}:${o.tcp.port}`;
  const tcp = await SocketTcpConnection.open(o.tcp.host, o.tcp.port, o.timeoutMs);
  return o.hdlcOverTcp ? hdlcTcpLink(tcp, timers, a, where) : wrapperLink(tcp, timers, a, where);
}

export interface OpenSession {
  session: ClientSession;
  /** Releases, closes, stops the timers and saves the invocation counter. */
  close(): Promise<void>;
}

export async function openSession(o: LabOptions, counterFile = COUNTER_FILE): Promise<OpenSession> {
  const timers = new NodeTimers();
  const link = await openLink(o, timers).catch((e: Error) => {
    timers.clearAll();
    throw e;
  });
  const key = counterKey(o);
  const start = (readCounters(counterFile)[key] ?? 0) + 1;
  // Reserve a block before using it: a crash mid-session must not make the next run reuse a counter.
  if (o.auth === "hls-gmac") saveCounter(o, start + 10000, counterFile);
  let session: ClientSession;
  try {
    session = await ClientSession.open(link, {
      auth: o.auth,
      password: o.password,
      akey: o.akey,
      ekey: o.ekey,
      systemTitle: o.systemTitle,
      invocationCounter: start,
      crypto: new SimCrypto(globalThis.crypto ? (n) => globalThis.crypto.getRandomValues(new Uint8Array(n)) : undefined),
    });
  } catch (e) {
    timers.clearAll();
    throw e;
  }
  return {
    session,
    close: async () => {
      await session.close();
      timers.clearAll();
      if (o.auth === "hls-gmac") saveCounter(o, session.invocationCounter, counterFile);
    },
  };
}
