/**
 * `lab listen`: the head-end side of push (IEC 62056 Push Setup, class 40).
 * Accepts the TCP connections a meter opens, cuts the stream into wrapper
 * messages and opens each data-notification with the project's DLMS client:
 * plain, or general-glo/ded-ciphered under the given keys, with the
 * invocation counter checked per sending system title (a replayed push is
 * refused). Nothing is answered: data-notification is unconfirmed.
 */
import { createServer, type Server, type Socket } from "node:net";
import { SimCrypto } from "../../hal/sim/crypto.js";
import { Tag, type Data } from "../../src/cosem/axdr.js";
import { DlmsClient } from "../../src/cosem/client/client.js";
import { readEnvelope } from "../../src/cosem/security/protect.js";
import { WrapperReader } from "../../src/transport/wrapper/wrapper.js";
import { toHex } from "../../src/util/bytes.js";
import { bufferRows } from "./csv.js";
import { formatData } from "./values.js";

export interface ListenOptions {
  host: string;
  port: number;
  akey?: Uint8Array;
  ekey?: Uint8Array;
  /** The listener's own system title (only used as the client side of the key pair). */
  systemTitle: Uint8Array;
}

export interface Notification {
  /** Peer address:port. */
  from: string;
  /** The sender's system title where the APDU carried one (ciphered pushes). */
  systemTitle?: string;
  ciphered: boolean;
  /** long-invoke-id-and-priority. */
  pushId: number;
  /** The notification's own date-time, as text, when it carried one. */
  dateTime?: string;
  body: Data;
  /** Rows of every profile buffer in the body, as the lab's CSV writes them. */
  csvRows: string[];
}

export interface PushListener {
  readonly port: number;
  close(): Promise<void>;
}

/** The largest wrapper APDU accepted: a push of a day of profile fits well inside. */
const MAX_APDU = 65535;

/** Rows of each array of structures (a Profile Generic buffer) inside a push body. */
function profileRows(body: Data): string[] {
  const out: string[] = [];
  const visit = (d: Data) => {
    if (d.tag === Tag.Array && (d.value as Data[]).length > 0 && (d.value as Data[]).every((x) => x.tag === Tag.Structure)) out.push(...bufferRows(d));
    else if (d.tag === Tag.Structure) for (const x of d.value as Data[]) visit(x);
  };
  visit(body);
  return out;
}

export async function startPushListener(o: ListenOptions, onNotification: (n: Notification) => void, onError: (from: string, message: string) => void): Promise<PushListener> {
  const crypto = new SimCrypto((n) => globalThis.crypto.getRandomValues(new Uint8Array(n)));
  // One client per sending meter, so each meter's push counter is checked on its own.
  const clients = new Map<string, DlmsClient>();
  const clientFor = (title: string): DlmsClient => {
    let c = clients.get(title);
    if (!c) {
      c = new DlmsClient({
        exchange: async () => undefined,
        ...(o.akey && o.ekey ? { ciphering: { crypto, systemTitle: o.systemTitle, keys: { encryptionKey: o.ekey, authenticationKey: o.akey }, invocationCounter: 1 } } : {}),
      });
      clients.set(title, c);
    }
    return c;
  };

  const onSocket = (socket: Socket) => {
    const from = `${socket.remoteAddress}:${socket.remotePort}`;
    const reader = new WrapperReader(
      MAX_APDU,
      (m) => {
        const env = (() => {
          try {
            return readEnvelope(m.apdu);
          } catch {
            return undefined;
          }
        })();
        const title = env && env.type !== "ciphered" && env.systemTitle.length > 0 ? toHex(env.systemTitle) : undefined;
        try {
          const n = clientFor(title ?? "plain").notification(m.apdu);
          const dateTime = n.dateTime.length === 12 ? formatData({ tag: Tag.OctetString, value: n.dateTime }) : undefined;
          onNotification({ from, systemTitle: title, ciphered: env !== undefined, pushId: n.longInvokeId, dateTime, body: n.body, csvRows: profileRows(n.body) });
        } catch (e) {
          onError(from, (e as Error).message);
        }
      },
      (e) => {
        onError(from, `wrapper: ${e.message}; connection closed`);
        socket.destroy();
      },
    );
    socket.on("data", (b: Buffer) => reader.push(new Uint8Array(b.buffer, b.byteOffset, b.length)));
    socket.on("error", () => socket.destroy());
  };

  const server: Server = createServer(onSocket);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : o.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** One line per notification as `lab listen` prints it. */
export function formatNotification(n: Notification, receivedMs: number): string {
  const who = n.systemTitle ? ` from ${n.systemTitle}` : "";
  const when = n.dateTime ? ` sent ${n.dateTime}` : "";
  // long-invoke-id-and-priority: the 24-bit invoke id, and bit 31 for high priority (alarms, the last gasp).
  const id = n.pushId & 0xffffff;
  const priority = n.pushId >= 0x80000000 ? " high priority" : "";
  return `${new Date(receivedMs).toISOString()} push ${id}${priority}${who} (${n.from}, ${n.ciphered ? "ciphered" : "plain"})${when}: ${formatData(n.body)}`;
}
