import Timer from "timer";
import { ModdableTimers } from "../timer.js";

export function moddableTimers(): ModdableTimers<Timer> {
  return new ModdableTimers<Timer>({
    set: (callback, interval, repeat) => Timer.set(() => callback(), interval, repeat),
    clear: (handle) => Timer.clear(handle),
  });
}
