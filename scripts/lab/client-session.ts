/**
 * A LabSession on the project's DLMS client (src/cosem/client) over an APDU
 * link. No Node APIs: the in-process tests run it on both runtimes.
 */
import type { CryptoPort } from "../../hal/crypto.js";
import type { Data } from "../../src/cosem/axdr.js";
import { Mechanism } from "../../src/cosem/apdu/acse.js";
import { ClientError, DlmsClient } from "../../src/cosem/client/client.js";
import type { Obis } from "../../src/cosem/obis.js";
import type { ApduLink } from "./link.js";
import type { ActionReply, GetOutcome, LabSession, Selection } from "./session.js";

export interface SecurityOptions {
  auth: "none" | "lls" | "hls-gmac";
  password?: Uint8Array;
  akey?: Uint8Array;
  ekey?: Uint8Array;
  systemTitle?: Uint8Array;
  /** First invocation counter; the meter refuses any not above the last it accepted (the lab keeps it per meter). */
  invocationCounter?: number;
  crypto?: CryptoPort;
}

function describe(e: unknown): string {
  if (e instanceof ClientError && e.exception) return `exception-response state ${e.exception.stateError} service ${e.exception.serviceError}`;
  return e instanceof Error ? e.message : String(e);
}

export class ClientSession implements LabSession {
  readonly description: string;

  private constructor(
    readonly client: DlmsClient,
    private readonly link: ApduLink,
    auth: string,
  ) {
    this.description = `${link.description}, ${auth}`;
  }

  /** Associates over the link; rejects with the meter's reason when the AARQ is refused. */
  static async open(link: ApduLink, sec: SecurityOptions): Promise<ClientSession> {
    const ciphered = sec.auth === "hls-gmac";
    if (ciphered && (!sec.akey || !sec.ekey || !sec.systemTitle || !sec.crypto)) throw new Error("hls-gmac needs --akey, --ekey, a system title and a crypto port");
    const client = new DlmsClient({
      exchange: (req) => link.request(req),
      mechanism: sec.auth === "lls" ? Mechanism.lls : ciphered ? Mechanism.hlsGmac : Mechanism.none,
      password: sec.password,
      maxReceivePduSize: link.maxApduSize,
      ...(ciphered
        ? {
            ciphering: {
              crypto: sec.crypto!,
              systemTitle: sec.systemTitle!,
              keys: { encryptionKey: sec.ekey!, authenticationKey: sec.akey! },
              invocationCounter: sec.invocationCounter ?? 1,
            },
          }
        : {}),
    });
    try {
      await client.associate();
    } catch (e) {
      await link.close().catch(() => undefined);
      throw new Error(`association refused: ${describe(e)}`);
    }
    return new ClientSession(client, link, sec.auth);
  }

  async get(classId: number, logicalName: Obis, attribute: number, selection?: Selection, progress?: (bytes: number) => void): Promise<GetOutcome> {
    try {
      const r = await this.client.get(classId, logicalName, attribute, selection);
      if (progress) progress(0);
      return r.ok ? { ok: true, value: r.value } : { ok: false, code: r.error, error: `data-access-result ${r.error}` };
    } catch (e) {
      return { ok: false, error: describe(e) };
    }
  }

  async set(classId: number, logicalName: Obis, attribute: number, value: Data): Promise<number> {
    try {
      return await this.client.set(classId, logicalName, attribute, value);
    } catch (e) {
      throw new Error(`set: ${describe(e)}`);
    }
  }

  async action(classId: number, logicalName: Obis, method: number, parameters?: Data): Promise<ActionReply> {
    try {
      const r = await this.client.action(classId, logicalName, method, parameters);
      return r.ok ? (r.value === undefined ? { result: 0 } : { result: 0, data: r.value }) : { result: r.error };
    } catch (e) {
      throw new Error(`action: ${describe(e)}`);
    }
  }

  /** The next invocation counter (persist it to reconnect later without a replay refusal). */
  get invocationCounter(): number {
    return this.client.invocationCounter;
  }

  async close(): Promise<void> {
    try {
      await this.client.release();
    } catch {
      // A meter that drops the link on release is fine: we are closing anyway.
    }
    await this.link.close();
  }
}
