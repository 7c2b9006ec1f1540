/**
 * The push engine: turns triggers (the push method, a schedule's push
 * script, an alarm, power-up, the power-fail signal) into data-notifications
 * sent over the TCP client port in DLMS wrapper frames.
 *
 * - One pending push per Push Setup. A trigger while one is pending is
 *   absorbed (the body is read when the push is sent, so it carries the
 *   newest values); a trigger while an attempt is in flight queues one more
 *   push after it, so an alarm that rises during a push is still sent.
 * - A pending push starts at a random instant within
 *   randomisation_start_interval after its trigger, and only inside a
 *   communication_window (wildcard date-times: a daily window); one that is
 *   due outside every window waits for the next one and draws its delay
 *   again from the window's start.
 * - An attempt connects (HAL TCP client, time-out on a HAL timer), then
 *   builds, seals and writes the notification. A failed attempt is retried
 *   number_of_retries times, repetition_delay apart; after the last the push
 *   is dropped (counted).
 * - Pending pushes and their retry state are in the KeyValueStore (one small
 *   record per Push Setup, written at trigger and after each failure), so a
 *   restart or a power cut resumes them: an alarm raised before or during an
 *   outage is pushed when power returns.
 * - Nothing blocks: poll() (every meter tick) only starts attempts; the
 *   socket answers later through the port's callbacks.
 *
 * The last gasp (lastGasp) is the exception: it is built and sealed at once
 * on the power-fail signal, before the flash save, and handed to a
 * connection that must come up within the board's hold-up budget; it is not
 * persisted (the power-up push after the outage replaces it).
 */
import type { CryptoPort } from "../../hal/crypto.js";
import type { TcpConnection } from "../../hal/tcp.js";
import type { TcpConnectAttempt, TcpConnector } from "../../hal/tcp-client.js";
import type { TimerId, Timers } from "../../hal/timer.js";
import type { DateTime } from "../cosem/datetime.js";
import { dateTimeToBytes } from "../cosem/datetime.js";
import type { Obis } from "../cosem/obis.js";
import type { SecuritySetup } from "../cosem/security/security-setup.js";
import type { KeyValueStore } from "../persistence.js";
import { encodeWrapper } from "../transport/wrapper/wrapper.js";
import { readU32, toHex } from "../util/bytes.js";
import { PRIORITY_HIGH, encodeBody, encodeNotification, pushSecurityControl, sealNotification } from "./notification.js";
import { parseDestination, type PushObject, type PushSetup } from "./setup.js";
import { inAnyWindow } from "./window.js";

/** Why a push was triggered (kept with a pending push; the lab and tests read it). */
export const PushReason = Object.freeze({ method: 1, schedule: 2, alarm: 3, powerUp: 4, lastGasp: 5 } as const);
export type PushReason = (typeof PushReason)[keyof typeof PushReason];

/** The meter's clock as the engine needs it (MeterClock). */
export interface PushClock {
  now(): number;
  localMsAt(utcMs: number): number;
  utcOfLocal(localMs: number): number;
  dateTimeAt(utcMs: number): DateTime;
}

/** Reads push_object_list elements. */
export interface PushValues {
  /** One element as encoded A-XDR (undefined: unreadable, sent as null-data). */
  read(o: PushObject, nowUtcMs: number): Uint8Array | undefined;
}

export interface PushEngineDeps {
  clock: PushClock;
  timers: Timers;
  store: KeyValueStore;
  crypto: CryptoPort;
  values: PushValues;
  /** The Security Setup a push names (its keys, system title, policy, transmit counter). */
  security(name: "management" | "reader"): SecuritySetup | undefined;
  /** The TCP client port; absent: the board has no network, and no push is triggered. */
  connector?: TcpConnector;
}

export interface PushEngineOptions {
  /** Source wPort: the management logical device (1). The destination wPort is each setup's clientSap. */
  sourceWPort: number;
  /** A connection not up after this long is a failed attempt. */
  connectTimeoutMs: number;
  /** The connection stays open this long after the write, so the stack sends everything before the close. */
  lingerMs: number;
}

const DEFAULT_PUSH_OPTIONS: PushEngineOptions = Object.freeze({ sourceWPort: 1, connectTimeoutMs: 10_000, lingerMs: 2_000 });

