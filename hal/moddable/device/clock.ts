import Time from "time";
import { MonotonicRtc, WrappingTicksClock } from "../clock.js";

export function moddableClocks(): { monotonic: WrappingTicksClock; rtc: MonotonicRtc } {
  const monotonic = new WrappingTicksClock(() => Time.ticks);
  return { monotonic, rtc: new MonotonicRtc(monotonic, (seconds) => Time.set(seconds)) };
}
