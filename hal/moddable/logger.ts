import type { Logger } from "../logger.js";

/** Logger over a line sink (Moddable's `trace` on a board: xsbug or the serial console). */
export class LineLogger implements Logger {
  private declare readonly sink: (line: string) => void;
  constructor(sink: (line: string) => void) {
    this.sink = sink;
  }
  info(message: string): void {
    this.sink(`I ${message}\n`);
  }
  warn(message: string): void {
    this.sink(`W ${message}\n`);
  }
  error(message: string): void {
    this.sink(`E ${message}\n`);
  }
}
