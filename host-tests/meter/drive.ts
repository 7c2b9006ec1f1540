/**
 * Drives an in-process simulated meter while a client's promise is pending:
 * simulated time moves 1 ms at a time (so link latencies and time-outs happen
 * in order) and promise jobs run between steps. Deterministic on both runtimes.
 */
import type { SimBoard } from "../../scripts/simulator/board.js";

export async function settle<T>(board: SimBoard, p: Promise<T>, maxMs = 60000): Promise<T> {
  const r: { state: "pending" | "ok" | "err"; value?: T; error?: unknown } = { state: "pending" };
  p.then(
    (v) => {
      r.state = "ok";
      r.value = v;
    },
    (e) => {
      r.state = "err";
      r.error = e;
    },
  );
  for (let t = 0; t <= maxMs; t++) {
    for (let k = 0; k < 32 && r.state === "pending"; k++) await Promise.resolve();
    if (r.state !== "pending") break;
    board.clock.advance(1);
  }
  if (r.state === "ok") return r.value as T;
  if (r.state === "err") throw r.error;
  throw new Error(`still pending after ${maxMs} simulated ms`);
}