interface Pending {
  reason: number;
  /** Attempts made and failed. */
  attempts: number;
  /** UTC ms from which the next attempt may start (inside a window). */
  dueUtc: number;
  /** Due but outside every window: the delay is drawn again when a window opens. */
  waiting: boolean;
  /** Triggered again while an attempt was in flight: one more push after it. */
  again: boolean;
}

interface Attempt {
  connect: TcpConnectAttempt | undefined;
  timer: TimerId | undefined;
}

/** What happened to one attempt, for listeners (tests, the simulator's log). */
export interface PushOutcome {
  setup: Obis;
  reason: number;
  ok: boolean;
  /** Attempts so far, this one included. */
  attempt: number;
  /** Dropped after the last retry. */
  dropped: boolean;
  /** Bytes written (the wrapper frame), when ok. */
  bytes?: number;
}

const RECORD = 11;

export class PushEngine {
  private readonly d: PushEngineDeps;
  private readonly o: PushEngineOptions;
  private readonly setupList: PushSetup[] = [];
  private readonly pendingByKey = new Map<number, Pending>();
  private readonly inFlight = new Map<number, Attempt>();
  private readonly lingering = new Set<TcpConnection>();
  private readonly listeners: ((o: PushOutcome) => void)[] = [];
  private invokeId = 0;
  private stopped = false;
  /** Notifications written, attempts failed, pushes dropped after their last retry. */
  sent = 0;
  failed = 0;
  dropped = 0;

  constructor(deps: PushEngineDeps, options: PushEngineOptions = DEFAULT_PUSH_OPTIONS) {
    this.d = deps;
    this.o = options;
  }

  /** Registers a Push Setup and resumes its pending push from the store. */
  add(setup: PushSetup): void {
    this.setupList.push(setup);
    const r = this.d.store.get(keyOf(setup.logicalName));
    if (r && r.length === RECORD) {
      const v = new DataView(r.buffer, r.byteOffset, r.byteLength);
      this.pendingByKey.set(setup.logicalName.key, { reason: r[0], attempts: r[1], dueUtc: v.getUint32(2) * 1000 + v.getUint16(6), waiting: (r[8] & 1) !== 0, again: (r[8] & 2) !== 0 });
    }
  }

  get setups(): readonly PushSetup[] {
    return this.setupList;
  }

  setup(logicalName: Obis): PushSetup | undefined {
    for (let i = 0; i < this.setupList.length; i++) {
      const s = this.setupList[i];
      if (s.logicalName.key === logicalName.key) return s;
    }
    return undefined;
  }

  /** Listens to every attempt's outcome. */
  onOutcome(listener: (o: PushOutcome) => void): void {
    this.listeners.push(listener);
  }

  /** The pending push of a setup, if any (tests, diagnostics). */
  pending(logicalName: Obis): Readonly<Pending> | undefined {
    return this.pendingByKey.get(logicalName.key);
  }

  /**
   * Triggers a push of the named setup. False when there is no such setup,
   * no network or no usable destination (nothing is stored then). The attempt starts
   * at once when due now and inside a window (an alarm with no randomisation
   * leaves in the same tick).
   */
  trigger(logicalName: Obis, reason: PushReason): boolean {
    const setup = this.setup(logicalName);
    if (!setup || this.stopped || !this.d.connector || !parseDestination(setup.destination)) return false;
    const key = setup.logicalName.key;
    const p = this.pendingByKey.get(key);
    if (p) {
      if (this.inFlight.has(key) && !p.again) {
        p.again = true;
        this.save(setup, p);
      }
      return true;
    }
    const now = this.d.clock.now();
    const fresh: Pending = { reason, attempts: 0, dueUtc: now + this.delayMs(setup), waiting: false, again: false };
    this.pendingByKey.set(key, fresh);
    this.save(setup, fresh);
    this.service(setup, fresh, now);
    return true;
  }

  /** Starts every attempt that is due (the meter's tick). */
  poll(): void {
    if (this.stopped || this.pendingByKey.size === 0) return;
    const now = this.d.clock.now();
    for (let i = 0; i < this.setupList.length; i++) {
      const s = this.setupList[i];
      const p = this.pendingByKey.get(s.logicalName.key);
      if (p) this.service(s, p, now);
    }
  }

