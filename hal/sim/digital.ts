/**
 * Simulated digital input (tamper switches: terminal-cover contact, magnetic
 * field sensor). The test or simulator sets the level; handlers registered
 * through onChange run on every edge, as a GPIO interrupt would call them.
 */
import type { DigitalIn } from "../digital.js";

export class SimDigitalIn implements DigitalIn {
  #level: 0 | 1;
  readonly #handlers: ((level: 0 | 1) => void)[] = [];

  constructor(level: 0 | 1 = 0) {
    this.#level = level;
  }

  read(): 0 | 1 {
    return this.#level;
  }

  onChange(handler: (level: 0 | 1) => void): void {
    this.#handlers.push(handler);
  }

  /** Drives the pin; handlers run only on an edge. */
  set(level: 0 | 1): void {
    if (level === this.#level) return;
    this.#level = level;
    for (const h of this.#handlers) h(level);
  }
}
