/**
 * Timer globals for the XS test host only. xsnap has no timers, and test
 * libraries (fast-check) read `setTimeout` when they load. Callbacks run as
 * promise jobs in the order scheduled; the delay is ignored, because tests run
 * on simulated time and never wait on the wall clock. Firmware code cannot see
 * these: the firmware check forbids Node's timer globals in src/ and hal/.
 */
type Callback = (...args: unknown[]) => void;

const g = globalThis as unknown as Record<string, unknown>;

if (typeof g.setTimeout !== "function") {
  let nextId = 1;
  const cancelled = new Set<number>();
  g.setTimeout = (fn: Callback, _ms?: number, ...args: unknown[]): number => {
    const id = nextId++;
    Promise.resolve().then(() => {
      if (!cancelled.delete(id)) fn(...args);
    });
    return id;
  };
  g.clearTimeout = (id: number): void => {
    cancelled.add(id);
  };
}

export {};