  private service(setup: PushSetup, p: Pending, now: number): void {
    const key = setup.logicalName.key;
    // A clock set back must not postpone a push beyond its longest delay: the wait starts again from now.
    const longest = Math.max(setup.randomisationS, setup.repetitionDelayS) * 1000;
    if (p.dueUtc - now > longest) {
      p.dueUtc = now + longest;
      this.save(setup, p);
    }
    if (this.inFlight.has(key) || now < p.dueUtc) return;
    const open = inAnyWindow(setup.windows, this.d.clock, now);
    if (!open) {
      if (!p.waiting) {
        p.waiting = true;
        this.save(setup, p);
      }
      return;
    }
    if (p.waiting) {
      // The window just opened: the randomisation starts again from here, so that meters spread over the window.
      p.waiting = false;
      p.dueUtc = now + this.delayMs(setup);
      this.save(setup, p);
      if (now < p.dueUtc) return;
    }
    this.attempt(setup, p);
  }

  private delayMs(setup: PushSetup): number {
    const span = setup.randomisationS * 1000;
    if (span <= 0) return 0;
    const r = this.d.crypto.randomBytes(4);
    return readU32(r, 0) % (span + 1);
  }

  private attempt(setup: PushSetup, p: Pending): void {
    const key = setup.logicalName.key;
    const dest = parseDestination(setup.destination);
    const connector = this.d.connector;
    if (!dest || !connector) {
      this.attemptFailed(setup, p);
      return;
    }
    const attempt: Attempt = { connect: undefined, timer: undefined };
    this.inFlight.set(key, attempt);
    const end = (): boolean => {
      if (this.inFlight.get(key) !== attempt) return false;
      this.inFlight.delete(key);
      if (attempt.timer !== undefined) this.d.timers.clear(attempt.timer);
      return true;
    };
    attempt.timer = this.d.timers.once(this.o.connectTimeoutMs, () => {
      attempt.timer = undefined;
      if (!end()) return;
      attempt.connect?.cancel();
      this.attemptFailed(setup, p);
    });
    attempt.connect = connector.connect(dest.host, dest.port, {
      connected: (c) => {
        if (!end()) {
          c.close();
          return;
        }
        // Built now: the values are those of the instant the push leaves, and a counter value is taken only for a push that goes.
        const frame = this.frame(setup, this.d.clock.now());
        if (!frame) {
          c.close();
          this.attemptFailed(setup, p);
          return;
        }
        c.write(frame);
        this.linger(c);
        this.succeeded(setup, p, frame.length);
      },
      failed: () => {
        if (end()) this.attemptFailed(setup, p);
      },
    });
  }

  /** The wrapper frame of one notification of the setup, sealed when its security asks for it. */
  private frame(setup: PushSetup, now: number): Uint8Array | undefined {
    const apdu = this.notification(setup, now);
    return apdu && encodeWrapper(this.o.sourceWPort, setup.clientSap, apdu);
  }

  /** The data-notification APDU of a setup at an instant: plain, or general-glo-ciphered per its Security Setup's policy. */
  notification(setup: PushSetup, now: number): Uint8Array | undefined {
    const values: Uint8Array[] = [];
    for (let i = 0; i < setup.objects.length; i++) {
      const o = setup.objects[i];
      values.push(this.d.values.read(o, now) ?? NULL_DATA);
    }
    this.invokeId = (this.invokeId + 1) & 0x00ffffff;
    const id = setup.highPriority ? (this.invokeId | PRIORITY_HIGH) >>> 0 : this.invokeId;
    const plain = encodeNotification(id, dateTimeToBytes(this.d.clock.dateTimeAt(now)), encodeBody(values));
    if (setup.security === "none") return plain;
    const sec = this.d.security(setup.security);
    const sc = pushSecurityControl(sec);
    if (!sec || sc === 0) return plain;
    return sealNotification(this.d.crypto, plain, sec, sc);
  }

  private linger(c: TcpConnection): void {
    this.lingering.add(c);
    c.onClose(() => this.lingering.delete(c));
    this.d.timers.once(this.o.lingerMs, () => {
      this.lingering.delete(c);
      c.close();
    });
  }

