import { frozen } from "../src/util/frozen.js";
/** Injected logger: XS has no console; Moddable's trace or the host's console sit behind it. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: Logger = frozen({ info() {}, warn() {}, error() {} });
