/** Timers: the firmware's only way to be called back later (XS has no setTimeout). */
export type TimerId = number;

export interface Timers {
  once(ms: number, callback: () => void): TimerId;
  repeat(ms: number, callback: () => void): TimerId;
  clear(id: TimerId): void;
}