  private succeeded(setup: PushSetup, p: Pending, bytes: number): void {
    this.sent++;
    const key = setup.logicalName.key;
    if (p.again) {
      const next: Pending = { reason: p.reason, attempts: 0, dueUtc: this.d.clock.now(), waiting: false, again: false };
      this.pendingByKey.set(key, next);
      this.save(setup, next);
    } else {
      this.pendingByKey.delete(key);
      this.d.store.delete(keyOf(setup.logicalName));
    }
    this.tell({ setup: setup.logicalName, reason: p.reason, ok: true, attempt: p.attempts + 1, dropped: false, bytes });
    const q = this.pendingByKey.get(key);
    if (q) this.service(setup, q, this.d.clock.now());
  }

  private attemptFailed(setup: PushSetup, p: Pending): void {
    this.failed++;
    p.attempts++;
    const dropped = p.attempts > setup.retries;
    if (dropped) {
      this.dropped++;
      this.pendingByKey.delete(setup.logicalName.key);
      this.d.store.delete(keyOf(setup.logicalName));
    } else {
      p.dueUtc = this.d.clock.now() + setup.repetitionDelayS * 1000;
      this.save(setup, p);
    }
    this.tell({ setup: setup.logicalName, reason: p.reason, ok: false, attempt: p.attempts, dropped });
  }

  private tell(o: PushOutcome): void {
    for (let i = 0; i < this.listeners.length; i++) {
      const l = this.listeners[i];
      l(o);
    }
  }

  private save(setup: PushSetup, p: Pending): void {
    const r = new Uint8Array(RECORD);
    const v = new DataView(r.buffer);
    r[0] = p.reason;
    r[1] = Math.min(p.attempts, 255);
    const s = Math.max(0, Math.floor(p.dueUtc / 1000));
    v.setUint32(2, Math.min(s, 0xffffffff));
    v.setUint16(6, Math.max(0, p.dueUtc - s * 1000));
    r[8] = (p.waiting ? 1 : 0) | (p.again ? 2 : 0);
    this.d.store.put(keyOf(setup.logicalName), r);
  }

  /**
   * The last gasp: on the power-fail signal, before the flash save. The
   * notification is built and sealed now (the transmit counter reserves its
   * values ahead, so this writes flash at most once per 1024 APDUs) and
   * written as soon as a connection is up; an attempt not connected within
   * `budgetMs` (the board's hold-up time minus its flash save) is abandoned.
   * False when nothing could be started.
   */
  lastGasp(logicalName: Obis, budgetMs: number): boolean {
    const setup = this.setup(logicalName);
    const dest = setup && parseDestination(setup.destination);
    const connector = this.d.connector;
    if (!setup || !dest || !connector || budgetMs <= 0 || this.stopped) return false;
    const frame = this.frame(setup, this.d.clock.now());
    if (!frame) return false;
    let done = false;
    // Not connected: refused, or the budget ran out first (whichever comes first counts).
    const lost = (): void => {
      done = true;
      this.failed++;
      this.tell({ setup: setup.logicalName, reason: PushReason.lastGasp, ok: false, attempt: 1, dropped: true });
    };
    const attempt = connector.connect(dest.host, dest.port, {
      connected: (c) => {
        if (done) {
          c.close();
          return;
        }
        done = true;
        this.d.timers.clear(timer);
        c.write(frame);
        this.linger(c);
        this.sent++;
        this.tell({ setup: setup.logicalName, reason: PushReason.lastGasp, ok: true, attempt: 1, dropped: false, bytes: frame.length });
      },
      failed: () => {
        if (done) return;
        this.d.timers.clear(timer);
        lost();
      },
    });
    const timer = this.d.timers.once(budgetMs, () => {
      if (done) return;
      // Cancel first: a listener throwing in lost() must not leave the connect running past the hold-up budget.
      attempt.cancel();
      lost();
    });
    return true;
  }

  /** Stops every attempt and closes every connection (a clean stop; pending pushes stay stored). */
  stop(): void {
    this.stopped = true;
    this.inFlight.forEach((a) => {
      a.connect?.cancel();
      if (a.timer !== undefined) this.d.timers.clear(a.timer);
    });
    this.inFlight.clear();
    this.lingering.forEach((c) => c.close());
    this.lingering.clear();
  }
}

const NULL_DATA = Uint8Array.of(0);

function keyOf(ln: Obis): string {
  return `push.${toHex(ln.toBytes())}`;
}
