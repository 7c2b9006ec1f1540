/**
 * Helpers for the transport tests: an ApduHandler that answers from the
 * test (echo by default) and records sessions, and `drive`, which moves
 * simulated time until a client operation settles.
 */
import type { SimClock } from "../../hal/sim/clock.js";
import type { ApduHandler, ApduSession } from "../../src/transport/apdu-port.js";

export class LoopbackHandler implements ApduHandler {
  readonly requests: { apdu: Uint8Array; session: ApduSession }[] = [];
  readonly closed: ApduSession[] = [];
  /** The answer to an APDU; default: the APDU itself. */
  answer: (apdu: Uint8Array, session: ApduSession) => Uint8Array | undefined = (apdu) => apdu.slice();

  handle(apdu: Uint8Array, session: ApduSession): Uint8Array | undefined {
    this.requests.push({ apdu: apdu.slice(), session });
    return this.answer(apdu, session);
  }

  sessionClosed(session: ApduSession): void {
    this.closed.push(session);
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 4; i++) await Promise.resolve();
}

/**
 * Advances simulated time in small steps until p settles (or limitMs of
 * simulated time pass, which fails the test): the promise resolves from a
 * timer callback, its continuation needs the microtask queue in between.
 */
export async function drive<T>(clock: SimClock, p: Promise<T>, limitMs = 120_000, stepMs = 5): Promise<T> {
  const s: { state: "pending" | "ok" | "err"; value?: T; error?: unknown } = { state: "pending" };
  p.then(
    (v) => {
      s.state = "ok";
      s.value = v;
    },
    (e) => {
      s.state = "err";
      s.error = e;
    },
  );
  await flush();
  for (let t = 0; t < limitMs && s.state === "pending"; t += stepMs) {
    clock.advance(stepMs);
    await flush();
  }
  if (s.state === "err") throw s.error;
  if (s.state === "pending") throw new Error(`operation still pending after ${limitMs} ms of simulated time`);
  return s.value as T;
}

/** Settles a promise that is expected to fail, returning its error. */
export async function driveToError(clock: SimClock, p: Promise<unknown>, limitMs = 120_000): Promise<unknown> {
  try {
    await drive(clock, p, limitMs);
  } catch (e) {
    return e;
  }
  throw new Error("operation succeeded but was expected to fail");
}

/** Deterministic bytes 0..n-1 pattern (distinct per position modulo 251, a prime, so shifts show). */
export function pattern(n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 7 + seed) % 251;
  return out;
}
