/**
 * Simulated keypad: a test or the simulator presses keys; handlers run as
 * the board's key-scan interrupt would call them.
 */
import type { KeypadKey, KeypadPort } from "../keypad.js";

export class SimKeypad implements KeypadPort {
  readonly #handlers: ((key: KeypadKey) => void)[] = [];

  onKey(handler: (key: KeypadKey) => void): void {
    this.#handlers.push(handler);
  }

  press(key: KeypadKey): void {
    for (const h of this.#handlers) h(key);
  }

  /** Types digits (other characters such as dashes are not keys and are skipped); `enter` presses Enter after them. */
  type(text: string, enter = true): void {
    for (const ch of text) if (ch >= "0" && ch <= "9") this.press(ch as KeypadKey);
    if (enter) this.press("enter");
  }
}
