/**
 * The client's side of the TCP wrapper: sends APDUs from its client wPort
 * to a server wPort and resolves each request with the next message for it.
 * Same codec and stream reader as the meter.
 */
import type { TcpConnection } from "../../../hal/tcp.js";
import type { TimerId, Timers } from "../../../hal/timer.js";
import { encodeWrapper, WrapperReader, type WrapperMessage } from "../wrapper/wrapper.js";

export class WrapperLinkError extends Error {
  constructor(
    readonly code: "timeout" | "closed" | "busy" | "protocol",
    message: string,
  ) {
    super(message);
    this.name = "WrapperLinkError";
  }
}

export interface WrapperClientConfig {
  clientSap: number;
  serverLogical: number;
  responseTimeoutMs: number;
  maxApduSize: number;
}

export class WrapperClient {
  private readonly reader: WrapperReader;
  private pending: { resolve: (a: Uint8Array) => void; reject: (e: Error) => void; timer: TimerId } | undefined;
  private open = true;
  /** Messages that were not answers (data-notifications). */
  onPush: ((apdu: Uint8Array) => void) | undefined;

  constructor(
    private readonly tcp: TcpConnection,
    private readonly timers: Timers,
    private readonly config: WrapperClientConfig,
  ) {
    this.reader = new WrapperReader(
      config.maxApduSize,
      (m) => this.onMessage(m),
      (e) => this.fail(new WrapperLinkError("protocol", e.message)),
    );
    tcp.onData((b) => this.reader.push(b));
    tcp.onClose(() => {
      this.open = false;
      this.fail(new WrapperLinkError("closed", "the meter closed the connection"));
    });
  }

  get connected(): boolean {
    return this.open;
  }

  request(apdu: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      if (!this.open) return reject(new WrapperLinkError("closed", "connection closed"));
      if (this.pending) return reject(new WrapperLinkError("busy", "another request is in progress"));
      const timer = this.timers.once(this.config.responseTimeoutMs, () => this.fail(new WrapperLinkError("timeout", "no answer from the meter")));
      this.pending = { resolve, reject, timer };
      this.tcp.write(encodeWrapper(this.config.clientSap, this.config.serverLogical, apdu));
    });
  }

  /** Writes raw bytes (tests that play a misbehaving client). */
  writeRaw(bytes: Uint8Array): void {
    this.tcp.write(bytes);
  }

  close(): void {
    this.open = false;
    this.tcp.close();
    this.fail(new WrapperLinkError("closed", "closed by the client"));
  }

  private onMessage(m: WrapperMessage): void {
    if (m.header.source !== this.config.serverLogical || m.header.destination !== this.config.clientSap) return;
    const p = this.pending;
    if (!p) {
      if (this.onPush) this.onPush(m.apdu);
      return;
    }
    this.pending = undefined;
    this.timers.clear(p.timer);
    p.resolve(m.apdu);
  }

  private fail(e: Error): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    this.timers.clear(p.timer);
    p.reject(e);
  }
}
