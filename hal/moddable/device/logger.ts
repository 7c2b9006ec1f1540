import { LineLogger } from "../logger.js";

/** Logger over Moddable's `trace` (xsbug in debug builds, the serial console otherwise). */
export function traceLogger(): LineLogger {
  return new LineLogger((line) => trace(line));
}
